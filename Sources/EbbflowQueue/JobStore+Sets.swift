// Jobs enqueued from the rows of a caller's SELECT, and pending jobs cancelled by subject, set-based.
import EbbflowCore
import Foundation
import PostgresClient

/// The columns a caller's SELECT gives `JobStore.enqueue(_:rowsOf:…)` besides the two every row
/// has, `args` (jsonb) and `run_at` (timestamptz).
public struct SetEnqueueColumns: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// `subject` (text): what the job is about, for `cancelPending(kinds:subjects:…)`.
    public static let subject = SetEnqueueColumns(rawValue: 1)
    /// `unique_key` (text): a row whose key an unfinished job holds inserts nothing.
    public static let uniqueKey = SetEnqueueColumns(rawValue: 2)
}

extension JobStore {
    /// Enqueues one job of kind `J.kind` per row of `select`, in one statement, and wakes the
    /// queue's workers when any is due. `select` is the caller's (fixed SQL, no text from
    /// input) with parameters `$1…$n` bound from `parameters`; its rows have `args` and
    /// `run_at` and the `columns` asked for. A row due at or before `now` is `available`, a
    /// later one `scheduled`; `created_at` is `now`. Returns how many jobs were inserted.
    ///
    /// Why the queue wraps the caller's rows rather than the caller inserting them: the
    /// queue's columns, states, kinds and NOTIFY stay the queue's, and a set-based caller (a
    /// flow's enrolment, a stream's first steps) still makes all its jobs in one statement.
    @discardableResult
    public func enqueue<J: JobKind>(
        _ job: J.Type, rowsOf select: String, _ parameters: PGBindings, columns: SetEnqueueColumns = [],
        now: Date, queue: String = "default", on connection: isolated PGConnection
    ) throws -> Int {
        try QueueName.check(queue)
        let first = parameters.count + 1
        let statement = """
            WITH ins AS (
                \(insertStatement(rowsOf: select, columns: columns, firstParameter: first))
                RETURNING state
            ), woken AS (
                SELECT pg_notify($\(first + 3)::text, $\(first + 2)::text) FROM (SELECT 1 FROM ins WHERE state = 'available' LIMIT 1) AS due
            )
            SELECT (SELECT count(*) FROM ins) AS inserted, (SELECT count(*) FROM woken) AS woken
            """
        let bindings = parameters + Self.insertBindings(J.self, now: now, queue: queue) + [sql.channel]
        return try connection.query(statement, bindings).first!.decode("inserted")
    }

    /// The same insert as `enqueue(_:rowsOf:…)` as SQL text, for a caller that must run it as a
    /// step (a CTE) of a statement of its own; it binds `insertBindings` from `$firstParameter`
    /// (kind, now, queue). It wakes no worker: for jobs due later, or with a `notify` after.
    public func insertStatement(rowsOf select: String, columns: SetEnqueueColumns = [], firstParameter first: Int)
        -> String
    {
        let subject = columns.contains(.subject) ? "s.subject" : "NULL"
        let uniqueKey = columns.contains(.uniqueKey) ? "s.unique_key" : "NULL"
        let conflict =
            columns.contains(.uniqueKey) ? "\nON CONFLICT (unique_key) WHERE unique_key IS NOT NULL DO NOTHING" : ""
        return """
            INSERT INTO \(sql.jobs) (state, queue, kind, args, run_at, created_at, subject, unique_key)
            SELECT CASE WHEN s.run_at > $\(first + 1)::timestamptz THEN 'scheduled' ELSE 'available' END::\(schema.qualified("job_state")),
                   $\(first + 2)::text, $\(first)::text, s.args, s.run_at, $\(first + 1)::timestamptz, \(subject), \(uniqueKey)
            FROM (\(select)) AS s\(conflict)
            """
    }

    /// What `insertStatement` binds from its first parameter on: the kind of `J`, now, the queue.
    public static func insertBindings<J: JobKind>(_ job: J.Type, now: Date, queue: String = "default") -> PGBindings {
        [J.kind, now, queue]
    }

    /// Cancels the pending (not running) jobs of `kinds` whose subject is one of `subjects`:
    /// moved to `finished_jobs` as cancelled, with `reason` in their errors, at `now`.
    /// Returns how many. Indexed by subject, so it is cheap in an event's own transaction.
    @discardableResult
    public func cancelPending(
        kinds: [any JobKind.Type], subjects: [String], now: Date, reason: String,
        on connection: isolated PGConnection
    ) throws -> Int {
        try connection.execute(
            sql.cancelPending(where: "subject = ANY($1::text[])"), [subjects, kinds.map { $0.kind }, now, reason])
    }

    /// Cancels the pending jobs of `kinds` whose args contain `args` (jsonb `@>`), like
    /// `cancelPending(kinds:subjects:…)`. Not indexed: for rare operator actions (removing a flow).
    @discardableResult
    public func cancelPending(
        kinds: [any JobKind.Type], argsContaining args: PGJSON, now: Date, reason: String,
        on connection: isolated PGConnection
    ) throws -> Int {
        try connection.execute(
            sql.cancelPending(where: "args @> $1::jsonb"), [args.text, kinds.map { $0.kind }, now, reason])
    }

    /// A condition, for a caller's own SQL, that an unfinished job (any state, running too) of
    /// kind `$kindParameter` has the subject given by the SQL expression `subject`.
    public func unfinishedJobExists(subject: String, kindParameter: Int) -> String {
        "EXISTS (SELECT 1 FROM \(sql.jobs) j WHERE j.subject = \(subject) AND j.kind = $\(kindParameter)::text)"
    }
}
