// Several statements in one round trip with libpq's pipeline mode: how a transaction's BEGIN and COMMIT cost no round trip of their own.
import CLibPQ

/// One statement of a pipeline.
enum PipelineItem {
    /// A fixed command without parameters (BEGIN, COMMIT), prepared once per session too.
    case command(String)
    /// A parameterized statement, prepared once per session like any other.
    case statement(String, PGBindings)

    var sql: String {
        switch self {
        case .command(let text), .statement(let text, _): text
        }
    }
}

/// A pipeline's statements, encoded and prepared, ready to send.
struct PreparedPipeline {
    /// The statement cache's `deallocations` when preparing began.
    let generation: Int
    var items: [PipelineItem] = []
    var encoded: [EncodedParameters?] = []
    var names: [String?] = []
}

extension Optional where Wrapped == EncodedParameters {
    /// The parameter types of a pipeline item for its preparation: a command has none.
    mutating func withPointers<T>(_ item: PipelineItem, _ body: (UnsafePointer<UInt32>?, Int32) throws -> T) rethrows
        -> T
    {
        guard case .statement(_, let bindings) = item, self != nil else { return try body(nil, 0) }
        return try self!.withPointers { types, _, _, _ in try body(types, Int32(bindings.count)) }
    }
}

extension PGConnection {
    /// Runs a short transaction's statements with fewer round trips.
    ///
    /// Why: a job that does one UPDATE costs four round trips as plain calls (BEGIN, the
    /// UPDATE, its completion, COMMIT), and on a small machine each round trip is two thread
    /// wake-ups on each side, which is where a transactional queue's time goes. `withTransaction`
    /// therefore does not send BEGIN on its own: the first statement takes it along, and
    /// statements queued with `executeAtCommit` go with the COMMIT. Two round trips per job.
    ///
    /// A failure anywhere aborts the rest of the pipeline (PostgreSQL skips what follows an
    /// error up to the sync point) and is thrown as the failing statement's `PGError`; the
    /// transaction is then rolled back as usual.
    func pipeline(_ handle: ConnectionHandle, _ items: [PipelineItem]) throws -> [PGResult] {
        var prepared = PreparedPipeline(generation: deallocations)
        try prepare(handle, items, into: &prepared)
        try send(handle, prepared)
        guard PQpipelineSync(handle.pointer) == 1 else { throw abandonPipeline(handle) }
        return try collect(handle, items)
    }

    /// Encodes `items` and prepares those new to this session (PQprepare cannot run in pipeline
    /// mode), then appends them to `pipeline`; appends nothing when one cannot be prepared, so a
    /// caller can leave out the statements the server refuses.
    ///
    /// Commands are prepared too: a prepared BEGIN, SET LOCAL or COMMIT is not parsed again at
    /// each transaction, which a group commit sends three of per job (about 5 % of its drain).
    func prepare(_ handle: ConnectionHandle, _ items: [PipelineItem], into pipeline: inout PreparedPipeline) throws {
        // Each statement's parameters are encoded once, for both its preparation and its send.
        var encoded: [EncodedParameters?] = try items.map { (item) throws(PGError) in
            if case .statement(_, let bindings) = item { return try EncodedParameters(bindings) }
            return nil
        }
        let names = try items.indices.map { try preparedName(handle, items[$0], &encoded[$0]) }
        pipeline.items += items
        pipeline.encoded += encoded
        pipeline.names += names
    }

    /// Enters pipeline mode and sends a prepared pipeline without a sync point; the caller adds it.
    func send(_ handle: ConnectionHandle, _ pipeline: PreparedPipeline) throws {
        let items = pipeline.items
        var (encoded, names) = (pipeline.encoded, pipeline.names)
        // A full statement cache emptied while the pipeline was prepared dropped names taken
        // before: take them again (once; a pipeline of over 512 new statements is not ebbflow's).
        if deallocations != pipeline.generation {
            names = try items.indices.map { try preparedName(handle, items[$0], &encoded[$0]) }
        }
        guard PQenterPipelineMode(handle.pointer) == 1 else { throw lostOrUnexpected(handle) }
        for (index, item) in items.enumerated() {
            let sent: Int32
            switch item {
            case .command(let sql):
                if let name = names[index] {
                    sent = PQsendQueryPrepared(handle.pointer, name, 0, nil, nil, nil, 1)
                } else {
                    sent = PQsendQueryParams(handle.pointer, sql, 0, nil, nil, nil, nil, 1)
                }
            case .statement(let sql, let bindings):
                let count = Int32(bindings.count)
                sent = encoded[index]!.withPointers { types, values, lengths, formats in
                    if let name = names[index] {
                        return PQsendQueryPrepared(handle.pointer, name, count, values, lengths, formats, 1)
                    }
                    return PQsendQueryParams(handle.pointer, sql, count, types, values, lengths, formats, 1)
                }
            }
            guard sent == 1 else { throw abandonPipeline(handle) }
        }
    }

    /// Reads every result up to the sync point, leaves pipeline mode, then returns the results
    /// in order or throws the first error.
    private func collect(_ handle: ConnectionHandle, _ items: [PipelineItem]) throws -> [PGResult] {
        var results: [PGResult] = []
        var failure: (any Error)?
        while let raw = try nextPipelineResult(handle) {
            if PQresultStatus(raw) == PGRES_PIPELINE_ABORTED {
                PQclear(raw)
                continue
            }
            do {
                results.append(try checked(raw, handle, sql: items[min(results.count, items.count - 1)].sql))
            } catch {
                if let error = error as? PGError, error.sqlState == "26000" { forgetPreparedStatements() }
                failure = failure ?? error
            }
        }
        guard PQexitPipelineMode(handle.pointer) == 1 else { throw abandonPipeline(handle) }
        if let failure { throw failure }
        guard results.count == items.count else {
            throw PGError(.unexpected, "a pipeline of \(items.count) statements returned \(results.count) results")
        }
        return results
    }

    /// The name of a pipeline item prepared in this session, preparing it first if needed; nil
    /// when prepared statements are off.
    private func preparedName(_ handle: ConnectionHandle, _ item: PipelineItem, _ encoded: inout EncodedParameters?)
        throws -> String?
    {
        guard configuration.preparedStatements else { return nil }
        return try encoded.withPointers(item) { types, count in try preparedName(handle, item.sql, count, types) }
    }

    /// The next result of a pipeline, or nil at its sync point. Each statement's results end with
    /// a NULL; two NULLs in a row mean the connection went away.
    func nextPipelineResult(_ handle: ConnectionHandle) throws -> OpaquePointer? {
        var nullsInARow = 0
        while true {
            guard let raw = PQgetResult(handle.pointer) else {
                nullsInARow += 1
                if nullsInARow >= 2 { throw abandonPipeline(handle) }
                continue
            }
            if PQresultStatus(raw) == PGRES_PIPELINE_SYNC {
                PQclear(raw)
                return nil
            }
            return raw
        }
    }

    /// A pipeline that cannot be finished leaves libpq mid-protocol: drop the session (the next
    /// call outside a transaction opens a new one) and report it as lost.
    func abandonPipeline(_ handle: ConnectionHandle) -> PGError {
        let error = lostOrUnexpected(handle)
        close()
        return PGError(.connectionLost, error.message)
    }

    /// Queues a statement to run just before this transaction's COMMIT, in COMMIT's own round
    /// trip. For a last write whose result the caller does not need, such as a job's
    /// completion: if it fails, the transaction rolls back and `withTransaction` throws its
    /// error. To make "no row matched" a failure, the statement itself must raise.
    public func executeAtCommit(_ sql: String, _ bindings: PGBindings = []) {
        precondition(inTransactionBlock, "executeAtCommit needs an open withTransaction")
        statementsAtCommit.append((sql, bindings))
    }

    /// Ends `withTransaction`'s work: COMMIT with the queued statements in one round trip, or
    /// nothing at all when no statement was ever sent.
    func commitPipelined() throws {
        let owns = activity.begin(statementsAtCommit.first?.sql ?? "", label: "COMMIT")
        defer { if owns { activity.end() } }
        let queued = statementsAtCommit
        statementsAtCommit = []
        if queued.isEmpty {
            if pendingBegin != nil {
                pendingBegin = nil // the server never saw this transaction
                return
            }
            try simpleQuery("COMMIT")
            return
        }
        let handle = try liveHandle(sendingBegin: false)
        var items: [PipelineItem] = []
        if let begin = pendingBegin { items.append(.command(begin)) }
        pendingBegin = nil
        items += queued.map { .statement($0.sql, $0.bindings) }
        items.append(.command("COMMIT"))
        _ = try pipeline(handle, items)
    }
}
