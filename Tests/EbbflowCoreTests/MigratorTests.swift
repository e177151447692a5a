// Migrations apply in order, once, record checksums, refuse edited files, and keep the mode.
import EbbflowCore
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct MigratorTests {
    static let first = try! MigrationFile(fileName: "0001_first.sql", sql: "CREATE TABLE a (id int);")
    static let second = try! MigrationFile(fileName: "0002_second.sql", sql: "CREATE TABLE b (id int); INSERT INTO b VALUES (1);")

    func withMigratedSchema<T: Sendable>(_ body: (PGConnection, SchemaName) async throws -> T) async throws -> T {
        let schema = try SchemaName(TestDatabase.uniqueSchemaName("m"))
        let connection = try await TestDatabase.connect()
        return try await TestDatabase.dropping(schema.name) { try await body(connection, schema) }
    }

    @Test func appliesInOrderOnceAndRecords() async throws {
        try await withMigratedSchema { connection, schema in
            let migrator = try Migrator(schema: schema, files: [Self.second, Self.first])
            let report = try await migrator.migrate(on: connection)
            #expect(report.applied == ["0001_first.sql", "0002_second.sql"])
            let again = try await migrator.migrate(on: connection)
            #expect(again.applied.isEmpty)
            let rows = try await connection.query("SELECT count(*) AS n FROM \(schema.quoted).b").first!.decode("n", as: Int.self)
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
            let tampered = try MigrationFile(fileName: "0001_first.sql", sql: "CREATE TABLE a (id int, sneaky text);")
            let migrator = try Migrator(schema: schema, files: [tampered, Self.second])
            await #expect {
                _ = try await migrator.migrate(on: connection)
            } throws: { "\($0)".contains("0001_first.sql") && "\($0)".contains("changed after it was applied") }
            let status = try await migrator.status(on: connection)
            #expect(status.map(\.state) == [.changed, .pending])
            let second = try await connection.query("SELECT to_regclass($1) IS NULL AS absent", ["\(schema.name).b"]).first!
            #expect(try second.decode("absent", as: Bool.self), "nothing after the refusal was applied")
        }
    }

    @Test func failingFileRollsBackWholly() async throws {
        try await withMigratedSchema { connection, schema in
            let broken = try MigrationFile(fileName: "0002_broken.sql", sql: "CREATE TABLE c (id int); SELECT * FROM no_such_table;")
            await #expect {
                _ = try await Migrator(schema: schema, files: [Self.first, broken]).migrate(on: connection)
            } throws: { "\($0)".contains("0002_broken.sql") && ($0 as? PGError)?.sqlState == "42P01" }
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
            #expect(applied.sorted() == ["0001_first.sql", "0002_second.sql"])
        }
    }

    @Test func embeddedFilesAreTheRepositoryFiles() throws {
        let embedded = try MigrationFile.embedded()
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("sql")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(embedded.map(\.fileName) == names)
        for file in embedded {
            #expect(try String(contentsOf: directory.appendingPathComponent(file.fileName), encoding: .utf8) == file.sql)
        }
    }

    @Test func badFileNamesAreRefused() {
        #expect(throws: PGError.self) { try MigrationFile(fileName: "first.sql", sql: "") }
        #expect(throws: PGError.self) { try MigrationFile(fileName: "0001.sql", sql: "") }
        #expect(throws: PGError.self) { try MigrationFile(fileName: "0001_x.txt", sql: "") }
        #expect(throws: PGError.self) {
            try MigrationFile.validated([MigrationFile(fileName: "0001_a.sql", sql: ""), MigrationFile(fileName: "0001_b.sql", sql: "")])
        }
    }
}
