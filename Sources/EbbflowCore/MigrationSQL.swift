// Every SQL statement the migrator runs, in one place, qualified with the configured schema.

/// The migrator's SQL. The bootstrap tables live outside the numbered files because the
/// files' own bookkeeping must exist before the first file runs.
struct MigrationSQL: Sendable {
    let schema: SchemaName
    var table: String { schema.qualified("schema_migrations") }

    /// One lock per schema, held to the end of each migration transaction: ten pods starting
    /// at once queue here and each file is applied exactly once. A transaction-level lock
    /// (not a session one) also works through pgbouncer's transaction pooling.
    var lock: String { "SELECT pg_advisory_xact_lock(hashtext('ebbflow.migrate'), hashtext($1))" }

    var createSchema: String { "CREATE SCHEMA IF NOT EXISTS \(schema.quoted)" }

    /// One row per applied file, keyed by its line and its number in that line.
    var createTables: [String] {
        [
            """
            CREATE TABLE IF NOT EXISTS \(table) (
                line       text NOT NULL,
                version    integer NOT NULL,
                file_name  text NOT NULL,
                checksum   text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (line, version)
            )
            """,
            """
            CREATE TABLE IF NOT EXISTS \(schema.qualified("database_info")) (
                singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
                simulation boolean NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now()
            )
            """,
        ]
    }

    /// Whether `schema_migrations` ($1, qualified) exists, and whether it has lines yet: a
    /// table without a `line` column was written by a binary of the single sequence.
    var layout: String {
        """
        SELECT to_regclass($1) IS NOT NULL AS present,
               EXISTS (SELECT 1 FROM pg_catalog.pg_attribute
                       WHERE attrelid = to_regclass($1) AND attname = 'line' AND NOT attisdropped) AS lined
        """
    }

    /// The single sequence's bookkeeping, read as it was (for `status` before the conversion).
    var legacyApplied: String { "SELECT version, file_name, checksum, applied_at FROM \(table) ORDER BY version" }

    /// The conversion's first step: the old table steps aside (with its key's index, whose
    /// name the new table's key takes).
    var legacySetAside: [String] {
        [
            "ALTER TABLE \(table) RENAME TO schema_migrations_v1",
            "ALTER INDEX \(schema.qualified("schema_migrations_pkey")) RENAME TO schema_migrations_v1_pkey",
        ]
    }

    /// Old rows whose version is not in $1 (the versions this binary knows).
    var legacyUnknown: String {
        "SELECT version, file_name FROM \(schema.qualified("schema_migrations_v1")) WHERE version <> ALL($1::int4[]) ORDER BY version"
    }

    /// Old rows copied to their places: $1 old versions, $2 lines, $3 numbers, $4 file names.
    /// Checksums and application times travel unchanged.
    var legacyCopy: String {
        """
        INSERT INTO \(table) (line, version, file_name, checksum, applied_at)
        SELECT m.line, m.number, m.file_name, o.checksum, o.applied_at
        FROM \(schema.qualified("schema_migrations_v1")) o
        JOIN unnest($1::int4[], $2::text[], $3::int4[], $4::text[]) AS m(old, line, number, file_name) ON m.old = o.version
        """
    }

    var legacyDrop: String { "DROP TABLE \(schema.qualified("schema_migrations_v1"))" }

    /// Records the mode on first use only; the returned row is the mode in force.
    var recordMode: String {
        """
        WITH inserted AS (
            INSERT INTO \(schema.qualified("database_info")) (simulation) VALUES ($1)
            ON CONFLICT (singleton) DO NOTHING RETURNING simulation
        )
        SELECT simulation FROM inserted
        UNION ALL SELECT simulation FROM \(schema.qualified("database_info"))
        LIMIT 1
        """
    }

    var applied: String { "SELECT line, version, file_name, checksum, applied_at FROM \(table) ORDER BY line, version" }

    var appliedOne: String { "SELECT checksum FROM \(table) WHERE line = $1 AND version = $2" }

    /// SHA-256 of each file's text, computed by the server (no crypto dependency in the binary).
    var checksums: String {
        "SELECT encode(sha256(convert_to(t, 'UTF8')), 'hex') AS checksum FROM unnest($1::text[]) WITH ORDINALITY AS f(t, n) ORDER BY n"
    }

    var setSearchPath: String { "SET LOCAL search_path TO \(schema.quoted), public" }

    var record: String { "INSERT INTO \(table) (line, version, file_name, checksum) VALUES ($1, $2, $3, $4)" }
}
