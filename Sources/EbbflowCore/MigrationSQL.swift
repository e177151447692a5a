// Every SQL statement the migrator runs, in one place, qualified with the configured schema.

/// The migrator's SQL. The bootstrap tables live outside the numbered files because the
/// files' own bookkeeping must exist before the first file runs.
struct MigrationSQL: Sendable {
    let schema: SchemaName

    /// One lock per schema, held to the end of each migration transaction: ten pods starting
    /// at once queue here and each file is applied exactly once. A transaction-level lock
    /// (not a session one) also works through pgbouncer's transaction pooling.
    var lock: String { "SELECT pg_advisory_xact_lock(hashtext('ebbflow.migrate'), hashtext($1))" }

    var bootstrap: [String] {
        [
            "CREATE SCHEMA IF NOT EXISTS \(schema.quoted)",
            """
            CREATE TABLE IF NOT EXISTS \(schema.qualified("schema_migrations")) (
                version    integer PRIMARY KEY,
                file_name  text NOT NULL,
                checksum   text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
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

    var applied: String {
        "SELECT version, file_name, checksum, applied_at FROM \(schema.qualified("schema_migrations")) ORDER BY version"
    }

    var appliedOne: String {
        "SELECT checksum FROM \(schema.qualified("schema_migrations")) WHERE version = $1"
    }

    /// SHA-256 of each file's text, computed by the server (no crypto dependency in the binary).
    var checksums: String {
        "SELECT encode(sha256(convert_to(t, 'UTF8')), 'hex') AS checksum FROM unnest($1::text[]) WITH ORDINALITY AS f(t, n) ORDER BY n"
    }

    var setSearchPath: String { "SET LOCAL search_path TO \(schema.quoted), public" }

    var record: String {
        "INSERT INTO \(schema.qualified("schema_migrations")) (version, file_name, checksum) VALUES ($1, $2, $3)"
    }

    var schemaExists: String {
        "SELECT to_regclass($1) IS NOT NULL AS present"
    }
}
