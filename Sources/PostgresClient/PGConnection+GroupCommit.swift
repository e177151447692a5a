// Many short write transactions in one round trip, made durable by one WAL flush for all of them.
import CLibPQ

/// A statement with its parameters, handed over to run later (in a group commit).
public struct PGStatement: Sendable {
    public var sql: String
    public var bindings: PGBindings

    public init(_ sql: String, _ bindings: PGBindings = []) {
        self.sql = sql
        self.bindings = bindings
    }
}

/// What became of one transaction of a `commitGroup`.
public enum PGGroupOutcome: Sendable {
    /// Committed, and durable by the time `commitGroup` returned.
    case committed
    /// A statement failed; the transaction rolled back.
    case failed(PGError)
    /// Never ran: an earlier transaction of the group failed, and PostgreSQL skips everything
    /// after an error up to the group's sync point. Safe to send again.
    case notRun

    public var isCommitted: Bool {
        if case .committed = self { return true }
        return false
    }
}

extension PGConnection {
    /// Runs independent write-only transactions, each atomic on its own, in one round trip;
    /// returns once every committed one is durable.
    ///
    /// Why: a queue that commits each job in its own round trip pays, per job, a round trip
    /// (four thread wake-ups on a small machine) and a wait for the disk flush. Here the
    /// transactions of many jobs travel together and commit with `synchronous_commit` off, and
    /// the group ends with one commit that waits for the WAL flush under the session's own
    /// setting (`flushingCommit`). The WAL is one sequence and the statements ran in order on
    /// one backend, so that flush covers every commit record before it, and nothing is
    /// reported committed before it.
    /// A crash before that flush may lose any of the group's commits (the WAL writer may have
    /// flushed some), each as if it never committed: each transaction is atomic, so no half of
    /// one survives, and none of them was reported committed.
    ///
    /// The group has one sync point, so a pooler in transaction mode (pgbouncer) keeps all of
    /// it on one server connection. The price: when a transaction fails, PostgreSQL skips the
    /// ones after it (`notRun`), and the caller sends those again; the closing flush is skipped
    /// too, so one more round trip runs it before this returns.
    ///
    /// Statements cannot return rows to the caller: a transaction that must read first is an
    /// ordinary `withTransaction`.
    ///
    /// `lockTimeout`: how long one transaction's statement may wait for a lock. The group's
    /// transactions run one after another, so one waiting on a row another session holds would
    /// hold back every transaction after it; with the bound it fails alone (SQLSTATE 55P03) and
    /// the rest are sent again.
    public func commitGroup(_ transactions: [[PGStatement]], lockTimeout: Duration = .seconds(5)) throws
        -> [PGGroupOutcome]
    {
        precondition(!inTransactionBlock, "commitGroup runs transactions of its own")
        guard !transactions.isEmpty else { return [] }
        let owns = activity.begin(transactions.first { !$0.isEmpty }?.first?.sql ?? "", label: "group commit")
        defer { if owns { activity.end() } }
        let handle = try liveHandle(sendingBegin: false)
        var outcomes = [PGGroupOutcome](repeating: .notRun, count: transactions.count)
        var prepared = PreparedPipeline(generation: deallocations)
        var owner: [Int?] = [] // the transaction of each item; nil for the closing flush
        var commitItems = Set<Int>()
        // One command per transaction for both settings, prepared once per session and timeout:
        // bound as a parameter instead, the timeout cost the drain about 5 % (counter 2 × 10,
        // side by side). The literal is an integer this function formats, never caller text.
        // Clamped to a day: `seconds * 1_000` of a huge timeout would trap.
        let milliseconds = max(
            1,
            min(lockTimeout.components.seconds, 86_400) * 1_000 + lockTimeout.components.attoseconds
                / 1_000_000_000_000_000)
        let settings = PipelineItem.command(
            "SELECT FROM pg_catalog.set_config('synchronous_commit', 'off', true) AS s, pg_catalog.set_config('lock_timeout', '\(milliseconds)ms', true) AS l"
        )
        for (index, statements) in transactions.enumerated() {
            let own: [PipelineItem] =
                [.command("BEGIN"), settings]
                + statements.map { .statement($0.sql, $0.bindings) } + [.command("COMMIT")]
            // A statement the server refuses to prepare (a syntax error, an unknown column), or
            // a value that cannot be bound (encoded first, before anything is prepared), fails
            // its own transaction here, not the whole group at the pipeline's start.
            do {
                try prepare(handle, own, into: &prepared)
            } catch let error as PGError where error.kind == .server || error.kind == .encoding {
                outcomes[index] = .failed(error)
                continue
            }
            commitItems.insert(prepared.items.count - 1)
            owner += repeatElement(Optional(index), count: prepared.items.count - owner.count)
        }
        guard !prepared.items.isEmpty else { return outcomes }
        // Unnamed: a failure to prepare it must not fail the group (it runs once per group).
        prepared.items.append(.command(Self.flushingCommit))
        prepared.encoded.append(nil)
        prepared.names.append(nil)
        owner.append(nil)
        let items = prepared.items
        do {
            try send(handle, prepared)
        } catch let error as PGError where error.kind == .server {
            return outcomes // refused while preparing again, before anything was sent: none ran
        }
        guard PQpipelineSync(handle.pointer) == 1 else { throw abandonPipeline(handle) }
        var flushed = false
        try collectGroup(handle, items) { item, result in
            guard let transaction = owner[item] else {
                flushed = (try? result.get()) != nil
                return
            }
            switch result {
            case .success where commitItems.contains(item): outcomes[transaction] = .committed
            case .success: break
            // The server forgot a prepared statement (DISCARD ALL, a pooler): nothing of this
            // transaction ran, and it is prepared again when sent again.
            case .failure(let error) where error.sqlState == "26000": break
            case .failure(let error): outcomes[transaction] = .failed(error)
            }
        }
        guard PQexitPipelineMode(handle.pointer) == 1 else { throw abandonPipeline(handle) }
        // A failed transaction is left open and aborted at the sync point. Twice: a cancel meant
        // for this group's statements may land on the first ROLLBACK.
        rollbackQuietly()
        if transactionStatus != .idle { rollbackQuietly() }
        if !flushed && outcomes.contains(where: \.isCommitted) {
            // On this session only: a new one (after a crash and recovery) would flush nothing
            // of the commits that made this call's answer. A stray cancel (57014) is retried:
            // the flush changes nothing else.
            for attempt in 1...3 {
                guard !handle.isBroken else {
                    throw PGError(
                        .connectionLost,
                        "the connection was lost before a group of commits was flushed; whether they survived is unknown"
                    )
                }
                do {
                    _ = try checked(PQexec(handle.pointer, Self.flushingCommit), handle, sql: Self.flushingCommit)
                    break
                } catch let error as PGError where error.sqlState == "57014" && attempt < 3 {
                    continue
                }
            }
        }
        return outcomes
    }

    /// A commit that waits for the WAL flush: a transactional logical-decoding message gives the
    /// transaction an id and a WAL record of its own. (An id alone is not enough: PostgreSQL does
    /// not flush at the commit of a transaction that wrote no WAL.) Callable by any role, at any
    /// `wal_level`. A logical decoding client that streams messages (a CDC tool) sees one
    /// small message with the prefix `ebbflow.group_commit` per group, which it can filter.
    static let flushingCommit = "SELECT pg_catalog.pg_logical_emit_message(true, 'ebbflow.group_commit', '')"

    /// Reads the group's results up to its sync point, reporting each statement that ran
    /// (skipped ones are left out).
    private func collectGroup(
        _ handle: ConnectionHandle, _ items: [PipelineItem],
        _ report: (Int, Result<Void, PGError>) -> Void
    ) throws {
        var position = 0
        while let raw = try nextPipelineResult(handle) {
            guard position < items.count else {
                PQclear(raw)
                throw abandonPipeline(handle)
            }
            let item = position
            position += 1
            if PQresultStatus(raw) == PGRES_PIPELINE_ABORTED {
                PQclear(raw)
                continue
            }
            do {
                _ = try checked(raw, handle, sql: items[item].sql)
                report(item, .success(()))
            } catch let error as PGError {
                if error.kind == .connectionLost { throw abandonPipeline(handle) }
                if error.sqlState == "26000" { forgetPreparedStatements() }
                report(item, .failure(error))
            }
        }
    }
}

extension PGConnection {
    /// Runs one statement in a transaction of its own with `settings` in force (`SET LOCAL`),
    /// all in one round trip; inside an open `withTransaction` it is an ordinary `query`, with
    /// the enclosing transaction's settings.
    ///
    /// For a statement that needs a setting of its own and no extra round trip for it, such as
    /// a queue's claim: `synchronous_commit` off (a claim lost in a server crash leaves its jobs
    /// available, and any later synchronous commit, such as a job's completion, flushes the WAL
    /// through it), and a plan choice (`plan_cache_mode`).
    public func queryInOwnTransaction(
        _ sql: String, _ bindings: PGBindings = [], settings: KeyValuePairs<String, String>
    ) throws -> PGResult {
        if inTransactionBlock { return try query(sql, bindings) }
        let owns = activity.begin(sql, label: "")
        defer { if owns { activity.end() } }
        let handle = try liveHandle(sendingBegin: false)
        let apply = PipelineItem.statement(
            "SELECT pg_catalog.set_config(name, value, true) FROM unnest($1::text[], $2::text[]) AS s(name, value)",
            [settings.map(\.key), settings.map(\.value)])
        for attempt in 1...2 {
            do {
                return try pipeline(handle, [.command("BEGIN"), apply, .statement(sql, bindings), .command("COMMIT")])[
                    2]
            } catch let error as PGError where error.sqlState == "26000" && attempt == 1 {
                rollbackQuietly() // the server forgot a prepared statement: nothing committed; prepare again
            } catch {
                rollbackQuietly()
                throw error
            }
        }
        preconditionFailure("the second attempt returns or throws")
    }
}
