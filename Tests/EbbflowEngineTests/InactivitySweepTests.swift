// The inactivity sweep: day 90 yes, day 89 no, in batches, with transitions, as a resumable job.
import EbbflowCore
import EbbflowEngine
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@testable import EbbflowQueue

@Suite struct InactivitySweepTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func ninetyDaysOfSilenceNotEightyNine() async throws {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            let store = EventStore(schema: schema)
            try await connection.run { [start] connection in
                try DatabaseClock(schema: schema).set(start, on: connection)
                for index in 0..<5 {
                    try store.upsertContact(
                        externalID: "c-\(index)", email: nil, segment: "retail", now: start, on: connection)
                }
            }
            // c-4 engaged 10 days in; the others never engaged (their clock runs from status_changed_at).
            try await connection.execute(
                "UPDATE \(schema.quoted).contacts SET last_engagement_at = $1, engagement_score = 5 WHERE external_id = 'c-4'",
                [start.addingTimeInterval(10 * 86_400)])
            try await connection.execute(
                "UPDATE \(schema.quoted).contacts SET campaign_status = 'suppressed' WHERE external_id = 'c-3'")
            let sweep = InactivitySweep(schema: schema, batchSize: 2)
            func sweepAll(at now: Date) async throws -> Int {
                try await connection.run { try sweep.runAll(now: now, policies: PolicyDocument(), on: $0).changed }
            }
            #expect(try await sweepAll(at: start.addingTimeInterval(89 * 86_400)) == 0, "day 89: nobody")
            #expect(
                try await sweepAll(at: start.addingTimeInterval(90 * 86_400)) == 3,
                "day 90: c-0, c-1, c-2 (c-3 suppressed, c-4 engaged later)")
            #expect(
                try await sweepAll(at: start.addingTimeInterval(100 * 86_400)) == 1,
                "c-4: 90 days after its engagement on day 10")
            let reasons = try await connection.query("SELECT DISTINCT reason FROM \(schema.quoted).transitions").rows
                .map { try $0.decode("reason", as: String.self) }
            #expect(reasons == ["silence"])
            #expect(
                try await MigratedSchema.count(
                    connection, "SELECT 1 FROM \(schema.quoted).contacts WHERE campaign_status = 'inactive'") == 4)
        }
    }

    @Test func sweepRunsAsChainedJobsFromTheInstalledSchedule() async throws {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            let store = EventStore(schema: schema)
            try await connection.run { [start] connection in
                try DatabaseClock(schema: schema).set(start, on: connection)
                for index in 0..<25 {
                    try store.upsertContact(
                        externalID: "c-\(index)", email: nil, segment: "retail", now: start, on: connection)
                }
            }
            let schedule = try await connection.query(
                "SELECT kind, queue FROM \(schema.quoted).schedules WHERE name = 'inactivity_sweep'"
            ).first
            #expect(try schedule?.decode("kind", as: String.self) == "sweep_inactivity", "installed by migrate")
            try await connection.execute(
                "UPDATE \(schema.quoted).schedules SET args = '{\"cursor\": 0, \"batchSize\": 10}'")
            try await InProcessDrain.advance(connection, schema, days: 91)
            var registry = JobRegistry.builtins()
            registry.registerEngine(schema: schema)
            let worker = QueueWorker(
                database: try TestDatabase.configuration, schema: schema, registry: registry,
                configuration: WorkerConfiguration(queues: ["default", "sweeps"], listen: false, drain: true),
                logger: QuietLogger.logger)
            try await worker.run()
            #expect(
                try await MigratedSchema.count(
                    connection, "SELECT 1 FROM \(schema.quoted).contacts WHERE campaign_status = 'inactive'") == 25)
            #expect(
                try await MigratedSchema.count(
                    connection, "SELECT 1 FROM \(schema.quoted).finished_jobs WHERE kind = 'sweep_inactivity'") == 3,
                "25 contacts in batches of 10: three chained jobs")
        }
    }
}

enum InProcessDrain {
    static func advance(_ connection: PGConnection, _ schema: SchemaName, days: Double) async throws {
        try await connection.run { try DatabaseClock(schema: schema).advance(by: days * 86_400, on: $0) }
    }
}
