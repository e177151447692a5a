// Tables that outgrow their planner statistics are analyzed by the maintenance service, once per growth.
import EbbflowCore
@testable import EbbflowQueue
import EbbflowTestSupport
import Foundation
import Logging
import PostgresClient
import Testing

@Suite struct StatisticsRefresherTests {
    @Test func outgrownTableIsAnalyzedOnceThenLeftAlone() async throws {
        try await MigratedSchema.with { connection, schema in
            let store = JobStore(schema: schema)
            let refresher = StatisticsRefresher(store: store, logger: InProcess.logger)
            #expect(try await connection.run { try refresher.run(on: $0) } == 0, "small tables are left to autovacuum")
            try await connection.withTransaction {
                try store.copyIn((0..<30_000).map { NewJob(kind: "noop", args: PGJSON("{\"n\": \($0)}")) }, on: $0)
            }
            let before: Double = try await connection.query(
                "SELECT reltuples::float8 AS n FROM pg_class WHERE oid = '\(schema.qualified("jobs"))'::regclass").first!.decode("n")
            #expect(before <= 0, "no statistics yet: \(before)")
            #expect(try await connection.run { try refresher.run(on: $0) } >= 1)
            let after: Double = try await connection.query(
                "SELECT reltuples::float8 AS n FROM pg_class WHERE oid = '\(schema.qualified("jobs"))'::regclass").first!.decode("n")
            #expect(after > 25_000, "analyzed: \(after)")
            #expect(try await connection.run { try refresher.run(on: $0) } == 0, "statistics now match the table")
        }
    }

    /// Another worker holds the refresh: this one skips rather than analyzing twice.
    @Test func oneWorkerAtATime() async throws {
        try await MigratedSchema.with { connection, schema in
            let store = JobStore(schema: schema)
            try await connection.withTransaction {
                try store.copyIn((0..<30_000).map { NewJob(kind: "noop", args: PGJSON("{\"n\": \($0)}")) }, on: $0)
            }
            let other = try await TestDatabase.connect()
            try await other.simpleQuery("BEGIN")
            try await other.execute("SELECT pg_advisory_xact_lock(hashtext('ebbflow.statistics'), hashtext($1))", [schema.name])
            let refresher = StatisticsRefresher(store: store, logger: InProcess.logger)
            #expect(try await connection.run { try refresher.run(on: $0) } == 0)
            try await other.simpleQuery("COMMIT")
            #expect(try await connection.run { try refresher.run(on: $0) } >= 1)
        }
    }
}
