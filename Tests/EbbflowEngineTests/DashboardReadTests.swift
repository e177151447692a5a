// The dashboard's read models on a real database: snapshots per channel and stream, the audience now, activity hours, decisions, experiments, the score.
import EbbflowCore
import EbbflowEngine
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct DashboardReadTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000) // 2027-01-15 08:00 UTC

    /// 30 contacts in three segments; six inactive moved to ads, three suppressed; five in
    /// the promotion stream, none in quiet.
    static func seed(_ connection: PGConnection, _ schema: SchemaName) async throws {
        try await connection.withTransaction { connection in
            try DatabaseClock(schema: schema).set(start, on: connection)
            _ = try StreamStore(schema: schema).apply(Data(DashboardRollupTests.streams.utf8), on: connection)
        }
        let s = schema.quoted
        try await connection.simpleQuery(
            """
            INSERT INTO \(s).contacts (external_id, email, segment, status_changed_at, created_at)
            SELECT 'c' || g, 'C' || g || '@Example.com', 'seg' || (g % 3), '2027-01-01', '2027-01-01' FROM generate_series(1, 30) g;
            UPDATE \(s).contacts SET campaign_status = 'inactive', channel = 'ads' WHERE external_id IN ('c1', 'c2', 'c3', 'c4', 'c5', 'c6');
            UPDATE \(s).contacts SET campaign_status = 'inactive' WHERE external_id = 'c7';
            UPDATE \(s).contacts SET campaign_status = 'suppressed', suppression_reason = 'complaint' WHERE external_id IN ('c10', 'c11', 'c12');
            INSERT INTO \(s).stream_memberships (contact_id, stream, mode, entered_at, version)
            SELECT id, 'promotion', 'open', '2027-01-10', 1 FROM \(s).contacts WHERE external_id IN ('c20', 'c21', 'c22', 'c23', 'c24');
            """)
    }

    @Test func snapshotsPerChannelSumToTheOldTotalsAndStreamsAreSnapshotted() async throws {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            try await Self.seed(connection, schema)
            let history = AudienceHistory(schema: schema)
            try await connection.run { connection in
                try history.snapshot(now: Self.start, on: connection)
                try connection.execute(
                    "UPDATE \(schema.qualified("contacts")) SET channel = 'ads' WHERE external_id = 'c7'")
                try history.snapshot(now: Self.start, on: connection) // the same day again: replaced, not added
            }
            let direct: [String] = try await connection.query(
                """
                SELECT segment || ' ' || campaign_status || ' ' || count(*) AS row FROM \(schema.quoted).contacts
                GROUP BY segment, campaign_status ORDER BY segment, campaign_status
                """
            ).rows.map { try $0.decode("row") }
            let summed = try await connection.run { try history.history(days: 30, segment: nil, on: $0) }
            #expect(summed.map { "\($0.segment) \($0.status.rawValue) \($0.contacts)" } == direct)
            let channels = try await connection.run { try history.historyByChannel(days: 30, on: $0) }
            #expect(
                channels.map { "\($0.status.rawValue) \($0.channel) \($0.contacts)" } == [
                    "active email 20", "inactive ads 7", "suppressed email 3",
                ])
            let members = try await connection.run { try StreamHistory(schema: schema).members(days: 30, on: $0) }
            #expect(members.map { "\($0.stream)=\($0.members)" } == ["promotion=5", "quiet=0"])
            #expect(members.allSatisfy { $0.day == Date(timeIntervalSince1970: 1_800_000_000 - 8 * 3600) })
            let now = try await connection.run { try StreamHistory(schema: schema).membersNow(on: $0) }
            #expect(now.map { "\($0.stream)=\($0.members)" } == ["promotion=5", "quiet=0"])
        }
    }

    @Test func audienceNowGroupsSegmentsAndSplitsChannels() async throws {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            try await Self.seed(connection, schema)
            let now = try await connection.run { try AudienceNow(schema: schema).read(topSegments: 2, on: $0) }
            #expect(now.otherSegments == 1)
            #expect(
                now.bySegment.map { "\($0.segment ?? "other") \($0.status.rawValue) \($0.contacts)" } == [
                    "seg0 active 7", "seg0 inactive 2", "seg0 suppressed 1",
                    "seg1 active 6", "seg1 inactive 3", "seg1 suppressed 1",
                    "other active 7", "other inactive 2", "other suppressed 1",
                ])
            #expect(
                now.byChannel.map { "\($0.status.rawValue) \($0.channel) \($0.contacts)" } == [
                    "active email 20", "inactive ads 6", "inactive email 1", "suppressed email 3",
                ])
            #expect(
                try await connection.run { try SuppressionCounts(schema: schema).read(on: $0) } == ["complaint": 3])
        }
    }

    @Test func contactSearchFindsExactIDOrAddressAnyCase() async throws {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            try await Self.seed(connection, schema)
            let search = ContactSearch(schema: schema)
            let byID = try await connection.run { try search.find(" c12 ", on: $0) }
            #expect(byID.map(\.externalID) == ["c12"] && byID.first?.status == .suppressed)
            #expect(
                try await connection.run { try search.find("c12@example.COM", on: $0) }.map(\.externalID) == ["c12"])
            #expect(
                try await connection.run { try search.find("c1", on: $0) }.map(\.externalID) == ["c1"],
                "exact, no prefix")
            #expect(try await connection.run { try search.find("  ", on: $0) }.isEmpty)
            await #expect(throws: DashboardInputError.self) {
                try await connection.run { try search.find(String(repeating: "x", count: 1_001), on: $0) }
            }
        }
    }

    /// Closed hours come from the rollup, the last two live: an event of the open hour shows
    /// at once, one of a closed hour only once rolled up.
    @Test func activityHoursJoinTheRollupAndTheLiveHours() async throws {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            try await Self.seed(connection, schema)
            let s = schema.quoted
            try await connection.simpleQuery(
                """
                INSERT INTO \(s).engagement_events (contact_id, external_id, kind, occurred_at, received_at, applied_at, machine_open)
                SELECT id, external_id, 'open', t, t, t, external_id = 'c2'
                FROM \(s).contacts, (VALUES (timestamptz '2027-01-15 08:00:00+00'), ('2027-01-15 07:10+00'), ('2027-01-15 03:30+00')) v(t)
                WHERE external_id IN ('c1', 'c2');
                """)
            let hours = ActivityHours(schema: schema)
            let before = try await connection.run { try hours.read(on: $0) }
            #expect(
                before.map { "\($0.hour.timeIntervalSince1970 - 1_800_000_000) \($0.metric) \($0.count) \($0.live)" }
                    == [
                        "-3600.0 event 1 true", "-3600.0 machine 1 true", "0.0 event 1 true", "0.0 machine 1 true",
                    ])
            _ = try await connection.run { try DashboardRollup(schema: schema).runAll(on: $0) }
            let after = try await connection.run { try hours.read(on: $0) }
            #expect(after.count == 6 && after.prefix(2).allSatisfy { !$0.live && $0.count == 1 })
            #expect(after.first?.hour == Date(timeIntervalSince1970: 1_800_000_000 - 5 * 3600))
            await #expect(throws: DashboardInputError(field: "hours", "1 is outside 2...168")) {
                try await connection.run { try hours.read(hours: 1, on: $0) }
            }
        }
    }

    /// Newest first by id; a stream filter keeps the decisions that chose or left it, and
    /// continues over a scan's end.
    @Test func decisionLogPagesByIDWithAStreamFilter() async throws {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            try await Self.seed(connection, schema)
            let s = schema.quoted
            try await connection.simpleQuery(
                """
                INSERT INTO \(s).stream_decisions (contact_id, at, trigger, previous, chosen, reason, candidates)
                SELECT (SELECT min(id) FROM \(s).contacts), '2027-01-15 07:00+00', 'event',
                       CASE WHEN g % 5 = 0 THEN 'quiet' END, CASE WHEN g % 2 = 0 THEN 'promotion' END, 'r' || g, '[]'
                FROM generate_series(1, 25) g ORDER BY g;
                """)
            let log = StreamHistory(schema: schema)
            var reasons: [String] = []
            var before: Int64?
            repeat {
                let cursor = before
                let page = try await connection.run {
                    try log.decisionLog(stream: nil, before: cursor, limit: 10, on: $0)
                }
                reasons += page.entries.map(\.decision.reason)
                before = page.older
            } while before != nil
            #expect(reasons == (1...25).reversed().map { "r\($0)" })
            let quiet = try await connection.run {
                try log.decisionLog(stream: "quiet", before: nil, limit: 10, on: $0)
            }
            #expect(quiet.entries.map(\.decision.reason) == ["r25", "r20", "r15", "r10", "r5"] && quiet.older == nil)
            #expect(quiet.entries.first?.externalID == "c1" && quiet.scanned == 25)
            await #expect(throws: DashboardInputError.self) {
                try await connection.run { try log.decisionLog(stream: "", before: nil, limit: 10, on: $0) }
            }
            let versions = try await connection.run { try log.versions("promotion", on: $0) }
            #expect(versions.map(\.version) == [1])
        }
    }

    /// The same tallies give the same probabilities (seeded), different ones may not.
    @Test func cachedExperimentJudgementIsStableForTheSameTallies() {
        let tallies = [
            VariantTally(name: "a", sends: 1_200, conversions: 360),
            VariantTally(name: "b", sends: 1_200, conversions: 240),
        ]
        let first = ExperimentTallyCache.judge(experiment: "subject", tallies, rule: PromotionRule())
        let second = ExperimentTallyCache.judge(experiment: "subject", tallies, rule: PromotionRule())
        #expect(first.summaries == second.summaries && first.winner == "a")
        let other = ExperimentTallyCache.judge(experiment: "cta", tallies, rule: PromotionRule())
        #expect(other.summaries.map(\.rate) == first.summaries.map(\.rate))
    }

    /// The replayed line ends at the score the applier stored, decayed to now.
    @Test func scoreLineEndsAtTheStoredScore() async throws {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            try await connection.run { connection in
                try DatabaseClock(schema: schema).set(Self.start.addingTimeInterval(-60 * 86_400), on: connection)
                _ = try EventStore(schema: schema).upsertContact(
                    externalID: "s", email: nil, segment: "retail", now: Self.start, on: connection)
            }
            let store = EventStore(schema: schema)
            let policies = try await connection.run { try PolicyStore(schema: schema).load(on: $0) }
            for (day, kind) in [(-50, "click"), (-49, "open"), (-30, "click"), (-29, "form_submit"), (-3, "open")] {
                let at = Self.start.addingTimeInterval(Double(day) * 86_400)
                try await connection.withTransaction { connection in
                    try DatabaseClock(schema: schema).set(at, on: connection)
                    if case .stored(let id) = try store.record(
                        IncomingEvent(
                            externalID: "s", kind: kind, occurredAt: at, source: "test", providerEventID: "\(day)"),
                        now: at, on: connection)
                    {
                        _ = try EventApplier(schema: schema).apply(
                            eventID: id, policies: policies, now: at, on: connection)
                    }
                }
            }
            try await connection.run { try DatabaseClock(schema: schema).set(Self.start, on: $0) }
            let view = try await connection.run {
                try ContactStore(schema: schema).show(externalID: "s", policies: policies, on: $0)
            }
            let id: Int64 = try await connection.query("SELECT id FROM \(schema.quoted).contacts").first!.decode("id")
            let line = try await connection.run {
                try ScoreHistory(schema: schema).read(
                    contactID: id, decay: policies.policy(for: "retail").decay, on: $0)
            }
            #expect(!line.truncated && line.points.count > 90)
            let stored = try #require(view?.contact.engagementScore)
            let header = try #require(
                try await connection.run {
                    try ContactHeaders(schema: schema).read(externalID: "s", policies: policies, on: $0)
                })
            #expect(header.id == id && header.contact.engagementScore == stored && header.stream == nil)
            #expect(header.contact.status == view?.contact.status)
            #expect(stored > 0 && abs(line.points.last!.score - stored) < 1e-6)
            #expect(line.points.map(\.at) == line.points.map(\.at).sorted())
        }
    }
}
