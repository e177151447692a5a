// Every status change any SQL can write is legal in StateMachine: declared, checked, and seen in the audit table.
import EbbflowCore
@testable import EbbflowEngine
import EbbflowQueue
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct StatusChangeTests {
    /// The declarations every status-changing statement of the engine takes its statuses and
    /// reason from: each transition they can write is one `StateMachine` allows.
    @Test func everyDeclaredChangeIsLegalInTheStateMachine() throws {
        #expect(!StatusChange.all.isEmpty)
        for change in StatusChange.all {
            for step in change.transitions {
                #expect(StateMachine.isLegal(from: step.from, to: step.to, reason: step.reason), "\(change) writes \(step)")
            }
            #expect(change.isLegal)
        }
        #expect(Set(StatusChange.all).count == StatusChange.all.count, "each change declared once")
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
            #expect(StateMachine.isLegal(from: from, to: to, reason: reason), "import writes \(from) → \(to) (\(reason))")
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
        #expect(StatusChange.movedToChannel.onlyFromSQL == "'inactive'" && StatusChange.movedToChannel.reasonSQL == "'moved_to_channel'")
    }

    /// No status is typed into a statement that writes one: every multi-line SQL literal in the
    /// engine and the simulator that sets `campaign_status` or inserts into `transitions` holds
    /// no quoted status or reason (they come from a `StatusChange`, or are bound). The
    /// benchmark's fixture (Sources/EbbflowBench) copies the sweep on purpose and is left out.
    @Test func noStatusWritingStatementTypesAStatus() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources")
        let words = CampaignStatus.allCases.map(\.rawValue) + TransitionReason.allCases.map(\.rawValue)
        var writers = 0
        var offenders: [String] = []
        for module in ["EbbflowEngine", "EbbflowSimulation", "EbbflowQueue", "ebbflow"] {
            let root = sources.appendingPathComponent(module)
            let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
            for file in files where file.pathExtension == "swift" {
                let text = try String(contentsOf: file, encoding: .utf8)
                for (index, statement) in text.components(separatedBy: "\"\"\"").enumerated() where index % 2 == 1 {
                    let flat = statement.replacingOccurrences(of: "\n", with: " ")
                    let setsStatus = flat.range(of: #"UPDATE .*SET .*\bcampaign_status\s*="#, options: .regularExpression) != nil
                    let audits = flat.contains("(\"transitions\")) (contact_id")
                    guard setsStatus || audits else { continue }
                    writers += 1
                    for word in words where flat.contains("'\(word)'") {
                        offenders.append("\(file.lastPathComponent): '\(word)' in \(flat.prefix(80))…")
                    }
                }
            }
        }
        #expect(writers >= 6, "the scan found the status-writing statements (\(writers))")
        #expect(offenders.isEmpty, "\(offenders)")
    }

    /// sql/0026's trigger is the one other rule SQL applies on a status change (the channel):
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
                        "UPDATE \(schema.quoted).contacts SET campaign_status = $1::text::\(schema.quoted).campaign_status", [from.rawValue])
                    _ = try await connection.execute("UPDATE \(schema.quoted).contacts SET channel = 'ads'")
                    _ = try await connection.execute(
                        "UPDATE \(schema.quoted).contacts SET campaign_status = $1::text::\(schema.quoted).campaign_status", [to.rawValue])
                    let channel: String = try await connection.query("SELECT channel FROM \(schema.quoted).contacts").first!.decode("channel")
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
            try await day(120)  // reactivation email 1
            try await clicks(1, tag: "a", connection, schema)  // inactive → reactivated (engaged_during_reactivation)
            let flow = FlowDefinition(name: "f", segment: "retail", template: "t")
            _ = try await connection.withTransaction { try FlowStore(schema: schema).start(flow, on: $0) }
            // Flow entry, three unanswered sends, inactive, cooldown, both emails, moved to ads.
            for step in 120...185 { try await day(Double(step)) }
            // Back to email, then engaged by score; then suppressed and reinstated by an import.
            try await clicks(2, tag: "b", connection, schema)
            let importer = ContactImporter(schema: schema)
            _ = try await importer.importContacts("external_id,campaign_status\nquiet,suppressed\n", format: .csv, on: connection)
            _ = try await importer.importContacts("external_id,campaign_status\nquiet,active\n", format: .csv, on: connection)

            var declared = Set(StatusChange.all.flatMap { $0.transitions.map { "\($0.from.rawValue)→\($0.to.rawValue) \($0.reason.rawValue)" } })
            let legal = ContactImportSQL.legalChanges
            for index in legal.from.indices { declared.insert("\(legal.from[index])→\(legal.to[index]) \(legal.reason[index])") }
            var seen: Set<TransitionReason> = []
            let rows = try await connection.query(
                "SELECT from_status::text AS f, to_status::text AS t, reason FROM \(schema.quoted).transitions ORDER BY id").rows
            for row in rows {
                let from = try #require(CampaignStatus(rawValue: try row.decode("f")))
                let to = try #require(CampaignStatus(rawValue: try row.decode("t")))
                let reason = try #require(TransitionReason(rawValue: try row.decode("reason")))
                #expect(StateMachine.isLegal(from: from, to: to, reason: reason), "\(from) → \(to) (\(reason))")
                #expect(declared.contains("\(from.rawValue)→\(to.rawValue) \(reason.rawValue)"), "undeclared: \(from) → \(to) (\(reason))")
                seen.insert(reason)
            }
            // The scenario reached every kind of writer, so the check above is not vacuous.
            let expected: Set<TransitionReason> = [
                .silence, .engagedDuringReactivation, .flowEntry, .noEngagementAfterSends, .movedToChannel, .returnedToEmail,
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
            let events = (0..<count).map { IncomingEvent(externalID: "quiet", kind: "click", occurredAt: now, providerEventID: "\(tag)-\($0)") }
            let stored = try store.record(events, now: now, on: connection)
            try applier.apply(eventIDs: stored.map(\.id), policies: policies, now: now, on: connection)
        }
    }
}
