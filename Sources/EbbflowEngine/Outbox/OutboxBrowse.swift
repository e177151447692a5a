// The outbox for the dashboard's Workers page: sends by state (capped), how long due sends have waited, the latest failures.
import EbbflowCore
import EbbflowQueue
import Foundation
import PostgresClient

/// Why capped, unlike `OutboxCounts` (/metrics): a simulation has no transport, so every send
/// it decides stays pending, and a page refreshed every 30 s must not count millions of rows.
/// Each figure reads at most `cap` rows of a partial index (`sends_leasable`, `sends_leased`,
/// `sends_dead`; engine 0029, 0031). `sent` and `cancelled` are history, unindexed, not counted.
public struct OutboxBrowse: Sendable {
    let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    public static let defaultCap = 100_000
    /// Due sends whose age is bucketed: the oldest this many open sends by id (and as many
    /// lapsed leases), each a heap read; the oldest due send is among them.
    public static let ageSample = 10_000
    /// Failures listed per kind (dead, failed).
    public static let recentLimit = 20

    /// Counts, due ages and recent failures, read in the caller's transaction at one
    /// `clock_now()`.
    public func read(cap: Int = OutboxBrowse.defaultCap, on connection: isolated PGConnection) throws -> OutboxSnapshot
    {
        guard (1...1_000_000).contains(cap) else {
            throw BoundError(field: "cap", value: String(cap), bound: "must be 1...1000000")
        }
        let sql = OutboxBrowseSQL(schema: schema)
        let counts = try connection.query(sql.counts, [cap + 1]).first!
        let now: Date = try counts.decode("now")
        var byState: [String: CappedCount] = [:]
        for state in ["leased", "expired", "dead"] {
            let counted: Int = try counts.decode(state)
            byState[state] = CappedCount(value: min(counted, cap), capped: counted > cap)
        }
        // Pending and failed from one scan of at most cap + 1 open sends: past the cap both
        // are counts among the first cap + 1 (lower bounds).
        let open: Int = try counts.decode("open")
        for state in ["pending", "failed"] {
            let counted: Int = try counts.decode(state)
            byState[state] = CappedCount(value: min(counted, cap), capped: open > cap)
        }
        let sample = min(cap, Self.ageSample)
        let ages = try connection.query(sql.dueAges, [now, sample]).first!
        let scanned: Int = try ages.decode("open_scanned")
        let expiredScanned: Int = try ages.decode("expired_scanned")
        let dueAges = OutboxDueAges(
            underMinute: try ages.decode("minute"), underHour: try ages.decode("hour"),
            underDay: try ages.decode("day"),
            older: try ages.decode("older"), capped: scanned >= sample || expiredScanned >= sample)
        let oldest: Double? = try ages.decode("oldest")
        let dead = try connection.query(sql.recentDead, [Self.recentLimit]).rows.map(OutboxFailure.init)
        let failed = try connection.query(sql.recentFailed, [Self.recentLimit, cap]).rows.map(OutboxFailure.init)
        return OutboxSnapshot(
            now: now, byState: byState, oldestDueSeconds: oldest.map { max(0, $0) }, dueAges: dueAges,
            recentDead: dead, recentFailed: failed)
    }
}

/// The outbox as the Workers page shows it.
public struct OutboxSnapshot: Sendable {
    /// The business clock (`clock_now()`) the ages are measured by.
    public var now: Date
    /// `pending`, `leased`, `expired` (a lapsed lease the next lease takes back), `failed`,
    /// `dead`, each capped (pending and failed: when more than the cap are open, both are
    /// counted among the first cap + 1 open sends, lower bounds).
    public var byState: [String: CappedCount]
    /// Seconds the oldest due send has waited (among those `dueAges` read); nil when none is due.
    public var oldestDueSeconds: Double?
    public var dueAges: OutboxDueAges
    /// Newest first, at most 20 each.
    public var recentDead: [OutboxFailure]
    public var recentFailed: [OutboxFailure]
}

/// Due sends (pending or failed past `at` and `not_before`, and lapsed leases) by how long
/// they have waited. Read among the oldest `OutboxBrowse.ageSample` open sends by id (ids
/// follow decision time, so the oldest due are among them) and as many oldest lapsed leases.
public struct OutboxDueAges: Sendable, Hashable {
    public var underMinute: Int
    public var underHour: Int
    public var underDay: Int
    public var older: Int
    /// More open sends exist than were read: the buckets are lower bounds.
    public var capped: Bool

    public init(underMinute: Int, underHour: Int, underDay: Int, older: Int, capped: Bool) {
        self.underMinute = underMinute
        self.underHour = underHour
        self.underDay = underDay
        self.older = older
        self.capped = capped
    }
}

/// A dead or failed send with its last error.
public struct OutboxFailure: Sendable, Hashable {
    public var id: Int64
    public var externalID: String
    public var state: String
    public var flow: String
    public var step: Int
    public var template: String
    public var attempts: Int
    /// When the send was due.
    public var at: Date
    /// When it died (nil for a failed send, which will be tried again).
    public var finishedAt: Date?
    /// When a failed send may be tried again.
    public var notBefore: Date?
    public var lastError: String?

    init(_ row: PGRow) throws {
        id = try row.decode("id")
        externalID = try row.decode("external_id")
        state = try row.decode("state")
        flow = try row.decode("flow")
        step = try row.decode("step")
        template = try row.decode("template")
        attempts = try row.decode("attempts")
        at = try row.decode("at")
        finishedAt = try row.decode("finished_at")
        notBefore = try row.decode("not_before")
        lastError = try row.decode("last_error")
    }
}

/// The statements of `OutboxBrowse`, each bounded by its partial index and a LIMIT.
struct OutboxBrowseSQL: Sendable {
    let schema: SchemaName
    var sends: String { schema.qualified("sends") }
    var contacts: String { schema.qualified("contacts") }

    /// Each state counted to at most $1 rows: `pending` and `failed` from one scan of at most
    /// $1 open sends over `sends_leasable` (each row's state read from the heap: a simulation
    /// has only pending sends, so counting `failed` alone would read them all), `leased` and
    /// `expired` as the two sides of `sends_leased (lease_expires_at)` around the clock, `dead`
    /// over `sends_dead` (index-only).
    var counts: String {
        let now = "(SELECT now FROM clock)"
        func capped(_ name: String, _ condition: String) -> String {
            "(SELECT count(*) FROM (SELECT 1 FROM \(sends) WHERE \(condition) LIMIT $1) c) AS \(name)"
        }
        return """
            WITH clock AS MATERIALIZED (SELECT \(schema.qualified("clock_now"))() AS now),
            open AS MATERIALIZED (SELECT state FROM \(sends) WHERE state IN ('pending', 'failed') ORDER BY id LIMIT $1)
            SELECT \(now) AS now,
                   (SELECT count(*) FROM open) AS open,
                   (SELECT count(*) FROM open WHERE state = 'pending') AS pending,
                   (SELECT count(*) FROM open WHERE state = 'failed') AS failed,
                   \(capped("leased", "state = 'leased' AND lease_expires_at > \(now)")),
                   \(capped("expired", "state = 'leased' AND lease_expires_at <= \(now)")),
                   \(capped("dead", "state = 'dead'"))
            """
    }

    /// Ages at $1 (the clock) of the due sends among the oldest $2 open ones by id
    /// (`sends_leasable` in order) and the $2 oldest lapsed leases (`sends_leased` in order).
    var dueAges: String {
        """
        WITH open AS MATERIALIZED (
            SELECT greatest(at, coalesce(not_before, at)) AS due FROM \(sends)
            WHERE state IN ('pending', 'failed') ORDER BY id LIMIT $2
        ), expired AS MATERIALIZED (
            SELECT lease_expires_at AS due FROM \(sends)
            WHERE state = 'leased' AND lease_expires_at <= $1 ORDER BY lease_expires_at LIMIT $2
        ), due AS (
            SELECT extract(epoch FROM $1::timestamptz - due)::float8 AS age
            FROM (SELECT due FROM open UNION ALL SELECT due FROM expired) d WHERE due <= $1
        )
        SELECT count(*) FILTER (WHERE age < 60) AS minute,
               count(*) FILTER (WHERE age >= 60 AND age < 3600) AS hour,
               count(*) FILTER (WHERE age >= 3600 AND age < 86400) AS day,
               count(*) FILTER (WHERE age >= 86400) AS older,
               max(age) AS oldest,
               (SELECT count(*) FROM open) AS open_scanned,
               (SELECT count(*) FROM expired) AS expired_scanned
        FROM due
        """
    }

    static let failureColumns = """
        s.id, c.external_id, s.state, s.flow, s.step, s.template, s.attempts, s.at, s.finished_at, s.not_before, s.last_error
        """

    /// The newest $1 dead sends: `sends_dead (id)` backward, then each one's contact by primary key.
    var recentDead: String {
        """
        SELECT \(Self.failureColumns)
        FROM (SELECT * FROM \(sends) WHERE state = 'dead' ORDER BY id DESC LIMIT $1) s
        JOIN \(contacts) c ON c.id = s.contact_id
        ORDER BY s.id DESC
        """
    }

    /// The newest $1 failed sends among the newest $2 open ones (`sends_leasable (id)`
    /// backward, read lazily: it stops at $1 failures), then each one's contact by primary key.
    var recentFailed: String {
        """
        SELECT \(Self.failureColumns)
        FROM (
            SELECT * FROM (
                SELECT * FROM \(sends) WHERE state IN ('pending', 'failed') ORDER BY id DESC LIMIT $2
            ) o WHERE o.state = 'failed' ORDER BY o.id DESC LIMIT $1
        ) s
        JOIN \(contacts) c ON c.id = s.contact_id
        ORDER BY s.id DESC
        """
    }
}
