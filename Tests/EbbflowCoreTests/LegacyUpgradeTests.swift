// A database built by the single migration sequence (sql/0001..0026) upgrades to lines in place, losing nothing.
import EbbflowCore
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

/// The old files are the historical files of `sql/<line>/` (moved with their text unchanged),
/// found through `LegacyMigrations.places` under their old names. Why not a copy: the moved
/// files are the history; a second copy only doubled it. What old binaries applied is pinned
/// instead by the SHA-256 each old version had, so an edited history file fails here first.
@Suite struct LegacyUpgradeTests {
    static let sqlDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("sql")

    /// SHA-256 of each file of the single sequence, as the old binaries recorded it.
    static let recordedChecksums: [Int: String] = [
        1: "534511160225dd0cd6a8dac21186f0ed25be16c762fd7889150baa412883f493",
        2: "d72cae41f052f92f639ae9978fc5b89614dd550bb1353c841e3298df3b9acd8e",
        3: "13d764a7ba4548caaa96ba927792f3667837423ee7c9e2d76ddcfd0b4b5ea81b",
        4: "2b4ae23dffebd05ee7dd9218335be36bb0aca7a930fa818a7fc45c568443ec73",
        5: "920e7be06775338fbda08f118e1600dc2c42e8bf77aae728f63110ee32bbab7b",
        6: "ca3a47058bc637b17af3761bc4021bff35d66e85d23ff311e627da2a09ddaa95",
        7: "3a826299b9c4736f36bc2bb17560f9aacad1ac168e2101b3b2b8b47ca15a5e5d",
        8: "79b8ae4c4536267bde7b8adaba086655813bebfb6d9ee2ca5718731c3347c0b4",
        9: "4cf7a7984b20d54dc169d2a245dfc85b81befc824db7fee5baa411b470516c59",
        10: "8c6ba5f4a0df6bf18d971f6d67d222814b30f8fe1c7e7ab1557e4cebb46609dd",
        11: "5a175d301f8376b30484ff9bda58a27ea9d2a806701433cd7ca54d4696c38757",
        12: "92735e6d6e1b293b8279479a339dce3f1c92958d491d21db257e190a9bdd98f6",
        13: "d54b471e2526f6db161487b1bd73f2c65441968b424ab25c872ccd7ee9c1c223",
        14: "95c1c4a160cca97fd9358a468eca25888034363811237ddde627939dc20ecb24",
        15: "8e783d38b6ba54b245f2e557749295023538fd2ce93b8f09ca114e04c0c5d016",
        16: "41d26b3e6061225e405cf356031731dc0f3dc4e51420430f05e4038821a94f0a",
        17: "88df1f75ef0166f28f49e54b7993eb2529383dc2f029acb612d0036a313d77a0",
        18: "5f2d600246827f97705db904ba14006a48dd58da53dda9ced616828b907a0a69",
        19: "c430c7f27a4c749228c191ad9563a9b3d673acf7c56de6d760b2efa81815af0d",
        20: "3ea8d15c5595199e0ea686a69950f56fd386d70e09d6363f522d372e128c6036",
        22: "a61cd3b220d4120f31c7e2e980352875442b424090a0a73857c0221b3d92d251",
        23: "f33b50db6da2befaaeb5f46347cc282cb9fb984f2665c77ad32fe71c2c42e7b1",
        24: "ff5b7b304c6f88755cb360592fbf141e98a26ab47c34ad3803432c2d7c35a766",
        25: "326a08837f0fc0bc744f31de6f4d46b94e35508a0fc05697ed1f479c06e19962",
        26: "9716d1a46d2e4911b1e607290ac4ed87407a874d73c4ec869de7d5197a3f2462",
    ]

    /// The old files in version order, as the old binary embedded them: the old number and
    /// description (the description did not change when the file moved to its line).
    static func legacyFiles() throws -> [(version: Int, name: String, sql: String)] {
        try LegacyMigrations.places.map { place in
            let url = sqlDirectory.appendingPathComponent(place.line.rawValue).appendingPathComponent(place.fileName)
            let text = try String(contentsOf: url, encoding: .utf8)
            let name = String(format: "%04d", place.version) + place.fileName.drop { $0 != "_" }
            return (place.version, name, text)
        }
    }

    /// The history files are byte for byte what old binaries applied (the server computes the
    /// SHA-256, as the migrator does).
    @Test func historyFilesAreWhatOldBinariesApplied() async throws {
        let files = try Self.legacyFiles()
        #expect(files.map(\.version) == Self.recordedChecksums.keys.sorted())
        let connection = try await TestDatabase.connect()
        let digests: [String] = try await connection.query(
            "SELECT encode(sha256(convert_to(t, 'UTF8')), 'hex') AS digest FROM unnest($1::text[]) WITH ORDINALITY AS f(t, n) ORDER BY n",
            [files.map(\.sql)]
        ).rows.map { try $0.decode("digest") }
        for (file, digest) in zip(files, digests) {
            #expect(
                digest == Self.recordedChecksums[file.version],
                "\(file.name) was edited: old databases recorded another text")
        }
    }

    /// What the old migrator did: its bookkeeping tables, then each file in its own
    /// transaction, recorded by version with its SHA-256; up to version `last`, as an older
    /// release that had only those files left it.
    static func migrateTheOldWay(_ schema: SchemaName, upTo last: Int = .max, on connection: PGConnection) async throws
    {
        try await connection.simpleQuery(
            """
            CREATE SCHEMA \(schema.quoted);
            CREATE TABLE \(schema.qualified("schema_migrations")) (
                version integer PRIMARY KEY, file_name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
            CREATE TABLE \(schema.qualified("database_info")) (
                singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), simulation boolean NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now());
            INSERT INTO \(schema.qualified("database_info")) (simulation) VALUES (false);
            """)
        for file in try legacyFiles() where file.version <= last {
            try await connection.withTransaction { connection in
                try connection.simpleQuery("SET LOCAL search_path TO \(schema.quoted), public")
                try connection.simpleQuery(file.sql)
                try connection.execute(
                    """
                    INSERT INTO \(schema.qualified("schema_migrations")) (version, file_name, checksum)
                    VALUES ($1, $2, encode(sha256(convert_to($3, 'UTF8')), 'hex'))
                    """, [file.version, file.name, file.sql])
            }
        }
    }

    /// Contacts, events (another system's insert: the old trigger makes an `apply_events` job),
    /// pending per-contact jobs of several kinds, a job of another kind whose args name a
    /// contact (not the engine's to label), finished jobs.
    static func fill(_ schema: SchemaName, on connection: PGConnection) async throws {
        try await connection.simpleQuery(
            """
            SET search_path TO \(schema.quoted), public;
            INSERT INTO contacts (external_id, email, segment, status_changed_at, created_at)
            SELECT 'c' || n, 'c' || n || '@example.com', 'retail', now(), now() FROM generate_series(1, 5) AS n;
            INSERT INTO engagement_events (contact_id, external_id, kind, occurred_at)
            SELECT id, external_id, 'open', now() - interval '1 hour' FROM contacts WHERE id <= 2;
            UPDATE contacts SET campaign_status = 'suppressed' WHERE external_id = 'c5';
            INSERT INTO transitions (contact_id, from_status, to_status, reason, at)
            SELECT id, 'active', 'suppressed', 'manual_suppression', now() FROM contacts WHERE external_id = 'c5';
            INSERT INTO jobs (state, queue, kind, args, run_at, created_at)
            SELECT 'available', 'default', 'flow_step', jsonb_build_object('flow', 'welcome', 'contact_id', id, 'step', 1), now(), now()
            FROM contacts;
            INSERT INTO jobs (state, queue, kind, args, run_at, created_at, unique_key)
            VALUES ('scheduled', 'default', 'reactivation_step', '{"contact_id": 3, "step": 1}', now() + interval '30 days', now(),
                    'reactivation:3:1'),
                   ('scheduled', 'default', 'stream_step', '{"stream": "s", "contact_id": 4, "step": 0, "entry": 1}',
                    now() + interval '1 day', now(), NULL),
                   ('available', 'default', 'noop', '{"contact_id": 5}', now(), now(), NULL);
            INSERT INTO finished_jobs (id, state, queue, kind, args, priority, run_at, attempt, max_attempts, errors, created_at, finished_at)
            VALUES (900001, 'completed', 'default', 'flow_step', '{"flow": "old", "contact_id": 1, "step": 1}', 0, now(), 1, 20, '[]', now(), now()),
                   (900002, 'cancelled', 'default', 'flow_step', '{"flow": "old", "contact_id": 2, "step": 2}', 0, now(), 0, 20, '[]', now(), now()),
                   (900003, 'discarded', 'default', 'noop', '{"contact_id": 1}', 0, now(), 20, 20, '[]', now(), now());
            RESET search_path;
            """)
    }

    /// Every row of every table of the schema but the migrator's own, as JSON, with `dropping`
    /// columns left out (those the upgrade adds).
    static func contents(_ schema: SchemaName, on connection: PGConnection, dropping: [String] = []) async throws
        -> [String: [String]]
    {
        let tables: [String] = try await connection.query(
            """
            SELECT c.relname AS name FROM pg_class c WHERE c.relnamespace = $1::regnamespace AND c.relkind = 'r'
              AND c.relname NOT IN ('schema_migrations') ORDER BY 1
            """, [schema.name]
        ).rows.map { try $0.decode("name") }
        var result: [String: [String]] = [:]
        for table in tables {
            let rows: [String] = try await connection.query(
                """
                SELECT (to_jsonb(t) - $1::text[])::text AS row FROM \(schema.qualified(table)) t ORDER BY 1
                """, [dropping]
            ).rows.map { try $0.decode("row") }
            result[table] = rows
        }
        return result
    }

    /// The schema as the catalogue sees it, with the schema's name taken out so two schemas
    /// compare: columns, constraints, indexes, functions, triggers, types. Order ignored.
    static func shape(_ schema: SchemaName, on connection: PGConnection) async throws -> [String] {
        let queries = [
            """
            SELECT 'column ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                   || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
                   || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '') AS item
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
            LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE c.relnamespace = $1::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
            """,
            """
            SELECT 'constraint ' || c.relname || ' ' || k.conname || ' ' || pg_get_constraintdef(k.oid) AS item
            FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid WHERE c.relnamespace = $1::regnamespace
            """,
            "SELECT 'index ' || indexdef AS item FROM pg_indexes WHERE schemaname = $1",
            """
            SELECT 'function ' || pg_get_functiondef(p.oid) AS item FROM pg_proc p WHERE p.pronamespace = $1::regnamespace
            """,
            """
            SELECT 'trigger ' || pg_get_triggerdef(t.oid) AS item FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
            WHERE c.relnamespace = $1::regnamespace AND NOT t.tgisinternal
            """,
            """
            SELECT 'enum ' || t.typname || ' ' || string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) AS item
            FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid WHERE t.typnamespace = $1::regnamespace GROUP BY t.typname
            """,
            """
            SELECT 'options ' || c.relname || ' ' || coalesce(array_to_string(c.reloptions, ','), '') AS item
            FROM pg_class c WHERE c.relnamespace = $1::regnamespace
            """,
        ]
        var items: [String] = []
        for query in queries {
            items += try await connection.query(query, [schema.name]).rows.map {
                try $0.decode("item", as: String.self).replacingOccurrences(of: schema.name, with: "<schema>")
            }
        }
        return items.sorted()
    }

    @Test func databaseOfTheSingleSequenceUpgradesInPlace() async throws {
        let old = try SchemaName(TestDatabase.uniqueSchemaName("v1"))
        let fresh = try SchemaName(TestDatabase.uniqueSchemaName("v2"))
        let connection = try await TestDatabase.connect()
        try await TestDatabase.dropping(old.name) {
            try await TestDatabase.dropping(fresh.name) {
                try await Self.migrateTheOldWay(old, on: connection)
                try await Self.fill(old, on: connection)
                let before = try await Self.contents(old, on: connection)
                #expect(
                    before["jobs"]?.count == 9, "five flow steps, three other jobs and the trigger's apply_events job")

                // Before the upgrade, status reads the old bookkeeping through the map.
                let migrator = try Migrator(schema: old)
                // Every file after the single sequence, in line order.
                let newer = [
                    "queue/0006_job_subjects.sql", "queue/0007_rate_limits.sql",
                    "queue/0008_statistics_refresh_as_owner.sql", "engine/0020_jobs_through_the_queue.sql",
                    "engine/0021_ingest_identify_messages.sql", "engine/0022_consent_columns.sql",
                    "engine/0023_suppression_reason.sql", "engine/0024_privacy_requests.sql", "engine/0025_links.sql",
                    "engine/0026_provider_events.sql", "engine/0027_ses_subscription_confirmations.sql",
                    "engine/0028_transitions_reinstated.sql", "engine/0029_outbox_lifecycle.sql",
                    "engine/0030_templates.sql", "engine/0031_outbox_time_zones.sql", "engine/0032_dashboard.sql",
                    "api/0001_api_keys.sql", "api/0002_webhook_tokens.sql", "api/0003_dashboard_sessions.sql",
                ]
                let pendingBefore = try await migrator.status(on: connection).filter { $0.state != .applied }
                #expect(pendingBefore.map(\.path) == newer)
                #expect(pendingBefore.allSatisfy { $0.state == .pending })

                let report = try await migrator.migrate(on: connection)
                #expect(report.applied == newer)
                #expect(try await migrator.migrate(on: connection).applied.isEmpty)
                #expect(try await migrator.status(on: connection).allSatisfy { $0.state == .applied })

                // Nothing lost: every row of every table is there, unchanged but for the new columns;
                // the tables the newer files create start empty.
                var after = try await Self.contents(
                    old, on: connection, dropping: ["subject", "bot", "suppression_reason", "detail"])
                for table in [
                    "ingest_identify_messages", "api_keys", "unmatched_provider_events", "webhook_tokens",
                    "ses_subscription_confirmations", "link_keys", "tracked_links", "contact_audit",
                    "forgotten_digests", "send_errors", "templates", "template_versions", "queue_limits",
                    "stream_snapshots", "activity_hourly", "stream_decisions_daily", "experiment_tallies",
                    "flow_send_counts", "dashboard_sessions",
                ] {
                    #expect(after.removeValue(forKey: table) == [], "\(table) is new and empty")
                }
                // The time zones PostgreSQL knows are copied by engine 0031 (America/New_York among them).
                let zones = after.removeValue(forKey: "time_zone_names") ?? []
                #expect(zones.count > 300 && zones.contains { $0.contains("America/New_York") })
                // engine 0032 installs the `dashboard_rollup` schedule and its built-in definition.
                for table in ["schedules", "builtin_schedules"] {
                    let rows = after[table] ?? []
                    #expect(
                        rows.filter { $0.contains("\"dashboard_rollup\"") }.count == 1, "\(table) has dashboard_rollup")
                    after[table] = rows.filter { !$0.contains("\"dashboard_rollup\"") }
                }
                // The digests' key is made by the migration: one row, random.
                #expect(after.removeValue(forKey: "privacy_secret")?.count == 1)
                #expect(after == before)
                // engine 0023: a contact suppressed before the reason was kept gets its last suppression's reason.
                let reasons = try await connection.query(
                    "SELECT external_id, suppression_reason FROM \(old.qualified("contacts")) WHERE suppression_reason IS NOT NULL"
                ).rows.map {
                    "\(try $0.decode("external_id", as: String.self))=\(try $0.decode("suppression_reason", as: String.self))"
                }
                #expect(reasons == ["c5=manual_suppression"])

                // Pending per-contact jobs, and finished ones that can be put back, got their subject.
                let subjects = try await connection.query(
                    """
                    SELECT 'jobs' AS t, kind, args->>'contact_id' AS contact, subject FROM \(old.qualified("jobs"))
                    UNION ALL SELECT state::text, kind, args->>'contact_id', subject FROM \(old.qualified("finished_jobs"))
                    ORDER BY 1, 2, 3
                    """
                ).rows.map {
                    "\(try $0.decode("t", as: String.self)) \(try $0.decode("kind", as: String.self)) "
                        + "\(try $0.decode("contact", as: String?.self) ?? "-") \(try $0.decode("subject", as: String?.self) ?? "nil")"
                }
                #expect(
                    subjects == [
                        "cancelled flow_step 2 contact:2", "completed flow_step 1 nil", "discarded noop 1 nil",
                        "jobs apply_events - nil", "jobs flow_step 1 contact:1", "jobs flow_step 2 contact:2",
                        "jobs flow_step 3 contact:3",
                        "jobs flow_step 4 contact:4", "jobs flow_step 5 contact:5", "jobs noop 5 nil",
                        "jobs reactivation_step 3 contact:3",
                        "jobs stream_step 4 contact:4",
                    ], "the engine's four per-contact kinds only; noop's contact_id is another module's business")

                // The schema is the one a fresh database gets, bookkeeping included.
                _ = try await Migrator(schema: fresh).migrate(on: connection)
                let oldShape = try await Self.shape(old, on: connection)
                let freshShape = try await Self.shape(fresh, on: connection)
                #expect(
                    oldShape.count > 300 && oldShape.contains { $0.hasPrefix("column jobs.subject") },
                    "the catalogue was read")
                #expect(Set(oldShape).symmetricDifference(freshShape).sorted() == [])
                let bookkeeping = "SELECT line, version, file_name, checksum FROM %@ ORDER BY line, version"
                let oldRows = try await connection.query(
                    bookkeeping.replacingOccurrences(of: "%@", with: old.qualified("schema_migrations"))
                ).rows
                    .map { try $0.decode("file_name", as: String.self) + " " + $0.decode("checksum", as: String.self) }
                let freshRows = try await connection.query(
                    bookkeeping.replacingOccurrences(of: "%@", with: fresh.qualified("schema_migrations"))
                ).rows
                    .map { try $0.decode("file_name", as: String.self) + " " + $0.decode("checksum", as: String.self) }
                #expect(oldRows == freshRows)
            }
        }
    }

    /// A database an older release migrated only part of the way (its last file `last`) is
    /// converted, then gets the files it lacks in line order (queue before engine, so queue
    /// files of the single sequence's end run before engine files of its middle), and ends
    /// with the schema and bookkeeping of a fresh database.
    @Test(arguments: [2, 8, 10, 23])
    func partlyMigratedDatabaseConvertsThenAppliesTheRestInLineOrder(upTo last: Int) async throws {
        let old = try SchemaName(TestDatabase.uniqueSchemaName("v1"))
        let fresh = try SchemaName(TestDatabase.uniqueSchemaName("v2"))
        let connection = try await TestDatabase.connect()
        try await TestDatabase.dropping(old.name) {
            try await TestDatabase.dropping(fresh.name) {
                try await Self.migrateTheOldWay(old, upTo: last, on: connection)
                let converted = Set(
                    LegacyMigrations.places.filter { $0.version <= last }.map { "\($0.line.rawValue)/\($0.fileName)" })
                let rest = try MigrationFile.embedded().map(\.path).filter { !converted.contains($0) }
                #expect(!converted.isEmpty && !rest.isEmpty)
                let migrator = try Migrator(schema: old)
                #expect(try await migrator.status(on: connection).filter { $0.state == .pending }.map(\.path) == rest)
                #expect(try await migrator.migrate(on: connection).applied == rest)
                #expect(try await migrator.status(on: connection).allSatisfy { $0.state == .applied })
                _ = try await Migrator(schema: fresh).migrate(on: connection)
                #expect(
                    Set(try await Self.shape(old, on: connection)).symmetricDifference(
                        try await Self.shape(fresh, on: connection)
                    ).sorted() == [])
            }
        }
    }

    /// Two `migrate` runs at once on a database of the single sequence: one converts the
    /// bookkeeping under the lock, the other waits and finds it converted; each remaining
    /// file is applied by exactly one of them.
    @Test func concurrentUpgradesConvertOnceAndApplyEachFileOnce() async throws {
        let schema = try SchemaName(TestDatabase.uniqueSchemaName("v1"))
        let connection = try await TestDatabase.connect()
        try await TestDatabase.dropping(schema.name) {
            try await Self.migrateTheOldWay(schema, upTo: 10, on: connection)
            let migrator = try Migrator(schema: schema)
            let applied = try await withThrowingTaskGroup(of: [String].self) { group in
                for _ in 0..<3 {
                    group.addTask {
                        let connection = try await TestDatabase.connect()
                        return try await migrator.migrate(on: connection).applied
                    }
                }
                var all: [String] = []
                for try await names in group { all += names }
                return all
            }
            let converted = Set(
                LegacyMigrations.places.filter { $0.version <= 10 }.map { "\($0.line.rawValue)/\($0.fileName)" })
            #expect(
                applied.sorted()
                    == (try MigrationFile.embedded()).map(\.path).filter { !converted.contains($0) }.sorted())
            let rows = try await connection.query("SELECT count(*) AS n FROM \(schema.qualified("schema_migrations"))")
                .first!.decode("n", as: Int.self)
            #expect(rows == (try MigrationFile.embedded()).count)
        }
    }

    /// A database the single sequence migrated further than this binary knows is refused, and
    /// its bookkeeping stays as it was (the conversion is one transaction).
    @Test func unknownOldVersionIsRefusedAndNothingConverted() async throws {
        let schema = try SchemaName(TestDatabase.uniqueSchemaName("v1"))
        let connection = try await TestDatabase.connect()
        try await TestDatabase.dropping(schema.name) {
            try await Self.migrateTheOldWay(schema, on: connection)
            try await connection.execute(
                "INSERT INTO \(schema.qualified("schema_migrations")) (version, file_name, checksum) VALUES (27, '0027_future.sql', 'x')"
            )
            await #expect {
                _ = try await Migrator(schema: schema).migrate(on: connection)
            } throws: { "\($0)".contains("0027_future.sql") && "\($0)".contains("upgrade the binary") }
            let lined = try await connection.query(
                """
                SELECT count(*) AS n FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = 'line'
                """, [schema.qualified("schema_migrations")]
            ).first!.decode("n", as: Int.self)
            #expect(lined == 0)
            let rows = try await connection.query("SELECT count(*) AS n FROM \(schema.qualified("schema_migrations"))")
                .first!.decode("n", as: Int.self)
            #expect(rows == 26)
        }
    }

    /// An applied old file edited since is still refused by its new name.
    @Test func editedOldFileIsRefusedAfterTheConversion() async throws {
        let schema = try SchemaName(TestDatabase.uniqueSchemaName("v1"))
        let connection = try await TestDatabase.connect()
        try await TestDatabase.dropping(schema.name) {
            try await Self.migrateTheOldWay(schema, on: connection)
            try await connection.execute(
                "UPDATE \(schema.qualified("schema_migrations")) SET checksum = 'edited' WHERE version = 5")
            await #expect {
                _ = try await Migrator(schema: schema).migrate(on: connection)
            } throws: { "\($0)".contains("engine/0003_flows.sql") && "\($0)".contains("changed after it was applied") }
        }
    }
}
