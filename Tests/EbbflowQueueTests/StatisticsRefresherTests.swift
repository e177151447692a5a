// Tables that outgrow their planner statistics are analyzed by the maintenance service, once per growth.
import EbbflowCore
import EbbflowTestSupport
import Foundation
import Logging
import PostgresClient
import Synchronization
import Testing

@testable import EbbflowQueue

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
                "SELECT reltuples::float8 AS n FROM pg_class WHERE oid = '\(schema.qualified("jobs"))'::regclass"
            ).first!.decode("n")
            #expect(before <= 0, "no statistics yet: \(before)")
            #expect(try await connection.run { try refresher.run(on: $0) } >= 1)
            let after: Double = try await connection.query(
                "SELECT reltuples::float8 AS n FROM pg_class WHERE oid = '\(schema.qualified("jobs"))'::regclass"
            ).first!.decode("n")
            #expect(after > 25_000, "analyzed: \(after)")
            #expect(try await connection.run { try refresher.run(on: $0) } == 0, "statistics now match the table")
        }
    }

    /// The function runs as its owner (SECURITY DEFINER, sql/queue/0008); a role that may not
    /// call it gets nothing analyzed and one warning naming why, not an error every two seconds.
    @Test func aRoleThatMayNotCallTheFunctionIsToldOnce() async throws {
        try await MigratedSchema.with { connection, schema in
            let store = JobStore(schema: schema)
            try await connection.withTransaction {
                try store.copyIn((0..<30_000).map { NewJob(kind: "noop", args: PGJSON("{\"n\": \($0)}")) }, on: $0)
            }
            let role = "ebbflow_stats_probe"
            try await connection.simpleQuery(
                """
                DO $$ BEGIN
                    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '\(role)') THEN CREATE ROLE \(role) NOLOGIN; END IF;
                END $$;
                GRANT USAGE ON SCHEMA \(schema.quoted) TO \(role);
                GRANT SELECT ON ALL TABLES IN SCHEMA \(schema.quoted) TO \(role);
                """)
            let log = CapturedLog()
            let refresher = StatisticsRefresher(store: store, logger: log.logger)
            let asProbe = try await TestDatabase.connect()
            try await asProbe.simpleQuery("SET ROLE \(role)")
            #expect(try await asProbe.run { try refresher.run(on: $0) } == 0, "nothing analyzed")
            #expect(try await asProbe.run { try refresher.run(on: $0) } == 0, "nothing analyzed, again")
            await asProbe.close()
            let warnings = log.lines.filter { $0.hasPrefix("warning ") }
            #expect(warnings.count == 1, "once: \(log.lines)")
            #expect(
                warnings.first?.contains("this role may not call refresh_outgrown_statistics") == true, "\(warnings)")
            try await connection.simpleQuery(
                "REVOKE ALL ON ALL TABLES IN SCHEMA \(schema.quoted) FROM \(role); REVOKE USAGE ON SCHEMA \(schema.quoted) FROM \(role)"
            )
            #expect(try await connection.run { try refresher.run(on: $0) } >= 1, "the owner analyzes")
        }
    }

    /// The function's owner may not analyze the tables (it owns neither them nor the
    /// database): PostgreSQL skips ANALYZE with no error. The refresher counts nothing and says
    /// once, at warning level, why, naming that owner.
    @Test func anOwnerThatMayNotAnalyzeIsNamedOnce() async throws {
        try await MigratedSchema.with { connection, schema in
            let store = JobStore(schema: schema)
            try await connection.withTransaction {
                try store.copyIn((0..<30_000).map { NewJob(kind: "noop", args: PGJSON("{\"n\": \($0)}")) }, on: $0)
            }
            let role = "ebbflow_stats_weak_owner"
            let function = "\(schema.qualified("refresh_outgrown_statistics"))(bigint, float8)"
            try await connection.simpleQuery(
                """
                DO $$ BEGIN
                    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '\(role)') THEN CREATE ROLE \(role) NOLOGIN; END IF;
                END $$;
                GRANT USAGE ON SCHEMA \(schema.quoted) TO \(role);
                ALTER FUNCTION \(function) OWNER TO \(role);
                """)
            let log = CapturedLog()
            let refresher = StatisticsRefresher(store: store, logger: log.logger)
            #expect(try await connection.run { try refresher.run(on: $0) } == 0, "PostgreSQL skipped the ANALYZE")
            #expect(try await connection.run { try refresher.run(on: $0) } == 0)
            let warnings = log.lines.filter { $0.hasPrefix("warning ") }
            #expect(warnings.count == 1, "once: \(log.lines)")
            #expect(
                warnings.first?.contains(
                    "PostgreSQL skipped ANALYZE of jobs because refresh_outgrown_statistics runs as its owner, \(role), who may not analyze them"
                ) == true, "\(warnings)")
            let tuples: Double = try await connection.query(
                "SELECT reltuples::float8 AS n FROM pg_class WHERE oid = '\(schema.qualified("jobs"))'::regclass"
            ).first!.decode("n")
            #expect(tuples <= 0, "the statistics did not change: \(tuples)")
            try await connection.simpleQuery(
                "ALTER FUNCTION \(function) OWNER TO CURRENT_USER; REVOKE USAGE ON SCHEMA \(schema.quoted) FROM \(role)"
            )
        }
    }

    /// The database's owner may analyze every table in it on PostgreSQL 15 and 16 (and a role
    /// with MAINTAIN or pg_maintain on 17), owner of the tables or not; a pre-check of table
    /// ownership once skipped them all. A function owned by the database's owner still
    /// analyzes: PostgreSQL decides, and the refresher counts what it really analyzed.
    @Test func theDatabaseOwnerAnalyzesTablesItDoesNotOwn() async throws {
        let admin = try await TestDatabase.connect()
        let role = "ebbflow_stats_dbowner"
        let database = "ebbflow_stats_\(TestDatabase.uniqueSchemaName("db"))"
        try await admin.simpleQuery(
            """
            DO $$ BEGIN
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '\(role)') THEN CREATE ROLE \(role) NOLOGIN; END IF;
            END $$
            """)
        try await admin.simpleQuery("CREATE DATABASE \(database) OWNER \(role)")
        do {
            let url = try #require(TestURL(try TestDatabase.url)).with(database: database).description
            let connection = try await TestDatabase.connect(url: url)
            let schema = try SchemaName("q_stats")
            _ = try await Migrator(schema: schema).migrate(on: connection)
            let store = JobStore(schema: schema)
            try await connection.withTransaction {
                try store.copyIn((0..<30_000).map { NewJob(kind: "noop", args: PGJSON("{\"n\": \($0)}")) }, on: $0)
            }
            try await connection.simpleQuery(
                """
                GRANT USAGE ON SCHEMA \(schema.quoted) TO \(role);
                ALTER FUNCTION \(schema.qualified("refresh_outgrown_statistics"))(bigint, float8) OWNER TO \(role);
                SET ROLE \(role)
                """)
            let refresher = StatisticsRefresher(store: store, logger: InProcess.logger)
            #expect(try await connection.run { try refresher.run(on: $0) } >= 1, "the database owner analyzes")
            let tuples: Double = try await connection.query(
                "SELECT reltuples::float8 AS n FROM pg_class WHERE oid = '\(schema.qualified("jobs"))'::regclass"
            ).first!.decode("n")
            #expect(tuples > 25_000, "analyzed: \(tuples)")
            await connection.close()
        } catch {
            try? await admin.simpleQuery("DROP DATABASE IF EXISTS \(database) WITH (FORCE)")
            throw error
        }
        try await admin.simpleQuery("DROP DATABASE IF EXISTS \(database) WITH (FORCE)")
        await admin.close()
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
            try await other.execute(
                "SELECT pg_advisory_xact_lock(hashtext('ebbflow.statistics'), hashtext($1))", [schema.name])
            let refresher = StatisticsRefresher(store: store, logger: InProcess.logger)
            #expect(try await connection.run { try refresher.run(on: $0) } == 0)
            try await other.simpleQuery("COMMIT")
            #expect(try await connection.run { try refresher.run(on: $0) } >= 1)
        }
    }
}

/// Log lines ("LEVEL message") kept in memory, to check what a service said and how often.
final class CapturedLog: Sendable {
    private let stored = Mutex<[String]>([])

    var lines: [String] { stored.withLock { $0 } }

    var logger: Logger {
        var logger = Logger(label: "captured") { _ in Handler(log: self) }
        logger.logLevel = .debug
        return logger
    }

    struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            log.stored.withLock { $0.append("\(event.level) \(event.message)") }
        }
    }
}
