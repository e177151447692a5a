// The ebbflow binary as an operator uses it: migrate from many processes, the clock, clear failures.
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct CLITests {
    func cleanUp(_ schema: String) async { try? await TestDatabase.dropSchema(schema) }

    @Test func clockAdvanceMovesSimulationAndRefusesProduction() async throws {
        let sim = TestDatabase.uniqueSchemaName("cli"), prod = TestDatabase.uniqueSchemaName("cli")

        let url = try TestDatabase.url
        #expect(
            try await EbbflowBinary.run(["migrate", "--simulation", "--schema", sim, "--database-url", url]).exitCode
                == 0)
        #expect(
            try await EbbflowBinary.run([
                "clock", "set", "2026-01-01T00:00:00Z", "--schema", sim, "--database-url", url,
            ]).exitCode == 0)
        let advanced = try await EbbflowBinary.run(["clock", "advance", "3d", "--schema", sim, "--database-url", url])
        #expect(advanced.exitCode == 0)
        #expect(advanced.stdout.contains("2026-01-04T00:00:00Z"), "\(advanced.output)")

        #expect(
            try await EbbflowBinary.run(["migrate", "--schema", prod], environment: ["DATABASE_URL": url]).exitCode == 0
        )
        let refused = try await EbbflowBinary.run(
            ["clock", "advance", "3d", "--schema", prod], environment: ["DATABASE_URL": url])
        #expect(refused.exitCode == 1)
        #expect(refused.stderr.contains("not a simulation database"), "\(refused.output)")
        let shown = try await EbbflowBinary.run(
            ["clock", "show", "--schema", prod], environment: ["DATABASE_URL": url])
        #expect(shown.stdout.contains("real time"), "\(shown.output)")
        await cleanUp(sim)
        await cleanUp(prod)
    }

    @Test func eightProcessesMigrateOnce() async throws {
        let schema = TestDatabase.uniqueSchemaName("cli")
        let url = try TestDatabase.url
        let results = try await withThrowingTaskGroup(of: CommandResult.self) { group in
            for _ in 0..<8 {
                group.addTask { try await EbbflowBinary.run(["migrate", "--schema", schema, "--database-url", url]) }
            }
            var all: [CommandResult] = []
            for try await result in group { all.append(result) }
            return all
        }
        #expect(results.allSatisfy { $0.exitCode == 0 }, "\(results.map(\.output))")
        // Each file as `line/NNNN_name.sql`, the name migrate prints.
        let files = try FileManager.default.subpathsOfDirectory(atPath: Self.sqlDirectory).filter {
            $0.hasSuffix(".sql")
        }
        let appliedMentions = results.map { result in files.filter { result.stdout.contains($0) }.count }.reduce(0, +)
        #expect(appliedMentions == files.count, "each file applied by exactly one process: \(results.map(\.stdout))")
        let connection = try await TestDatabase.connect()
        let recorded = try await connection.query("SELECT count(*) AS n FROM \"\(schema)\".schema_migrations").first!
            .decode("n", as: Int.self)
        #expect(recorded == files.count)
        let again = try await EbbflowBinary.run(["migrate", "--schema", schema, "--database-url", url])
        #expect(again.exitCode == 0 && again.stdout.contains("up to date"))
        let status = try await EbbflowBinary.run(["migrate", "--status", "--schema", schema, "--database-url", url])
        #expect(status.stdout.contains("0 pending"), "\(status.output)")
        await cleanUp(schema)
    }

    /// The binary embeds its files, so an edited applied file shows up as a checksum that no
    /// longer matches: the migrator names the file and refuses.
    @Test func tamperedAppliedFileIsRefusedByName() async throws {
        let schema = TestDatabase.uniqueSchemaName("cli")
        let url = try TestDatabase.url
        #expect(try await EbbflowBinary.run(["migrate", "--schema", schema, "--database-url", url]).exitCode == 0)
        let connection = try await TestDatabase.connect()
        try await connection.execute(
            "UPDATE \"\(schema)\".schema_migrations SET checksum = 'edited' WHERE line = 'core' AND version = 1")
        let refused = try await EbbflowBinary.run(["migrate", "--schema", schema, "--database-url", url])
        #expect(refused.exitCode == 1)
        #expect(
            refused.stderr.contains("core/0001_clock.sql") && refused.stderr.contains("changed"), "\(refused.output)")
        let status = try await EbbflowBinary.run(["migrate", "--status", "--schema", schema, "--database-url", url])
        #expect(status.exitCode == 1 && status.stdout.contains("changed"))
        await cleanUp(schema)
    }

    @Test func connectionFailuresAreOneClearLine() async throws {
        let secret = "Sup3r-S3cret"
        let admin = try await TestDatabase.connect()
        try await admin.simpleQuery(
            """
            DO $$ BEGIN
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ebbflow_password_probe') THEN
                    CREATE ROLE ebbflow_password_probe LOGIN PASSWORD 'the-right-one';
                END IF;
            END $$
            """)
        let parts = try TestDatabase.parts
        let wrongPassword = parts.with(user: "ebbflow_password_probe", password: secret).description
        let cases: [(url: String, host: String, database: String, reason: String)] = [
            (wrongPassword, "", parts.database, "password authentication failed"),
            ("postgresql://alice:\(secret)@127.0.0.1:1/crm?connect_timeout=3", "127.0.0.1", "crm", "refused"),
            (parts.with(database: "no_such_database").description, "", "no_such_database", "does not exist"),
        ]
        for (url, host, database, reason) in cases {
            let result = try await EbbflowBinary.run(["migrate", "--status", "--database-url", url])
            let lines = result.stderr.split(separator: "\n")
            #expect(result.exitCode == 1, "\(result.output)")
            #expect(lines.count == 1, "one line: \(result.stderr)")
            #expect(result.stderr.contains("database \"\(database)\""), "\(result.stderr)")
            #expect(result.stderr.contains("on host \"\(host)"), "\(result.stderr)")
            #expect(result.stderr.contains(reason), "\(result.stderr)")
            #expect(!result.output.contains(secret), "password leaked: \(result.output)")
        }
    }

    /// A mistyped URL once came back whole, password included (libpq read it as a database
    /// name); `PGPASSWORD=o` once printed `unsupp***rted`. One line, nothing of the string.
    @Test func mistypedConnectionStringsAreNeverEchoed() async throws {
        for url in [
            "postgresql//bob:Typo-S3cret@127.0.0.1:1/crm", "postgresql:/bob:Typo-S3cret@127.0.0.1:1/crm",
            "dbname=postgresql://bob:Typo-S3cret@127.0.0.1:1/crm", "postgresql://bob:Typo@S3cret@127.0.0.1:1/crm",
            "postgresql://127.0.0.1:1/?dbname=postgresql://bob:Typo-S3cret@db/app",
            "postgresql://127.0.0.1:1/?dbname=host%3Dx%20password%3DTypo-S3cret",
            "host=127.0.0.1 port=1 user=postgres dbname=bob:Typo-S3cret@db/app",
            "host=127.0.0.1 port=1 user=postgresql://bob:Typo-S3cret@db/app",
            "host=postgresql://bob:Typo-S3cret@db/app",
        ] {
            let result = try await EbbflowBinary.run(["migrate", "--status", "--database-url", url])
            #expect(result.exitCode == 1, "\(result.output)")
            #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
            #expect(result.stderr.contains("not shown"), "\(result.stderr)")
            #expect(!result.output.contains("S3cret") && !result.output.contains("Typo"), "leaked: \(result.output)")
        }
        let short = try await EbbflowBinary.run(
            ["migrate", "--status", "--database-url", "postgresql://u@127.0.0.1:1/crm?connect_timeout=3"],
            environment: ["PGPASSWORD": "o"])
        #expect(
            short.exitCode == 1 && !short.stderr.contains("***") && short.stderr.contains("\"crm\""), "\(short.stderr)")
    }

    @Test func badFlagsAreRefusedClearly() async throws {
        let badSchema = try await EbbflowBinary.run(["migrate", "--schema", "Robert'); DROP TABLE x;--"])
        #expect(badSchema.exitCode != 0 && badSchema.stderr.contains("invalid schema name"))
        let badDuration = try await EbbflowBinary.run(["clock", "advance", "soon"])
        #expect(badDuration.exitCode != 0 && badDuration.stderr.contains("not a duration"))
        let unknown = try await EbbflowBinary.run(["migrate", "--frobnicate"])
        #expect(unknown.exitCode != 0 && unknown.stderr.contains("frobnicate"))
    }

    static var sqlDirectory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("sql").path
    }
}
