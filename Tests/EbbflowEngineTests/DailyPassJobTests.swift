// The one daily-pass job runs the stored daily schedules' jobs, and EngineJobs registers every installed kind.
import EbbflowCore
import EbbflowEngine
import EbbflowQueue
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct DailyPassJobTests {
    /// Jobs made from the installed schedules' stored kind, args and queue (as a database
    /// migrated before `DailyPassJob` holds them) run to completion through the generic job.
    @Test func storedDailySchedulesRunThroughTheGenericJob() async throws {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            let start = Date(timeIntervalSince1970: 1_800_000_000)
            try await connection.run { connection in
                try DatabaseClock(schema: schema).set(start, on: connection)
                try EventStore(schema: schema).upsertContact(
                    externalID: "c", email: nil, segment: "retail", now: start, on: connection)
            }
            let names = ["audience_snapshot", "stream_date_entries", "experiments_promote"]
            let stored = try await connection.query(
                "SELECT kind, args::text AS args, queue FROM \(schema.quoted).schedules WHERE name = ANY($1) ORDER BY name",
                [names]
            ).rows
            #expect(stored.count == 3)
            #expect(
                Set(try stored.map { try $0.decode("kind", as: String.self) })
                    == [AudienceSnapshotJob.kind, StreamDateEntriesJob.kind, ExperimentPromotionJob.kind])
            // The schedules themselves off: installed by the real clock, they would tick at once too.
            try await connection.execute("UPDATE \(schema.quoted).schedules SET enabled = false")
            try await connection.run { connection in
                for row in stored {
                    _ = try JobStore(schema: schema).enqueue(
                        NewJob(
                            kind: try row.decode("kind"), args: PGJSON(try row.decode("args", as: String.self)),
                            queue: try row.decode("queue")), on: connection)
                }
            }
            var registry = JobRegistry.builtins()
            registry.registerEngine(schema: schema)
            let worker = QueueWorker(
                database: try TestDatabase.configuration, schema: schema, registry: registry,
                configuration: WorkerConfiguration(queues: ["default", "sweeps"], listen: false, drain: true),
                logger: QuietLogger.logger)
            try await worker.run()
            #expect(
                try await MigratedSchema.count(
                    connection,
                    "SELECT 1 FROM \(schema.quoted).finished_jobs WHERE state = 'completed' AND kind = ANY('{\(names.joined(separator: ","))}')"
                ) == 3)
            #expect(
                try await MigratedSchema.count(connection, "SELECT 1 FROM \(schema.quoted).audience_snapshots") == 1,
                "the snapshot was taken")
            #expect(
                try await MigratedSchema.count(connection, "SELECT 1 FROM \(schema.quoted).jobs") == 0,
                "none left pending or retrying")
        }
    }

    /// Every kind an installed schedule enqueues has a handler once the engine is registered:
    /// a kind missing from EngineJobs.swift would leave its jobs unclaimed for good.
    @Test func engineJobsRegisterEveryScheduledKind() async throws {
        try await MigratedSchema.with { connection, schema in
            var registry = JobRegistry.builtins()
            registry.registerEngine(schema: schema)
            let kinds = Set(
                try await connection.query("SELECT DISTINCT kind FROM \(schema.quoted).schedules").rows.map {
                    try $0.decode("kind", as: String.self)
                })
            #expect(!kinds.isEmpty)
            #expect(kinds.subtracting(registry.kinds).isEmpty, "unregistered: \(kinds.subtracting(registry.kinds))")
        }
    }
}
