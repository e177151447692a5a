// One PostgreSQL connection as an actor whose methods run on the connection's own thread.
import CLibPQ
import Foundation
public import Logging

/// A connection to PostgreSQL.
///
/// All methods run on the connection's dedicated thread (see `ThreadExecutor` for why), so
/// no libpq call ever blocks Swift's cooperative pool. Inside `withTransaction` or `run`, the
/// closure gets the connection `isolated`: its statements are plain synchronous calls on that
/// thread, with no hop per statement.
///
/// A broken connection is reported once, to the call in flight, as `PGError.Kind.connectionLost`;
/// the next call outside a transaction opens a fresh one.
public actor PGConnection {
    private let executor: ThreadExecutor
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    public nonisolated let configuration: PGConfiguration
    let logger: Logger
    private let redactor: Redactor
    private var handle: ConnectionHandle?
    /// Prepared statements of this session, by text and parameter types.
    private var statements: [StatementKey: String] = [:]
    private var nextStatementNumber = 0
    /// Channels to LISTEN on again after a reconnect.
    var channels: Set<String> = []
    /// True inside `withTransaction`: a lost connection must not silently reconnect mid-transaction.
    var inTransactionBlock = false
    /// The BEGIN of the open `withTransaction`, not sent yet: it rides in the same round trip
    /// as the transaction's first statement (see PGConnection+Pipeline.swift).
    var pendingBegin: String?
    /// Statements to run just before COMMIT, in COMMIT's round trip.
    var statementsAtCommit: [(sql: String, bindings: PGBindings)] = []
    /// Interrupts a notification wait from another thread.
    nonisolated let waker: Waker
    /// A lock-protected copy of the handle for `cancel()` from other threads.
    private nonisolated let cancelTarget = CancelTarget()
    /// The statement this connection waits on, for the stall monitor (`StatementActivity`).
    nonisolated let activity: StatementSlot

    /// Statement cache bound: ebbflow's SQL is a fixed set, so hitting this means a bug.
    private static let maxPreparedStatements = 512

    init(configuration: PGConfiguration, logger: Logger, watched: Bool = true) {
        self.configuration = configuration
        self.logger = logger
        self.redactor = Redactor(conninfo: configuration.conninfo, password: configuration.password)
        self.executor = ThreadExecutor(name: "pg-connection")
        self.waker = Waker()
        self.activity = StatementActivity.registry.add(cancelTarget: cancelTarget)
        if !watched { activity.setWatched(false) }
    }

    deinit {
        StatementActivity.registry.remove(activity)
    }

    /// Opens a connection; throws `PGError.Kind.connectionFailed` with one safe line.
    public static func connect(
        _ configuration: PGConfiguration, logger: Logger = Logger(label: "ebbflow.postgres")
    ) async throws -> PGConnection {
        try await connect(configuration, logger: logger, watched: true)
    }

    /// `connect`, with statements the stall monitor ignores when `watched` is false (its own probe).
    static func connect(_ configuration: PGConfiguration, logger: Logger, watched: Bool) async throws -> PGConnection {
        let connection = PGConnection(configuration: configuration, logger: logger, watched: watched)
        try await connection.open()
        return connection
    }

    /// Closes the connection now rather than when the last reference goes.
    public func close() {
        handle = nil
        pendingBegin = nil
        statementsAtCommit = []
        cancelTarget.set(nil)
        activity.setBackendPID(0)
        statements.removeAll()
    }

    // MARK: - Connecting

    private func open() throws {
        // Refused before libpq sees it: libpq would read a mistyped URL as a database name and
        // quote it, password included, in its error.
        try configuration.validate()
        let owns = activity.begin("", label: "connecting")
        defer { if owns { activity.end() } }
        let parameters = configuration.connectParameters()
        let (keywords, values) = (parameters.map(\.keyword), parameters.map(\.value))
        let pointer = withCStrings(keywords) { keywordPointers in
            withCStrings(values) { valuePointers in
                PQconnectdbParams(keywordPointers, valuePointers, 1)
            }
        }
        guard let pointer else { throw PGError(.connectionFailed, "libpq could not allocate a connection") }
        let candidate = ConnectionHandle(pointer, logger: logger)
        guard !candidate.isBroken else {
            let host = PQhost(pointer).map { String(cString: $0) } ?? "?"
            let database = PQdb(pointer).map { String(cString: $0) } ?? "?"
            let user = PQuser(pointer).map { String(cString: $0) } ?? "?"
            let reason = redactor.redacted(candidate.errorMessage)
            // All of it redacted: a mistyped URL can reach libpq as a database name, password included.
            throw PGError(
                .connectionFailed,
                redactor.redacted(
                    "could not connect to database \"\(database)\" on host \"\(host)\" as user \"\(user)\": \(reason)"))
        }
        handle = candidate
        cancelTarget.set(candidate)
        activity.setBackendPID(candidate.backendPID)
        statements.removeAll()
        logger.debug("connected", metadata: ["backend_pid": "\(candidate.backendPID)"])
    }

    /// Set after a committed `withTransaction`, cleared by the next statement: lets a pool take
    /// the connection back without a hop to this thread to check for an open transaction.
    nonisolated let knownIdle = IdleFlag()

    /// The live handle, reconnecting first if the last call found the connection broken.
    /// Sends a pending BEGIN first unless the caller will pipeline it (`sendingBegin: false`).
    func liveHandle(sendingBegin: Bool = true) throws -> ConnectionHandle {
        if cancelTarget.takePending() {
            throw PGError(.server, "canceling statement due to user request (before it was sent)", sqlState: "57014")
        }
        knownIdle.set(false)
        if let handle, !handle.isBroken {
            if sendingBegin, let begin = pendingBegin {
                pendingBegin = nil
                _ = try checked(PQexec(handle.pointer, begin), handle, sql: begin)
            }
            return handle
        }
        // Nothing of a transaction whose BEGIN is still pending reached the server: reconnecting is safe.
        if inTransactionBlock, handle != nil, pendingBegin == nil {
            throw PGError(.connectionLost, "the connection was lost inside a transaction; the transaction is gone")
        }
        logger.info("reconnecting to PostgreSQL")
        handle = nil
        let begin = pendingBegin
        pendingBegin = nil
        try open()
        for channel in channels { try simpleQuery("LISTEN \(try quoteIdentifier(channel))") }
        pendingBegin = begin
        return try liveHandle(sendingBegin: sendingBegin)
    }

    // MARK: - Status

    /// The server process serving this connection (for `pg_terminate_backend` in tests).
    public func backendPID() throws -> Int32 { try liveHandle().backendPID }

    public var transactionStatus: PGTransactionStatus { handle?.transactionStatus ?? .unknown }

    /// Whether a transaction is open: `withTransaction`'s (even before its BEGIN, which rides
    /// with the first statement, reached the server) or one begun by hand. For code that must
    /// run several statements atomically and opens a transaction only when none is open.
    public var isInTransaction: Bool {
        inTransactionBlock || transactionStatus == .inTransaction || transactionStatus == .failedTransaction
    }

    /// False once the connection is known broken; a pool discards such connections.
    public var isUsable: Bool { handle.map { !$0.isBroken } ?? false }

    /// True when called on this connection's own thread (for tests of the threading rule).
    nonisolated var isOnOwnThread: Bool { executor.isCurrentThread }

    /// Asks the server to cancel the statement this connection is running. Safe from any thread;
    /// the running call then fails with SQLSTATE 57014.
    public nonisolated func cancelRunningStatement() { cancelTarget.cancel() }

    /// Records a cancel for the statement this connection runs next, for a cancel that may find
    /// no statement running: the server ignores a cancel request that reaches an idle
    /// connection, so a statement starting after it would run unbounded. Until withdrawn, the
    /// next statement to start fails with SQLSTATE 57014 without being sent, unless a running
    /// statement ends with 57014 first (the request reached it). Pair with
    /// `cancelRunningStatement()` for one already running, and withdraw with `withdrawCancel()`
    /// before the connection serves anyone else. Safe from any thread.
    public nonisolated func requestCancel() { cancelTarget.setPending(true) }

    /// Forgets a cancel recorded by `requestCancel()` that no statement consumed.
    public nonisolated func withdrawCancel() { cancelTarget.setPending(false) }

    /// Whether this connection's statements count for the stall monitor (`StatementActivity`);
    /// calls nest: `false` twice needs `true` twice. For statements something else bounds and
    /// that may rightly take long: a job handler's, under the job timeout. Safe from any thread.
    public nonisolated func watchStatements(_ watched: Bool) { activity.setWatched(watched) }

    /// The value libpq uses for a connection option (`keepalives_idle`, `connect_timeout`…), as
    /// `PQconninfo` reports it; nil when unset or not connected. For checks and tests.
    public func optionInEffect(_ keyword: String) -> String? {
        guard let handle, let options = PQconninfo(handle.pointer) else { return nil }
        defer { PQconninfoFree(options) }
        var option = options
        while let name = option.pointee.keyword {
            if String(cString: name) == keyword { return option.pointee.val.map { String(cString: $0) } }
            option += 1
        }
        return nil
    }

    // MARK: - Statements

    /// Runs a parameterized statement and returns its rows.
    @discardableResult
    public func query(_ sql: String, _ bindings: PGBindings = []) throws -> PGResult {
        let owns = activity.begin(sql, label: "")
        defer { if owns { activity.end() } }
        let handle = try liveHandle(sendingBegin: false)
        if let begin = pendingBegin {
            pendingBegin = nil
            return try pipeline(handle, [.command(begin), .statement(sql, bindings)]).last!
        }
        var parameters = try EncodedParameters(bindings)
        return try parameters.withPointers { types, values, lengths, formats in
            let count = Int32(bindings.count)
            if configuration.preparedStatements {
                return try executePrepared(handle, sql, count, types, values, lengths, formats, retryIfMissing: true)
            }
            let raw = PQexecParams(handle.pointer, sql, count, types, values, lengths, formats, 1)
            return try checked(raw, handle, sql: sql)
        }
    }

    /// Runs a statement for its effect; returns the affected row count.
    @discardableResult
    public func execute(_ sql: String, _ bindings: PGBindings = []) throws -> Int {
        try query(sql, bindings).affectedRows
    }

    /// Runs one or more statements separated by semicolons, without parameters (simple
    /// protocol). For migration files and fixed commands such as `BEGIN`, never for input.
    public func simpleQuery(_ sql: String) throws {
        let owns = activity.begin(sql, label: "")
        defer { if owns { activity.end() } }
        let handle = try liveHandle()
        _ = try checked(PQexec(handle.pointer, sql), handle, sql: sql)
    }

    /// The name of `sql` prepared for these parameter types in this session, preparing it
    /// first if needed (one round trip, once per session).
    func preparedName(_ handle: ConnectionHandle, _ sql: String, _ count: Int32, _ types: UnsafePointer<Oid>?) throws
        -> String
    {
        let key = StatementKey(sql: sql, types: Array(UnsafeBufferPointer(start: types, count: Int(count))))
        if let known = statements[key] { return known }
        if statements.count >= Self.maxPreparedStatements {
            _ = try checked(PQexec(handle.pointer, "DEALLOCATE ALL"), handle, sql: "DEALLOCATE ALL")
            statements.removeAll()
            deallocations += 1
        }
        nextStatementNumber += 1
        let name = "ebf_\(nextStatementNumber)"
        _ = try checked(PQprepare(handle.pointer, name, sql, count, types), handle, sql: sql)
        statements[key] = name
        return name
    }

    /// How many times the cache was emptied with DEALLOCATE ALL: a caller that prepared several
    /// statements checks it did not change meanwhile (the earlier names would be gone).
    var deallocations = 0

    /// Forgets every prepared statement of this session (the server forgot them: DISCARD ALL, a pooler).
    func forgetPreparedStatements() { statements.removeAll() }

    // swiftlint:disable:next function_parameter_count
    private func executePrepared(
        _ handle: ConnectionHandle, _ sql: String, _ count: Int32,
        _ types: UnsafePointer<Oid>?, _ values: UnsafePointer<UnsafePointer<CChar>?>?,
        _ lengths: UnsafePointer<Int32>?, _ formats: UnsafePointer<Int32>?, retryIfMissing: Bool
    ) throws -> PGResult {
        let name = try preparedName(handle, sql, count, types)
        do {
            return try checked(
                PQexecPrepared(handle.pointer, name, count, values, lengths, formats, 1), handle, sql: sql)
        } catch let error as PGError
            where error.sqlState == "26000" && retryIfMissing && handle.transactionStatus == .idle
        {
            // The server forgot the statement (DISCARD ALL, a pooler): prepare it again, once.
            statements.removeAll()
            return try executePrepared(handle, sql, count, types, values, lengths, formats, retryIfMissing: false)
        }
    }

    /// Turns a libpq result into a `PGResult` or a typed error; frees it on error.
    func checked(_ raw: OpaquePointer?, _ handle: ConnectionHandle, sql: String, accept: ExecStatusType? = nil) throws
        -> PGResult
    {
        guard let raw else { throw lostOrUnexpected(handle) }
        let status = PQresultStatus(raw)
        if status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY || status == accept {
            return PGResult(taking: raw)
        }
        var error = serverError(raw)
        PQclear(raw)
        if handle.isBroken {
            error.kind = .connectionLost
            error.message = "connection lost: \(error.message)"
        }
        throw error
    }

    nonisolated func lostOrUnexpected(_ handle: ConnectionHandle) -> PGError {
        let reason = redactor.redacted(handle.errorMessage)
        if handle.isBroken { return PGError(.connectionLost, "connection lost: \(reason)") }
        return PGError(.unexpected, "libpq returned no result: \(reason)")
    }

    private func serverError(_ raw: OpaquePointer) -> PGError {
        func field(_ code: Character) -> String? {
            guard let value = PQresultErrorField(raw, Int32(code.asciiValue!)) else { return nil }
            return String(cString: value)
        }
        let primary = field("M") ?? PGError.oneLine(String(cString: PQresultErrorMessage(raw)))
        let severity = field("V") ?? field("S")
        // The cancel reached the statement it was recorded for.
        if field("C") == "57014" { cancelTarget.setPending(false) }
        return PGError(
            .server, redactor.redacted(primary.isEmpty ? "server error" : primary),
            sqlState: field("C"), severity: severity, detail: field("D").map(redactor.redacted), hint: field("H"),
            position: field("P").flatMap { Int($0) }, constraint: field("n"), schema: field("s"),
            table: field("t"), column: field("c"))
    }

    /// Quotes an identifier (a channel or schema name) the way the server expects.
    func quoteIdentifier(_ name: String) throws -> String {
        let handle = try liveHandle()
        guard let quoted = PQescapeIdentifier(handle.pointer, name, name.utf8.count) else {
            throw PGError(.encoding, "cannot quote identifier: \(handle.errorMessage)")
        }
        defer { PQfreemem(quoted) }
        return String(cString: quoted)
    }

    // MARK: - Running on the connection

    /// Runs `body` with the connection isolated: its statements are direct calls on this thread.
    public func run<T: Sendable>(_ body: @Sendable (isolated PGConnection) async throws -> T) async rethrows -> T {
        try await body(self)
    }
}

/// A lock-protected flag readable from any thread.
public final class IdleFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set(_ newValue: Bool) { lock.withLock { value = newValue } }
    public var isSet: Bool { lock.withLock { value } }
}

/// A prepared statement's identity: the same text with other parameter types is another plan.
struct StatementKey: Hashable {
    var sql: String
    var types: [UInt32]
}

/// The cancel handle of the current session, reachable from other threads.
final class CancelTarget: @unchecked Sendable {
    private let lock = NSLock()
    private var handle: ConnectionHandle?
    /// A cancel for the next statement to start (see `PGConnection.requestCancel()`).
    private var pending = false
    func set(_ handle: ConnectionHandle?) { lock.withLock { self.handle = handle } }
    func cancel() { lock.withLock { handle }?.cancel() }
    func setPending(_ value: Bool) { lock.withLock { pending = value } }
    /// Whether a cancel was pending; it is consumed.
    func takePending() -> Bool {
        lock.withLock {
            defer { pending = false }; return pending
        }
    }
}

/// Calls `body` with a NULL-terminated array of C strings that live for the call.
func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let duplicates = strings.map { strdup($0) }
    defer { duplicates.forEach { free($0) } }
    let pointers: [UnsafePointer<CChar>?] = duplicates.map { UnsafePointer($0) } + [nil]
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
