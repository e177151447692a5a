// The outbox's lifecycle against the real server: lease, ack, fail with backoff, dead, expired leases, lost leases, concurrency.
import EbbflowCore
import EbbflowEngine
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct SendOutboxTests {
    static let start = ISO8601DateFormatter().date(from: "2026-06-01T12:00:00Z")!

    /// A simulation schema with the clock frozen at `start`, `contacts` contacts (c-1…) of
    /// segment `retail`, each with one flow send due a minute ago.
    static func seeded<T: Sendable>(
        contacts: Int = 3, policy: String? = nil, _ body: (PGConnection, SchemaName, SendOutbox) async throws -> T
    ) async throws -> T {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            try await connection.run { try DatabaseClock(schema: schema).set(start, on: $0) }
            if let policy {
                _ = try await connection.run { try PolicyStore(schema: schema).save(Data(policy.utf8), on: $0) }
            }
            try await OutboxSeed.pendingSends(contacts, schema: schema.quoted, on: connection)
            return try await body(connection, schema, SendOutbox(schema: schema))
        }
    }

    static func lease(_ outbox: SendOutbox, _ connection: PGConnection, limit: Int = 100, seconds: Int = 60)
        async throws -> SendLease
    {
        try await connection.run { try outbox.lease(limit: limit, leaseSeconds: seconds, on: $0) }
    }

    static func finish(_ outbox: SendOutbox, _ connection: PGConnection, _ results: [SendResult]) async throws
        -> [Int64: SendFinishOutcome]
    {
        try await connection.run { try outbox.finish(results, on: $0) }
    }

    static func advance(_ connection: PGConnection, _ schema: SchemaName, _ seconds: Double) async throws {
        try await connection.run { try DatabaseClock(schema: schema).advance(by: seconds, on: $0) }
    }

    static func state(_ connection: PGConnection, _ schema: SchemaName, _ id: Int64) async throws -> String {
        try await connection.query("SELECT state FROM \(schema.quoted).sends WHERE id = $1", [id]).first!.decode(
            "state")
    }

    @Test func leaseAckFailBackoffAndDead() async throws {
        try await Self.seeded(policy: #"{"default": {"delivery_max_attempts": 3}}"#) { connection, schema, outbox in
            let q = schema.quoted
            // A send due tomorrow is not leased.
            try await connection.simpleQuery(
                """
                INSERT INTO \(q).sends (contact_id, flow, step, template, channel, at)
                SELECT id, 'welcome', 2, 'welcome_2', 'email', \(q).clock_now() + interval '1 day'
                FROM \(q).contacts WHERE external_id = 'c-1'
                """)
            let first = try await Self.lease(outbox, connection)
            #expect(first.sends.map(\.externalID) == ["c-1", "c-2", "c-3"])
            #expect(
                first.sends.allSatisfy { $0.attempt == 1 && $0.leaseExpiresAt == Self.start.addingTimeInterval(60) })
            #expect(Set(first.sends.map(\.leaseToken)).count == 3, "a token per send")
            #expect(first.sends[0].email == "c1@example.com" && first.sends[0].template == "welcome_1")
            #expect(try await Self.lease(outbox, connection).sends.isEmpty, "all leased: nothing more is due")
            let (s1, s2, s3) = (first.sends[0], first.sends[1], first.sends[2])

            // Sent: kept with its message id; an ack repeated with the same id changes nothing.
            #expect(
                try await Self.finish(
                    outbox, connection, [.init(id: s1.id, token: s1.leaseToken, outcome: .sent(messageID: "<m1@x>"))])
                    == [s1.id: .sent])
            #expect(
                try await Self.finish(
                    outbox, connection, [.init(id: s1.id, token: s1.leaseToken, outcome: .sent(messageID: "<m1@x>"))])
                    == [s1.id: .sent])
            #expect(
                try await Self.finish(
                    outbox, connection, [.init(id: s1.id, token: nil, outcome: .sent(messageID: "<other@x>"))])
                    == [s1.id: .alreadyFinished(state: "sent")])
            let sent = try await connection.query(
                "SELECT message_id, sent_at, finished_at, lease_token FROM \(q).sends WHERE id = $1", [s1.id]
            ).first!
            #expect(try sent.decode("message_id", as: String.self) == "<m1@x>")
            #expect(try sent.decode("sent_at", as: Date.self) == Self.start)
            #expect(try sent.decode("lease_token", as: UUID?.self) == nil)

            // Permanent failure: dead at once.
            #expect(
                try await Self.finish(
                    outbox, connection,
                    [
                        .init(
                            id: s3.id, token: s3.leaseToken,
                            outcome: .failed(error: "550 no such user", permanent: true))
                    ])
                    == [s3.id: .dead])
            #expect(try await Self.state(connection, schema, s3.id) == "dead")

            // Transient failures: retried with a growing, jittered backoff, then dead after 3 attempts.
            var token = s2.leaseToken
            for attempt in 1...3 {
                let outcome = try await Self.finish(
                    outbox, connection,
                    [
                        .init(
                            id: s2.id, token: token,
                            outcome: .failed(error: "421 try later #\(attempt)", permanent: false))
                    ])
                let now = try await connection.run { try DatabaseClock(schema: schema).now(on: $0) }
                if attempt < 3 {
                    guard case .retrying(let at)? = outcome[s2.id] else {
                        Issue.record("attempt \(attempt): \(outcome)")
                        return
                    }
                    let step = SendBackoff.step(afterAttempt: attempt)
                    #expect(at >= now.addingTimeInterval(step / 2) && at <= now.addingTimeInterval(step))
                    #expect(try await Self.state(connection, schema, s2.id) == "failed")
                    #expect(try await Self.lease(outbox, connection).sends.isEmpty, "not before its backoff")
                    // A second past the backoff: `at` went through a Double, and landing a microsecond short
                    // of it (a frozen clock) would find the send not yet due.
                    try await Self.advance(connection, schema, at.timeIntervalSince(now) + 1)
                    let again = try await Self.lease(outbox, connection)
                    #expect(again.sends.map(\.id) == [s2.id] && again.sends.first?.attempt == attempt + 1)
                    token = try #require(again.sends.first?.leaseToken)
                } else {
                    #expect(outcome == [s2.id: .dead], "attempts spent")
                }
            }
            let errors = try await connection.query(
                "SELECT attempt, error, permanent FROM \(q).send_errors WHERE send_id = $1 ORDER BY attempt", [s2.id]
            ).rows.map { "\(try $0.decode("attempt", as: Int.self)):\(try $0.decode("error", as: String.self))" }
            #expect(errors == ["1:421 try later #1", "2:421 try later #2", "3:421 try later #3"])
            let last: String = try await connection.query("SELECT last_error FROM \(q).sends WHERE id = $1", [s2.id])
                .first!.decode("last_error")
            #expect(last == "421 try later #3")
            #expect(try await Self.state(connection, schema, s2.id) == "dead")
            #expect(
                try await Self.finish(
                    outbox, connection, [.init(id: 99_999_999, token: nil, outcome: .sent(messageID: "x"))]) == [
                        99_999_999: .unknown
                    ])
        }
    }

    @Test func longErrorsAreCutAndSaySo() async throws {
        try await Self.seeded(contacts: 1) { connection, schema, outbox in
            let send = try #require(try await Self.lease(outbox, connection).sends.first)
            let long = String(repeating: "é", count: 5_000) + "\0end"
            _ = try await Self.finish(
                outbox, connection,
                [.init(id: send.id, token: send.leaseToken, outcome: .failed(error: long, permanent: false))])
            let kept: String = try await connection.query(
                "SELECT error FROM \(schema.quoted).send_errors WHERE send_id = $1", [send.id]
            ).first!.decode("error")
            #expect(kept.utf8.count <= SendOutbox.errorBytes && kept.hasSuffix("(truncated)") && kept.hasPrefix("éé"))
        }
    }

    /// A delivery job may wait behind a rate limit between the lease and the delivery: a contact
    /// suppressed meanwhile is re-checked when the job renews, and its send cancelled, not mailed.
    @Test func aRenewalCancelsTheSendOfAContactSuppressedSinceTheLease() async throws {
        try await Self.seeded(contacts: 1) { connection, schema, outbox in
            let held = try #require(try await Self.lease(outbox, connection, seconds: 60).sends.first)
            try await connection.execute(
                "UPDATE \(schema.quoted).contacts SET campaign_status = 'suppressed', suppression_reason = 'complaint' WHERE id = $1",
                [held.contactID])
            let renewed = try await connection.run {
                try outbox.renew([(held.id, held.leaseToken)], leaseSeconds: 60, on: $0)
            }
            #expect(renewed.isEmpty, "a suppressed contact's send is not held for delivery")
            #expect(try await Self.state(connection, schema, held.id) == "cancelled")
            let reason: String = try await connection.query(
                "SELECT cancel_reason FROM \(schema.quoted).sends WHERE id = $1", [held.id]
            ).first!.decode("cancel_reason")
            #expect(reason == "suppressed")
        }
    }

    /// A consumer that stops (killed, hung) loses nothing: its lease expires and the next lease
    /// takes the send again, counting the lost attempt; the old holder's late word changes nothing.
    @Test func anExpiredLeaseReturnsItsSendAndALateFinishIsLeaseLost() async throws {
        try await Self.seeded(contacts: 1, policy: #"{"default": {"delivery_max_attempts": 3}}"#) {
            connection, schema, outbox in
            let q = schema.quoted
            let held = try #require(try await Self.lease(outbox, connection, seconds: 60).sends.first)
            // Renewing while held extends the lease; the send is not leased again meanwhile.
            try await Self.advance(connection, schema, 50)
            let renewed = try await connection.run {
                try outbox.renew([(held.id, held.leaseToken)], leaseSeconds: 60, on: $0)
            }
            #expect(renewed == [held.id])
            try await Self.advance(connection, schema, 50)
            #expect(try await Self.lease(outbox, connection).sends.isEmpty, "renewed: still held at +100 s")
            try await Self.advance(connection, schema, 11)
            let retaken = try #require(try await Self.lease(outbox, connection).sends.first)
            #expect(retaken.id == held.id && retaken.attempt == 2 && retaken.leaseToken != held.leaseToken)
            let expired: String = try await connection.query(
                "SELECT error FROM \(q).send_errors WHERE send_id = $1 AND attempt = 1", [held.id]
            ).first!.decode("error")
            #expect(expired.hasPrefix("lease expired"))
            // The first holder comes back late: its ack and its renewal are refused, nothing changes.
            #expect(
                try await Self.finish(
                    outbox, connection, [.init(id: held.id, token: held.leaseToken, outcome: .sent(messageID: "late"))])
                    == [held.id: .leaseLost])
            #expect(
                try await connection.run { try outbox.renew([(held.id, held.leaseToken)], leaseSeconds: 60, on: $0) }
                    .isEmpty)
            #expect(try await Self.state(connection, schema, held.id) == "leased")
            // Two more lapses spend its attempts: the lease after the third gives up on it.
            try await Self.advance(connection, schema, 61)
            #expect(try await Self.lease(outbox, connection).sends.first?.attempt == 3)
            try await Self.advance(connection, schema, 61)
            let last = try await Self.lease(outbox, connection)
            #expect(last.sends.isEmpty && last.dead == 1)
            #expect(try await Self.state(connection, schema, held.id) == "dead")
            #expect(
                try await MigratedSchema.count(connection, "SELECT 1 FROM \(q).send_errors WHERE send_id = \(held.id)")
                    == 3)
        }
    }

    /// Contacts changed in plain SQL after their sends were decided: the lease re-checks them
    /// in its statement and cancels what the engine would no longer send (a stream's default
    /// audience is active, reactivated and engaged; a flow's, active and reactivated).
    @Test func ineligibleSendsAreCancelledAtLease() async throws {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            try await connection.run { try DatabaseClock(schema: schema).set(Self.start, on: $0) }
            let q = schema.quoted
            try await connection.simpleQuery(
                """
                INSERT INTO \(q).streams (name, mode, priority, definition, created_at, updated_at)
                    VALUES ('onboarding', 'open', 1, '{}', now(), now());
                INSERT INTO \(q).contacts (external_id, email, segment, campaign_status, channel, status_changed_at, created_at)
                VALUES ('suppressed', 's@x.com', 'retail', 'suppressed', 'email', now(), now()),
                       ('engaged-flow', 'e@x.com', 'retail', 'engaged', 'email', now(), now()),
                       ('engaged-stream', 'es@x.com', 'retail', 'engaged', 'email', now(), now()),
                       ('left-stream', 'l@x.com', 'retail', 'active', 'email', now(), now()),
                       ('reactivated', 'r@x.com', 'retail', 'reactivated', 'email', now(), now()),
                       ('inactive', 'i@x.com', 'retail', 'inactive', 'email', now(), now()),
                       ('on-ads', 'a@x.com', 'retail', 'active', 'ads', now(), now()),
                       ('inactive-flow', 'if@x.com', 'retail', 'inactive', 'email', now(), now()),
                       ('inactive-stream', 'is@x.com', 'retail', 'inactive', 'email', now(), now()),
                       ('active', 'ok@x.com', 'retail', 'active', 'email', now(), now());
                INSERT INTO \(q).stream_memberships (contact_id, stream, mode, entered_at, version)
                    SELECT id, 'onboarding', 'open', now(), 1 FROM \(q).contacts
                    WHERE external_id IN ('engaged-stream', 'inactive-stream');
                INSERT INTO \(q).sends (contact_id, flow, step, template, channel, at, status_at_send, segment_at_send)
                SELECT id,
                       CASE WHEN external_id IN ('engaged-stream', 'left-stream', 'inactive-stream') THEN 'onboarding'
                            WHEN external_id IN ('reactivated', 'inactive') THEN 'reactivation' ELSE 'welcome' END,
                       1, 't', 'email', \(q).clock_now() - interval '1 hour',
                       CASE WHEN external_id IN ('engaged-stream', 'left-stream', 'inactive-stream') THEN 'active' END,
                       CASE WHEN external_id IN ('engaged-stream', 'left-stream', 'inactive-stream') THEN 'retail' END
                FROM \(q).contacts ORDER BY id;
                """)
            let lease = try await Self.lease(SendOutbox(schema: schema), connection)
            #expect(Set(lease.sends.map(\.externalID)) == ["engaged-stream", "inactive", "active"])
            #expect(lease.cancelled == 7 && lease.snoozed == 0)
            let reasons = try await connection.query(
                """
                SELECT c.external_id || '=' || s.state || ':' || coalesce(s.cancel_reason, '-') AS r
                FROM \(q).sends s JOIN \(q).contacts c ON c.id = s.contact_id ORDER BY c.id
                """
            ).rows.map { try $0.decode("r", as: String.self) }
            #expect(
                reasons == [
                    "suppressed=cancelled:suppressed", "engaged-flow=cancelled:engaged", "engaged-stream=leased:-",
                    "left-stream=cancelled:left_stream", "reactivated=cancelled:engaged", "inactive=leased:-",
                    "on-ads=cancelled:moved_to_channel", "inactive-flow=cancelled:inactive",
                    "inactive-stream=cancelled:inactive", "active=leased:-",
                ])
        }
    }

    /// Quiet hours 21:00 to 08:00 in each contact's zone: a send due inside them waits to their
    /// end, computed in that zone on that date, so the end moves with a DST change (New York
    /// springs forward on 2026-03-08 and falls back on 2026-11-01).
    @Test func quietHoursSnoozeToTheirLocalEndAcrossDST() async throws {
        let policy = """
            {"default": {"quiet_hours": {"start": "21:00", "end": "08:00"}},
             "segments": {"b2b": {"default_timezone": "Europe/Paris"}}}
            """
        @Sendable func at(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }
        try await MigratedSchema.with(simulation: true) { connection, schema in
            let q = schema.quoted
            let outbox = SendOutbox(schema: schema)
            _ = try await connection.run { try PolicyStore(schema: schema).save(Data(policy.utf8), on: $0) }
            try await connection.simpleQuery(
                """
                INSERT INTO \(q).contacts (external_id, email, segment, attributes, status_changed_at, created_at)
                VALUES ('ny', 'ny@x.com', 'retail', '{"timezone": "America/New_York"}', now(), now()),
                       ('paris', 'p@x.com', 'b2b', '{}', now(), now()),
                       ('bogus', 'b@x.com', 'retail', '{"timezone": "Mars/Olympus"}', now(), now());
                """)
            func decide(at clock: String) async throws {
                try await connection.run { try DatabaseClock(schema: schema).set(at(clock), on: $0) }
                try await connection.simpleQuery(
                    """
                    INSERT INTO \(q).sends (contact_id, flow, step, template, channel, at)
                    SELECT id, 'welcome', 1, 't', 'email', \(q).clock_now() FROM \(q).contacts ORDER BY id
                    """)
            }
            func notBefore() async throws -> [String: Date] {
                var result: [String: Date] = [:]
                for row in try await connection.query(
                    "SELECT c.external_id, s.not_before FROM \(q).sends s JOIN \(q).contacts c ON c.id = s.contact_id WHERE s.state = 'pending'"
                ).rows {
                    result[try row.decode("external_id")] = try row.decode("not_before")
                }
                return result
            }
            func leaseAt(_ clock: String) async throws -> [String] {
                try await connection.run { try DatabaseClock(schema: schema).set(at(clock), on: $0) }
                // A day-long lease: what this test leased is not taken back within it.
                return try await Self.lease(outbox, connection, seconds: 86_400).sends.map(\.externalID)
            }
            // 06:30Z on the morning New York springs forward: 01:30 EST there, 07:30 CET in
            // Paris, 06:30 in UTC (the unknown zone's fallback): all quiet.
            try await decide(at: "2026-03-08T06:30:00Z")
            let snoozed = try await Self.lease(outbox, connection)
            #expect(snoozed.sends.isEmpty && snoozed.snoozed == 3)
            #expect(
                try await notBefore() == [
                    "ny": at("2026-03-08T12:00:00Z"), // 08:00 EDT, not 13:00Z as EST would give
                    "paris": at("2026-03-08T07:00:00Z"), "bogus": at("2026-03-08T08:00:00Z"),
                ])
            #expect(
                try await MigratedSchema.count(
                    connection, "SELECT 1 FROM \(q).sends WHERE attempts = 0 AND state = 'pending'")
                    == 3, "no attempt used")
            #expect(try await leaseAt("2026-03-08T07:00:00Z") == ["paris"])
            #expect(try await leaseAt("2026-03-08T11:59:59Z") == ["bogus"])
            #expect(try await leaseAt("2026-03-08T12:00:00Z") == ["ny"])
            // 02:00Z on 1 November: 22:00 EDT on 31 October in New York; the quiet hours end at
            // 08:00 EST the next morning, after the clocks fell back: 13:00Z.
            try await connection.simpleQuery("DELETE FROM \(q).sends")
            try await decide(at: "2026-11-01T02:00:00Z")
            _ = try await Self.lease(outbox, connection)
            #expect(try await notBefore()["ny"] == at("2026-11-01T13:00:00Z"))
            #expect(try await leaseAt("2026-11-01T12:59:00Z").contains("ny") == false)
            #expect(try await leaseAt("2026-11-01T13:00:00Z").contains("ny"))
        }
    }

    /// Four consumers leasing at once in small batches: every send is handed to exactly one.
    @Test func concurrentLeasesNeverShareASend() async throws {
        try await Self.seeded(contacts: 400) { connection, schema, outbox in
            let ids = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        let own = try await TestDatabase.connect()
                        var taken: [Int64] = []
                        while true {
                            let batch = try await own.run { try outbox.lease(limit: 25, leaseSeconds: 60, on: $0) }
                            if batch.sends.isEmpty { break }
                            taken += batch.sends.map(\.id)
                        }
                        await own.run { $0.close() }
                        return taken
                    }
                }
                var all: [Int64] = []
                for try await taken in group { all += taken }
                return all
            }
            #expect(ids.count == 400 && Set(ids).count == 400, "each send leased once")
            #expect(
                try await MigratedSchema.count(
                    connection, "SELECT 1 FROM \(schema.quoted).sends WHERE state = 'leased' AND attempts = 1") == 400)
        }
    }

    struct Abandon: Error {}

    /// A finish inside the caller's transaction (a delivery job's) joins it: rolled back with
    /// it, committed with it; on its own it opens one (its lock and writes stay atomic).
    @Test func finishJoinsTheCallersTransaction() async throws {
        try await Self.seeded(contacts: 1) { connection, schema, outbox in
            let send = try #require(try await Self.lease(outbox, connection).sends.first)
            let result = SendResult(id: send.id, token: send.leaseToken, outcome: .sent(messageID: "<1@x>"))
            await #expect(throws: Abandon.self) {
                try await connection.withTransaction { connection in
                    #expect(try outbox.finish([result], on: connection) == [send.id: .sent])
                    throw Abandon()
                }
            }
            #expect(try await Self.state(connection, schema, send.id) == "leased", "rolled back with the caller's")
            let outcome = try await connection.withTransaction { try outbox.finish([result], on: $0) }
            #expect(outcome == [send.id: .sent])
            #expect(try await Self.state(connection, schema, send.id) == "sent")
        }
    }

    @Test func boundsAreRefusedByTheLibraryToo() async throws {
        try await Self.seeded(contacts: 1) { connection, _, outbox in
            for (limit, seconds) in [(0, 60), (10_001, 60), (10, 0), (10, 86_401)] {
                await #expect(throws: BoundError.self) {
                    _ = try await connection.run { try outbox.lease(limit: limit, leaseSeconds: seconds, on: $0) }
                }
            }
        }
    }
}
