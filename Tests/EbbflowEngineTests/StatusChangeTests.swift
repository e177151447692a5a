// Every status change any SQL can write is legal in StateMachine: declared, checked, and seen in the audit table.
import EbbflowCore
import EbbflowQueue
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@testable import EbbflowEngine

@Suite struct StatusChangeTests {
    /// The declarations every status-changing statement of the engine takes its statuses and
    /// reason from: each transition they can write is one `StateMachine` allows.
    @Test func everyDeclaredChangeIsLegalInTheStateMachine() throws {
        #expect(!StatusChange.all.isEmpty)
        for change in StatusChange.all {
            for step in change.transitions {
                #expect(
                    StateMachine.isLegal(from: step.from, to: step.to, reason: step.reason), "\(change) writes \(step)")
            }
            #expect(change.isLegal)
        }
        #expect(Set(StatusChange.all).count == StatusChange.all.count, "each change declared once")
    }

    /// `all` is every change there is: each one declared in StatusChange.swift is listed in it,
    /// and no source makes a `StatusChange` elsewhere. Why: a change left out of `all` is
    /// checked by no test above, so a statement could write an illegal transition through it.
    @Test func everyChangeIsDeclaredOnceAndListedInAll() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources")
        let declaring = sources.appendingPathComponent("EbbflowEngine/Contacts/StatusChange.swift")
        let declared = try String(contentsOf: declaring, encoding: .utf8)
            .matches(of: #/static let (\w+) = StatusChange\(/#).map { String($0.output.1) }
        #expect(declared.count == StatusChange.all.count, "declared \(declared), listed \(StatusChange.all.count)")
        var elsewhere: [String] = []
        for file in Self.files(under: sources, ext: "swift") where file.lastPathComponent != declaring.lastPathComponent
        {
            if try String(contentsOf: file, encoding: .utf8).contains("StatusChange(") {
                elsewhere.append(file.lastPathComponent)
            }
        }
        #expect(elsewhere.isEmpty, "a StatusChange made outside StatusChange.swift: \(elsewhere)")
    }

    /// A contact import binds its legal changes from `StateMachine.rules` itself: every triple
    /// it can write is legal, and each is one of the import's own reasons.
    @Test func contactImportChangesAreLegal() throws {
        let legal = ContactImportSQL.legalChanges
        #expect(!legal.from.isEmpty)
        for index in legal.from.indices {
            let from = try #require(CampaignStatus(rawValue: legal.from[index]))
            let to = try #require(CampaignStatus(rawValue: legal.to[index]))
            let reason = try #require(TransitionReason(rawValue: legal.reason[index]))
            #expect(
                StateMachine.isLegal(from: from, to: to, reason: reason), "import writes \(from) → \(to) (\(reason))")
            #expect(ContactImportSQL.importReasons.contains(reason))
        }
    }

    /// `check` refuses a status the change does not start from, even where the state machine
    /// would allow the pair for another reason, so a caller cannot reuse a change elsewhere.
    @Test func aChangeRefusesAStatusItDoesNotStartFrom() {
        #expect(throws: IllegalTransition.self) { try StatusChange.flowEntry.check(from: .active) }
        #expect(throws: IllegalTransition.self) { try StatusChange.silence.check(from: .suppressed) }
        #expect(throws: Never.self) { try StatusChange.silence.check(from: .engaged) }
        #expect(StatusChange.silence.fromSQL == "'active', 'engaged', 'reactivated'")
        #expect(
            StatusChange.movedToChannel.onlyFromSQL == "'inactive'"
                && StatusChange.movedToChannel.reasonSQL == "'moved_to_channel'")
    }

    /// No status is typed into a statement that writes one: every SQL text in the engine, the
    /// simulator, the queue, the CLI and core (multi-line literals, and single lines outside them)
    /// that sets `campaign_status` or inserts into `transitions`, however the table is spelled,
    /// holds no quoted status or reason (they come from a `StatusChange`, or are bound); nor does
    /// any statement of sql/ (migrations and their triggers). The benchmark's fixture
    /// (Sources/EbbflowBench) copies the sweep on purpose and is left out.
    @Test func noStatusWritingStatementTypesAStatus() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        var writers: Set<String> = []
        var offenders: [String] = []
        for module in ["EbbflowEngine", "EbbflowSimulation", "EbbflowQueue", "EbbflowCore", "ebbflow"] {
            for file in Self.files(under: root.appendingPathComponent("Sources/\(module)"), ext: "swift") {
                let text = try String(contentsOf: file, encoding: .utf8)
                for statement in Self.swiftStatements(text) {
                    let typed = Self.typedStatuses(statement)
                    guard let typed else { continue }
                    writers.insert(file.lastPathComponent)
                    if !typed.isEmpty {
                        offenders.append("\(file.lastPathComponent): \(typed) in \(statement.prefix(80))…")
                    }
                }
            }
        }
        for file in Self.files(under: root.appendingPathComponent("sql"), ext: "sql") {
            let text = try String(contentsOf: file, encoding: .utf8)
            let code = text.split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.components(separatedBy: "--")[0] }.joined(separator: " ")
            for statement in code.components(separatedBy: ";") {
                if let typed = Self.typedStatuses(statement), !typed.isEmpty {
                    offenders.append("\(file.lastPathComponent): \(typed) in \(statement.prefix(80))…")
                }
            }
        }
        // The scan sees every kind of writer, so an empty offender list is not vacuous.
        let known: Set = [
            "InactivitySweep.swift", "FlowSQL.swift", "ReactivationSQL.swift", "EventSQL.swift",
            "ContactImportSQL.swift",
        ]
        #expect(
            known.subtracting(writers).isEmpty,
            "the scan missed writers: \(known.subtracting(writers)) (found \(writers))")
        #expect(offenders.isEmpty, "\(offenders)")
    }

    /// The scan itself: a status typed into a single-line statement, into one that spells the
    /// audit table through a variable, or into a trigger's assignment is caught; a read is not.
    @Test func theScanCatchesTypedStatusesWhereverTheyAre() {
        let source = #"""
            var a: String { "UPDATE \(contacts) SET campaign_status = 'suppressed' WHERE id = $1" }
            var b: String {
                """
                INSERT INTO \(transitions) (contact_id, from_status, to_status, reason, at)
                SELECT id, $2, $3, 'silence', $4 FROM moved
                """
            }
            // UPDATE contacts SET campaign_status = 'active' (a comment, not a statement)
            var c: String { "SELECT id FROM \(contacts) WHERE campaign_status = 'inactive'" }
            """#
        let typed = Self.swiftStatements(source).compactMap(Self.typedStatuses)
        #expect(typed == [["suppressed"], ["silence"]])
        #expect(Self.typedStatuses("NEW.campaign_status := 'inactive'") == ["inactive"])
        #expect(Self.typedStatuses("UPDATE contacts SET campaign_status = $1::text::campaign_status") == [])
    }

    /// A statement's quoted statuses and reasons if it writes a status (nil if it writes none).
    static func typedStatuses(_ statement: String) -> [String]? {
        let flat = statement.replacingOccurrences(of: "\n", with: " ")
        let writes = [
            #"\bUPDATE\b.*\bSET\b.*\bcampaign_status\s*="#, // an UPDATE of the status
            #"\bcampaign_status\s*:="#, // a trigger or function assigning it
            #"\bINSERT\s+INTO\s+\S*transitions\S*\s*\(\s*contact_id"#, // an audit row, however the table is spelled
        ].contains { flat.range(of: $0, options: [.regularExpression, .caseInsensitive]) != nil }
        guard writes else { return nil }
        let words = CampaignStatus.allCases.map(\.rawValue) + TransitionReason.allCases.map(\.rawValue)
        return words.filter { flat.contains("'\($0)'") }
    }

    /// Swift source's SQL candidates: each multi-line literal whole, and each line outside them
    /// (so a single-line statement counts too), comment lines left out.
    static func swiftStatements(_ text: String) -> [String] {
        text.components(separatedBy: "\"\"\"").enumerated().flatMap { index, part -> [String] in
            index % 2 == 1
                ? [part]
                : part.split(separator: "\n").map(String.init).filter {
                    !$0.trimmingCharacters(in: .whitespaces).hasPrefix("//")
                }
        }
    }

    static func files(under directory: URL, ext: String) -> [URL] {
        let all =
            FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL }
            ?? []
        return all.filter { $0.pathExtension == ext }.sorted { $0.path < $1.path }
    }

    /// sql/engine/0019's trigger is the one other rule SQL applies on a status change (the channel):
    /// for every pair of statuses, a contact on the alternative channel ends on the channel
    /// `StateMachine.channel` says.
    @Test func channelTriggerFollowsTheStateMachine() async throws {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            let store = EventStore(schema: schema)
            try await connection.run { connection in
                let now = try store.now(on: connection)
                try store.upsertContact(externalID: "c", email: nil, segment: "retail", now: now, on: connection)
            }
            for from in CampaignStatus.allCases {
                for to in CampaignStatus.allCases {
                    // Written as any writer would: the trigger fires whatever statement changes the status.
                    // The status first, then the channel: the trigger would already act on the first update.
                    _ = try await connection.execute(
                        "UPDATE \(schema.quoted).contacts SET campaign_status = $1::text::\(schema.quoted).campaign_status",
                        [from.rawValue])
                    _ = try await connection.execute("UPDATE \(schema.quoted).contacts SET channel = 'ads'")
                    _ = try await connection.execute(
                        "UPDATE \(schema.quoted).contacts SET campaign_status = $1::text::\(schema.quoted).campaign_status",
                        [to.rawValue])
                    let channel: String = try await connection.query("SELECT channel FROM \(schema.quoted).contacts")
                        .first!.decode("channel")
                    #expect(channel == StateMachine.channel(from: from, to: to, current: "ads"), "\(from) → \(to)")
                }
            }
        }
    }
}

extension ReactivationCycleTests {
    /// The engine's passes and jobs run for real (sweep, reactivation steps, a flow, events, a
    /// contact import), and every row they leave in `transitions` is a legal transition and one
    /// the declarations (`StatusChange.all`, or the import's) say some statement can write.
    @Test func everyAuditedTransitionIsLegalAndDeclared() async throws {
        try await withInactiveContact { connection, schema, day in
            try await day(120) // reactivation email 1
            try await clicks(1, tag: "a", connection, schema) // inactive → reactivated (engaged_during_reactivation)
            let flow = FlowDefinition(name: "f", segment: "retail", template: "t")
            _ = try await connection.withTransaction { try FlowStore(schema: schema).start(flow, on: $0) }
            // Flow entry, three unanswered sends, inactive, cooldown, both emails, moved to ads.
            for step in 120...185 { try await day(Double(step)) }
            // Back to email, then engaged by score; then suppressed and reinstated by an import.
            try await clicks(2, tag: "b", connection, schema)
            let importer = ContactImporter(schema: schema)
            _ = try await importer.importContacts(
                "external_id,campaign_status\nquiet,suppressed\n", format: .csv, on: connection)
            _ = try await importer.importContacts(
                "external_id,campaign_status,consent_source\nquiet,active,phone call\n", format: .csv, on: connection)

            var declared = Set(
                StatusChange.all.flatMap {
                    $0.transitions.map { "\($0.from.rawValue)→\($0.to.rawValue) \($0.reason.rawValue)" }
                })
            let legal = ContactImportSQL.legalChanges
            for index in legal.from.indices {
                declared.insert("\(legal.from[index])→\(legal.to[index]) \(legal.reason[index])")
            }
            var seen: Set<TransitionReason> = []
            let rows = try await connection.query(
                "SELECT from_status::text AS f, to_status::text AS t, reason FROM \(schema.quoted).transitions ORDER BY id"
            ).rows
            for row in rows {
                let from = try #require(CampaignStatus(rawValue: try row.decode("f")))
                let to = try #require(CampaignStatus(rawValue: try row.decode("t")))
                let reason = try #require(TransitionReason(rawValue: try row.decode("reason")))
                #expect(StateMachine.isLegal(from: from, to: to, reason: reason), "\(from) → \(to) (\(reason))")
                #expect(
                    declared.contains("\(from.rawValue)→\(to.rawValue) \(reason.rawValue)"),
                    "undeclared: \(from) → \(to) (\(reason))")
                seen.insert(reason)
            }
            // The scenario reached every kind of writer, so the check above is not vacuous.
            let expected: Set<TransitionReason> = [
                .silence, .engagedDuringReactivation, .flowEntry, .noEngagementAfterSends, .movedToChannel,
                .returnedToEmail,
                .scoreThreshold, .manualSuppression, .manualReinstatement,
            ]
            let story = try await trail(connection, schema)
            #expect(expected.subtracting(seen).isEmpty, "not reached: \(expected.subtracting(seen)); trail \(story)")
        }
    }

    /// `count` clicks by the quiet contact, now, applied in one batch.
    func clicks(_ count: Int, tag: String, _ connection: PGConnection, _ schema: SchemaName) async throws {
        let (store, applier) = (EventStore(schema: schema), EventApplier(schema: schema))
        let policies = try await connection.run { try PolicyStore(schema: schema).load(on: $0) }
        try await connection.withTransaction { connection in
            let now = try store.now(on: connection)
            let events = (0..<count).map {
                IncomingEvent(externalID: "quiet", kind: "click", occurredAt: now, providerEventID: "\(tag)-\($0)")
            }
            let stored = try store.record(events, now: now, on: connection)
            try applier.apply(eventIDs: stored.map(\.id), policies: policies, now: now, on: connection)
        }
    }
}
