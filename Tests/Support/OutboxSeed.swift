// Pending sends for outbox tests: contacts c-1… with one welcome send each, written straight into a migrated schema.
import PostgresClient

/// Why shared: the outbox's tests (engine, CLI, HTTP) all start from the same few pending
/// sends; one seed keeps their contacts and sends alike.
public enum OutboxSeed {
    /// `contacts` contacts `c-1`, `c-2`… (`c1@example.com`, segment retail, created at the
    /// database clock), each with one pending `welcome` send of `welcome_1`, due `dueSecondsAgo`
    /// before the database clock, in contact order (so send ids follow contact numbers).
    public static func pendingSends(
        _ contacts: Int, schema: String, dueSecondsAgo: Int = 60, on connection: PGConnection
    ) async throws {
        try await connection.simpleQuery(
            """
            INSERT INTO \(schema).contacts (external_id, email, segment, status_changed_at, created_at)
            SELECT 'c-' || g, 'c' || g || '@example.com', 'retail', \(schema).clock_now(), \(schema).clock_now()
            FROM generate_series(1, \(contacts)) g;
            INSERT INTO \(schema).sends (contact_id, flow, step, template, channel, at)
            SELECT id, 'welcome', 1, 'welcome_1', 'email', \(schema).clock_now() - interval '\(dueSecondsAgo) seconds'
            FROM \(schema).contacts ORDER BY id;
            """)
    }
}
