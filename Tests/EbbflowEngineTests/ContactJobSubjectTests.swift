// Every job the engine makes about one contact carries the queue subject it is cancelled by.
import EbbflowCore
import EbbflowEngine
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

extension SendFlowTests {
    /// Enrolment, each next step, the end-of-flow wait and the reactivation step it schedules:
    /// a job without its subject would escape `ContactJobs.cancel` when its contact engages.
    @Test func everyPerContactJobCarriesItsContactAsSubject() async throws {
        try await withContacts(["one", "two"]) { connection, schema, day in
            _ = try await connection.withTransaction {
                try FlowStore(schema: schema).start(
                    FlowDefinition(name: "welcome", segment: "retail", template: "welcome_1"), on: $0)
            }
            var kinds: Set<String> = []
            for step in [0.0, 3, 6, 8, 9] {
                try await day(step)
                let rows = try await connection.query(
                    """
                    SELECT kind, subject, 'contact:' || (args->>'contact_id') AS expected FROM \(schema.qualified("jobs"))
                    WHERE args ? 'contact_id'
                    """
                ).rows
                for row in rows {
                    let kind: String = try row.decode("kind")
                    kinds.insert(kind)
                    #expect(
                        try row.decode("subject", as: String?.self) == (try row.decode("expected", as: String.self)),
                        "\(kind) on day \(step)")
                }
            }
            #expect(kinds == ["flow_step", "flow_wait_end", "reactivation_step"], "all three kinds were seen pending")
        }
    }
}

extension ReactivationCycleTests {
    /// The sweep's cooldown job and the step the first email schedules carry their contact, and
    /// a click (reactivated) cancels the pending step by it in the event's transaction. Why a
    /// test of its own: the step re-checks the status when it runs, so "email 2 is never sent"
    /// holds even when the cancellation finds nothing.
    @Test func cycleStepsCarryTheirContactAndAreCancelledByIt() async throws {
        try await withInactiveContact { connection, schema, day in
            let pending = """
                SELECT count(*) FILTER (WHERE subject = 'contact:' || (args->>'contact_id')) AS labelled, count(*) AS n
                FROM \(schema.qualified("jobs")) WHERE kind = 'reactivation_step'
                """
            let cooldown = try await connection.query(pending).first!
            #expect(
                try cooldown.decode("n", as: Int.self) == 1 && cooldown.decode("labelled", as: Int.self) == 1,
                "the sweep's cooldown job")
            try await day(121)
            let second = try await connection.query(pending).first!
            #expect(
                try second.decode("n", as: Int.self) == 1 && second.decode("labelled", as: Int.self) == 1,
                "the step after email 1")
            try await connection.withTransaction { connection in
                let (store, applier) = (EventStore(schema: schema), EventApplier(schema: schema))
                let now = try store.now(on: connection)
                guard
                    case .stored(let id) = try store.record(
                        IncomingEvent(externalID: "quiet", kind: "click", providerEventID: "k1"), now: now,
                        on: connection)
                else { Issue.record("the click was not stored"); return }
                _ = try applier.apply(eventID: id, policies: PolicyDocument(), now: now, on: connection)
            }
            #expect(
                try await MigratedSchema.count(
                    connection, "SELECT 1 FROM \(schema.quoted).jobs WHERE kind = 'reactivation_step'") == 0)
            let why: String = try await connection.query(
                """
                SELECT errors->-1->>'message' AS m FROM \(schema.quoted).finished_jobs WHERE state = 'cancelled' AND kind = 'reactivation_step'
                """
            ).first!.decode("m")
            #expect(why == "contact reactivated: its reactivation cycle ends")
        }
    }
}

extension ReactivationLauncherTests {
    /// Launched steps carry their contact, and that is what keeps a contact in a cycle out of
    /// the next launch: a dry run finds no one (the unique key alone would hide a second
    /// insert, not a second count).
    @Test func launchedStepsCarryTheirContactAndKeepItOutOfTheNextLaunch() async throws {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            let start = Date(timeIntervalSince1970: 1_800_000_000)
            try await connection.run { connection in
                try DatabaseClock(schema: schema).set(start, on: connection)
                for index in 0..<2 {
                    try EventStore(schema: schema).upsertContact(
                        externalID: "old-\(index)", email: nil, segment: "retail", now: start, on: connection)
                }
            }
            try await connection.execute(
                "UPDATE \(schema.quoted).contacts SET campaign_status = 'inactive', status_changed_at = $1",
                [start.addingTimeInterval(-70 * 86_400)])
            let launcher = ReactivationLauncher(schema: schema)
            #expect(
                try await connection.withTransaction {
                    try launcher.start(segment: "retail", inactiveFor: 60 * 86_400, dryRun: false, on: $0)
                }
                .contacts == 2)
            #expect(
                try await MigratedSchema.count(
                    connection,
                    """
                    SELECT 1 FROM \(schema.quoted).jobs WHERE kind = 'reactivation_step' AND subject = 'contact:' || (args->>'contact_id')
                    """) == 2)
            let dry = try await connection.withTransaction {
                try launcher.start(segment: "retail", inactiveFor: 60 * 86_400, dryRun: true, on: $0)
            }
            #expect(dry.contacts == 0 && dry.sample.isEmpty)
        }
    }
}

extension StreamStepTests {
    /// A stream's first step (enqueued set-based by the event that placed the contact) and the
    /// steps after it carry their contact, so leaving the stream cancels them by it.
    @Test func streamStepsCarryTheirContactFromTheFirst() async throws {
        try await scenario { connection, schema, event, day in
            let labelled = """
                SELECT count(*) FILTER (WHERE subject = 'contact:' || (args->>'contact_id')) AS labelled, count(*) AS n
                FROM \(schema.qualified("jobs")) WHERE kind = 'stream_step'
                """
            try await event("cam", "signup")
            let first = try await connection.query(labelled).first!
            #expect(
                try first.decode("n", as: Int.self) == 1 && first.decode("labelled", as: Int.self) == 1,
                "the first step")
            try await day(0)
            let next = try await connection.query(labelled).first!
            #expect(
                try next.decode("n", as: Int.self) == 1 && next.decode("labelled", as: Int.self) == 1,
                "the step after the first send")
        }
    }
}
