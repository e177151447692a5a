// Migrations apply in order, once, record checksums, refuse edited files, and keep the mode.
import EbbflowCore
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct MigratorTests {
    static let first = try! MigrationFile(line: .core, fileName: "0001_first.sql", sql: "CREATE TABLE a (id int);")
    static let second = try! MigrationFile(
        line: .core, fileName: "0002_second.sql", sql: "CREATE TABLE b (id int); INSERT INTO b VALUES (1);")

    func withMigratedSchema<T: Sendable>(_ body: (PGConnection, SchemaName) async throws -> T) async throws -> T {
        let schema = try SchemaName(TestDatabase.uniqueSchemaName("m"))
        let connection = try await TestDatabase.connect()
        return try await TestDatabase.dropping(schema.name) { try await body(connection, schema) }
    }

    @Test func appliesInOrderOnceAndRecords() async throws {
        try await withMigratedSchema { connection, schema in
            let migrator = try Migrator(schema: schema, files: [Self.second, Self.first])
            let report = try await migrator.migrate(on: connection)
            #expect(report.applied == ["core/0001_first.sql", "core/0002_second.sql"])
            let again = try await migrator.migrate(on: connection)
            #expect(again.applied.isEmpty)
            let rows = try await connection.query("SELECT count(*) AS n FROM \(schema.quoted).b").first!.decode(
                "n", as: Int.self)
            #expect(rows == 1, "the second file ran exactly once")
            let status = try await migrator.status(on: connection)
            #expect(status.map(\.state) == [.applied, .applied])
        }
    }

    @Test func pendingFilesAreListed() async throws {
        try await withMigratedSchema { connection, schema in
            let before = try await Migrator(schema: schema, files: [Self.first, Self.second]).status(on: connection)
            #expect(before.map(\.state) == [.pending, .pending])
            _ = try await Migrator(schema: schema, files: [Self.first]).migrate(on: connection)
            let after = try await Migrator(schema: schema, files: [Self.first, Self.second]).status(on: connection)
            #expect(after.map(\.state) == [.applied, .pending])
        }
    }

    @Test func changedFileIsRefusedByName() async throws {
        try await withMigratedSchema { connection, schema in
            _ = try await Migrator(schema: schema, files: [Self.first]).migrate(on: connection)
            let tampered = try MigrationFile(
                line: .core, fileName: "0001_first.sql", sql: "CREATE TABLE a (id int, sneaky text);")
            let migrator = try Migrator(schema: schema, files: [tampered, Self.second])
            await #expect {
                _ = try await migrator.migrate(on: connection)
            } throws: { "\($0)".contains("core/0001_first.sql") && "\($0)".contains("changed after it was applied") }
            let status = try await migrator.status(on: connection)
            #expect(status.map(\.state) == [.changed, .pending])
            let second = try await connection.query("SELECT to_regclass($1) IS NULL AS absent", ["\(schema.name).b"])
                .first!
            #expect(try second.decode("absent", as: Bool.self), "nothing after the refusal was applied")
        }
    }

    @Test func failingFileRollsBackWholly() async throws {
        try await withMigratedSchema { connection, schema in
            let broken = try MigrationFile(
                line: .core, fileName: "0002_broken.sql", sql: "CREATE TABLE c (id int); SELECT * FROM no_such_table;")
            await #expect {
                _ = try await Migrator(schema: schema, files: [Self.first, broken]).migrate(on: connection)
            } throws: { "\($0)".contains("core/0002_broken.sql") && ($0 as? PGError)?.sqlState == "42P01" }
            let status = try await Migrator(schema: schema, files: [Self.first, broken]).status(on: connection)
            #expect(status.map(\.state) == [.applied, .pending])
            let c = try await connection.query("SELECT to_regclass($1) IS NULL AS absent", ["\(schema.name).c"]).first!
            #expect(try c.decode("absent", as: Bool.self))
        }
    }

    @Test func concurrentMigratorsApplyEachFileOnce() async throws {
        try await withMigratedSchema { _, schema in
            let migrator = try Migrator(schema: schema, files: [Self.first, Self.second])
            let applied = try await withThrowingTaskGroup(of: [String].self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        let connection = try await TestDatabase.connect()
                        return try await migrator.migrate(on: connection).applied
                    }
                }
                var all: [String] = []
                for try await names in group { all += names }
                return all
            }
            #expect(applied.sorted() == ["core/0001_first.sql", "core/0002_second.sql"])
        }
    }

    /// Each line's files apply after the lines it stands on, whatever order they are given in,
    /// and every line numbers from 0001 on its own.
    @Test func linesApplyInDependencyOrder() async throws {
        try await withMigratedSchema { connection, schema in
            let engine = try MigrationFile(
                line: .engine, fileName: "0001_uses_queue.sql", sql: "INSERT INTO q VALUES (2);")
            let queue = try MigrationFile(
                line: .queue, fileName: "0001_queue.sql", sql: "CREATE TABLE q (n int REFERENCES c);")
            let core = try MigrationFile(
                line: .core, fileName: "0001_core.sql",
                sql: "CREATE TABLE c (n int PRIMARY KEY); INSERT INTO c VALUES (2);")
            let migrator = try Migrator(schema: schema, files: [engine, queue, core])
            #expect(
                try await migrator.migrate(on: connection).applied == [
                    "core/0001_core.sql", "queue/0001_queue.sql", "engine/0001_uses_queue.sql",
                ])
            let status = try await migrator.status(on: connection)
            #expect(status.map(\.path) == ["core/0001_core.sql", "queue/0001_queue.sql", "engine/0001_uses_queue.sql"])
            #expect(status.map(\.state) == [.applied, .applied, .applied])
            let rows = try await connection.query(
                "SELECT line, version FROM \(schema.quoted).schema_migrations ORDER BY line"
            ).rows
            #expect(
                try rows.map { "\(try $0.decode("line", as: String.self))/\(try $0.decode("version", as: Int.self))" }
                    == ["core/1", "engine/1", "queue/1"])
        }
    }

    @Test func embeddedFilesAreTheRepositoryFiles() throws {
        let embedded = try MigrationFile.embedded()
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("sql")
        var paths: [String] = []
        for line in MigrationLine.allCases {
            let names = try FileManager.default.contentsOfDirectory(
                atPath: directory.appendingPathComponent(line.rawValue).path)
            paths += names.filter { $0.hasSuffix(".sql") }.sorted().map { "\(line.rawValue)/\($0)" }
        }
        let folders = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { !$0.hasPrefix(".") }
            .sorted()
        #expect(
            folders == MigrationLine.allCases.map(\.rawValue).sorted(),
            "every folder of sql/ is a known line, and no file sits outside one")
        #expect(embedded.map(\.path) == paths)
        for file in embedded {
            #expect(try String(contentsOf: directory.appendingPathComponent(file.path), encoding: .utf8) == file.sql)
        }
    }

    @Test func badFileNamesAreRefused() throws {
        #expect(throws: PGError.self) { try MigrationFile(line: .core, fileName: "first.sql", sql: "") }
        #expect(throws: PGError.self) { try MigrationFile(line: .core, fileName: "0001.sql", sql: "") }
        #expect(throws: PGError.self) { try MigrationFile(line: .core, fileName: "0001_x.txt", sql: "") }
        #expect(throws: PGError.self) { try MigrationFile(path: "0001_x.sql", sql: "") }
        #expect(throws: PGError.self) { try MigrationFile(path: "web/0001_x.sql", sql: "") }
        #expect(try MigrationFile(path: "queue/0001_x.sql", sql: "").line == .queue)
        #expect(throws: PGError.self) {
            try MigrationFile.validated([
                MigrationFile(line: .core, fileName: "0001_a.sql", sql: ""),
                MigrationFile(line: .core, fileName: "0001_b.sql", sql: ""),
            ])
        }
        #expect(throws: Never.self) {
            try MigrationFile.validated([
                MigrationFile(line: .core, fileName: "0001_a.sql", sql: ""),
                MigrationFile(line: .queue, fileName: "0001_b.sql", sql: ""),
            ])
        }
    }
}
