// The four roles of `ebbflow roles setup`: exact rights per table, and the real worker, serve and migrate run as them.
import EbbflowCore
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

/// Roles are cluster-wide: each test makes its own prefix and schema and drops both at the end,
/// so suites sharing the dev cluster cannot see each other's roles.
struct RoleFixture: Sendable {
    let roles: RoleNames
    let schema: String

    init() throws {
        roles = try RoleNames(prefix: TestDatabase.uniqueSchemaName("r"))
        schema = TestDatabase.uniqueSchemaName("rs")
    }

    /// `DATABASE_URL` logging in as `kind` (the dev cluster's socket trusts: no password).
    func url(as kind: RoleKind) throws -> String {
        var parts = try TestDatabase.parts
        parts.userInfo = roles.name(kind)
        return parts.description
    }

    /// `ebbflow ARGS` against this schema as `kind`, or as the administrator (the test's own role) when nil.
    func run(_ arguments: [String], as kind: RoleKind?, timeout: Duration = .seconds(120)) async throws -> CommandResult
    {
        let target = try kind.map { try self.url(as: $0) } ?? TestDatabase.url
        return try await EbbflowBinary.run(
            arguments + ["--schema", schema, "--database-url", target], timeout: timeout)
    }

    /// Drops the schema, then everything the roles own or were granted, then the roles.
    func drop() async {
        guard let admin = try? await TestDatabase.connect() else { return }
        try? await admin.simpleQuery("DROP SCHEMA IF EXISTS \(schema) CASCADE")
        let names = RoleKind.allCases.map(roles.quoted).joined(separator: ", ")
        try? await admin.simpleQuery("DROP OWNED BY \(names) CASCADE")
        try? await admin.simpleQuery("DROP ROLE IF EXISTS \(names)")
        await admin.close()
    }

    static func with<T: Sendable>(_ body: (RoleFixture) async throws -> T) async throws -> T {
        let fixture = try RoleFixture()
        do {
            let value = try await body(fixture)
            await fixture.drop()
            return value
        } catch {
            await fixture.drop()
            throw error
        }
    }

    /// `roles setup` as the administrator, then `migrate` as the owner.
    func setUpAndMigrate() async throws {
        let setup = try await run(["roles", "setup", "--prefix", roles.prefix], as: nil)
        try #require(setup.exitCode == 0, "roles setup: \(setup.output)")
        let migrated = try await run(["migrate"], as: .owner)
        try #require(migrated.exitCode == 0, "migrate as the owner: \(migrated.output)")
        #expect(
            migrated.stdout.contains("granted the grant list's rights on schema \(schema) to \(roles.name(.worker))"))
    }
}

@Suite struct LeastPrivilegeRolesTests {
    /// Every table of a fully migrated schema has an entry in the grant list, and each role has
    /// exactly the list's rights on it, as PostgreSQL answers `has_table_privilege`: a table
    /// added by a later migration without an entry fails here.
    @Test func eachRoleHasExactlyTheGrantListsRights() async throws {
        try await RoleFixture.with { fixture in
            try await fixture.setUpAndMigrate()
            let schema = try SchemaName(fixture.schema)
            let connection = try await TestDatabase.connect()
            let tables: [String] = try await connection.run { try RoleCatalogSQL.tables(in: schema, on: $0) }
            let unlisted = tables.filter { RolePrivileges.tables[$0] == nil }
            #expect(unlisted.isEmpty, "tables without an entry in RolePrivileges.tables: \(unlisted)")
            #expect(tables.count >= 40, "the whole schema was read: \(tables.count) tables")
            for kind in RoleKind.allCases {
                for table in tables {
                    let row = try await connection.query(
                        """
                        SELECT has_table_privilege($1, $2::regclass, 'SELECT') AS s, has_table_privilege($1, $2::regclass, 'INSERT') AS i,
                               has_table_privilege($1, $2::regclass, 'UPDATE') AS u, has_table_privilege($1, $2::regclass, 'DELETE') AS d,
                               has_table_privilege($1, $2::regclass, 'TRUNCATE, REFERENCES, TRIGGER') AS other
                        """, [fixture.roles.name(kind), schema.qualified(table)]
                    ).first!
                    var actual: Set<RolePrivileges.Privilege> = []
                    if try row.decode("s", as: Bool.self) { actual.insert(.select) }
                    if try row.decode("i", as: Bool.self) { actual.insert(.insert) }
                    if try row.decode("u", as: Bool.self) { actual.insert(.update) }
                    if try row.decode("d", as: Bool.self) { actual.insert(.delete) }
                    let expected = RolePrivileges.tables[table]?.rights(kind) ?? []
                    #expect(
                        actual == expected, "\(kind) on \(table): \(actual.sorted()) instead of \(expected.sorted())")
                    #expect(
                        try row.decode("other", as: Bool.self) == (kind == .owner), "\(kind) on \(table): TRUNCATE etc."
                    )
                }
            }
            // No DDL for any role but the owner, and the secrets stay closed to the read-only role.
            for kind in RoleKind.granted {
                let create: Bool = try await connection.query(
                    "SELECT has_schema_privilege($1, $2, 'CREATE') AS c", [fixture.roles.name(kind), schema.name]
                ).first!.decode("c")
                #expect(!create, "\(kind) may create in the schema")
            }
            let refresh = "\(schema.quoted).refresh_outgrown_statistics(bigint, float8)"
            for (kind, may) in [(RoleKind.worker, true), (.api, false), (.readonly, false)] {
                let answer: Bool = try await connection.query(
                    "SELECT has_function_privilege($1, $2, 'EXECUTE') AS x", [fixture.roles.name(kind), refresh]
                ).first!.decode("x")
                #expect(answer == may, "\(kind) EXECUTE on the SECURITY DEFINER statistics function")
            }
            await connection.close()
            let check = try await fixture.run(["roles", "check", "--prefix", fixture.roles.prefix], as: nil)
            #expect(check.exitCode == 0, "roles check: \(check.output)")
            #expect(check.stdout.contains("match the grant list"))
        }
    }

    /// Run twice, setup and migrate change nothing; a right granted by hand is found by
    /// `roles check` and taken back by the next `migrate`; a superuser's `migrate` acts as the
    /// owner, so what it creates stays the owner's.
    @Test func setupIsIdempotentAndMigrateRestoresTheList() async throws {
        try await RoleFixture.with { fixture in
            try await fixture.setUpAndMigrate()
            let again = try await fixture.run(["roles", "setup", "--prefix", fixture.roles.prefix], as: nil)
            #expect(again.exitCode == 0, "\(again.output)")
            #expect(again.stdout.contains("role \(fixture.roles.name(.worker)): kept"), "\(again.output)")
            let admin = try await TestDatabase.connect()
            try await admin.simpleQuery(
                "GRANT DELETE ON \(fixture.schema).contact_audit TO \(fixture.roles.quoted(.readonly))")
            let check = try await fixture.run(["roles", "check", "--prefix", fixture.roles.prefix], as: nil)
            #expect(check.exitCode == 1)
            #expect(
                check.stdout.contains(
                    "\(fixture.roles.name(.readonly)) has DELETE on contact_audit, which it should not"),
                "\(check.output)")
            let migrated = try await fixture.run(["migrate"], as: nil)
            #expect(migrated.exitCode == 0, "\(migrated.output)")
            let owners: Int = try await admin.query(
                "SELECT count(*) AS n FROM pg_tables WHERE schemaname = $1 AND tableowner <> $2",
                [fixture.schema, fixture.roles.name(.owner)]
            ).first!.decode("n")
            #expect(owners == 0, "every table is the owner's")
            await admin.close()
            let after = try await fixture.run(["roles", "check", "--prefix", fixture.roles.prefix], as: nil)
            #expect(after.exitCode == 0, "\(after.output)")
        }
    }

    /// `migrate` as a role that may not change the schema: one line naming what is missing.
    @Test func migrateAsANonOwnerSaysWhatIsMissingInOneLine() async throws {
        try await RoleFixture.with { fixture in
            try await fixture.setUpAndMigrate()
            for kind in [RoleKind.worker, .api, .readonly] {
                let result = try await fixture.run(["migrate"], as: kind)
                #expect(result.exitCode != 0)
                let lines = result.stderr.split(separator: "\n")
                #expect(lines.count == 1, "one line: \(result.stderr)")
                #expect(
                    result.stderr.contains(
                        "migrate needs to run as the schema's owner (\(fixture.roles.name(.owner))), a member of it or a superuser; "
                            + "connected as \(fixture.roles.name(kind)) (schema \(fixture.schema))"
                    ), "\(result.stderr)")
            }
        }
    }

    /// The worker role runs jobs and, through the SECURITY DEFINER function, gets an outgrown
    /// table analyzed; the read-only role reads and cannot write.
    @Test func theWorkerRoleRunsJobsAndRefreshesStatistics() async throws {
        try await RoleFixture.with { fixture in
            try await fixture.setUpAndMigrate()
            let enqueued = try await fixture.run(["jobs", "enqueue", "counter", "--count", "20"], as: .api)
            try #require(enqueued.exitCode == 0, "enqueue as the api role: \(enqueued.output)")
            // 30,000 counters rows (about 200 pages) outgrow statistics of an empty table.
            let admin = try await TestDatabase.connect()
            try await admin.simpleQuery(
                "INSERT INTO \(fixture.schema).counters (name, value) SELECT 'grow-' || n, n FROM generate_series(1, 30000) n"
            )
            let (process, _, errors) = try EbbflowBinary.start([
                "worker", "--schema", fixture.schema, "--database-url", try fixture.url(as: .worker),
                "--poll-interval", "0.2", "--log-level", "info",
            ])
            var analyzed = false
            var done = 0
            // Bounded: at most a minute for both to be seen (the statistics service runs every 2 s).
            for _ in 0..<600 {
                if analyzed && done == 20 { break }
                try await Task.sleep(for: .milliseconds(100))
                analyzed = try await admin.query(
                    "SELECT reltuples > 25000 AS a FROM pg_class WHERE oid = $1::regclass",
                    ["\(fixture.schema).counters"]
                ).first!.decode("a")
                done = try await admin.query(
                    "SELECT count(*)::int8 AS n FROM \(fixture.schema).finished_jobs WHERE kind = 'counter' AND state::text = 'completed'"
                ).first!.decode("n")
            }
            process.terminate()
            let log = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(done == 20, "counter jobs completed as the worker role: \(log.suffix(2_000))")
            #expect(analyzed, "counters analyzed as the worker role: \(log.suffix(2_000))")
            #expect(log.contains("refreshed planner statistics"), "\(log.suffix(2_000))")
            #expect(!log.contains("planner statistics are not refreshed"), "\(log.suffix(2_000))")
            let lastAnalyze: Bool = try await admin.query(
                "SELECT last_analyze IS NOT NULL AS a FROM pg_stat_user_tables WHERE relid = $1::regclass",
                ["\(fixture.schema).counters"]
            ).first!.decode("a")
            #expect(lastAnalyze, "pg_stat_user_tables.last_analyze is set")
            await admin.close()

            let listed = try await fixture.run(["jobs", "list", "--state", "completed"], as: .readonly)
            #expect(listed.exitCode == 0, "read-only lists jobs: \(listed.output)")
            let refused = try await fixture.run(["jobs", "enqueue", "counter"], as: .readonly)
            #expect(refused.exitCode != 0)
            #expect(refused.stderr.contains("permission denied"), "\(refused.output)")
        }
    }

    /// `serve` as the API role: an ingest writes, the dashboard reads after signing in; a key
    /// made by the owner (the admin commands run as the owner).
    @Test func serveAsTheAPIRoleIngestsAndShowsTheDashboard() async throws {
        try await RoleFixture.with { fixture in
            try await fixture.setUpAndMigrate()
            let server = try await ServeProcess.start(
                schema: fixture.schema, environment: ["DATABASE_URL": try fixture.url(as: .api)])
            do {
                let made = try await fixture.run(["keys", "create", "site", "--scope", "ingest"], as: .owner)
                try #require(made.exitCode == 0, "\(made.output)")
                let key = String(try #require(made.stdout.split(separator: "\n").last))
                let readMade = try await fixture.run(["keys", "create", "reader", "--scope", "read"], as: .owner)
                try #require(readMade.exitCode == 0, "\(readMade.output)")
                let reader = String(try #require(readMade.stdout.split(separator: "\n").last))
                let client = APIClient(server: server)
                let identify = try await client.post(
                    "/v1/identify", key: key,
                    json: ["userId": "c-1", "messageId": "id-1", "traits": ["email": "c1@example.com"]])
                #expect(identify.status == 200, "\(identify.text)")
                let track = try await client.post(
                    "/v1/track", key: key, json: ["userId": "c-1", "event": "click", "messageId": "t-1"])
                #expect(track.status == 200, "\(track.text)")
                let browser = DashboardClient(server: server)
                try await browser.signIn(reader)
                let overview = try await browser.get("/dashboard/overview")
                #expect(overview.status == 200, "\(overview.text.prefix(500))")
                let contact = try await browser.get("/dashboard/contacts/c-1")
                #expect(contact.status == 200, "\(contact.text.prefix(500))")
                let admin = try await TestDatabase.connect()
                let events: Int = try await admin.query(
                    "SELECT count(*)::int8 AS n FROM \(fixture.schema).engagement_events"
                ).first!.decode("n")
                await admin.close()
                #expect(events >= 1, "the ingested event is stored")
                #expect(!server.log.contains("permission denied"), "\(server.log.suffix(2_000))")
            } catch {
                await server.kill(SIGKILL)
                throw error
            }
            await server.kill(SIGKILL)
        }
    }
}
