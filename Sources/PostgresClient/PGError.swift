// The one error type of the client: typed, keeps the server's SQLSTATE and fields, safe to print.

/// An error from the PostgreSQL client.
///
/// `description` is safe to show a user or write to a log: it never contains a password
/// (connection strings are redacted before any message is built) and it fits on one line.
public struct PGError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, coarsely: callers branch on this, then on `sqlState` for server errors.
    public enum Kind: String, Sendable {
        /// Could not open a connection (bad password, unreachable host, missing database, …).
        case connectionFailed
        /// The connection broke while a call was in flight; the next call gets a new one.
        case connectionLost
        /// The server refused a statement; see `sqlState`.
        case server
        /// A value could not be turned into the Swift type asked for.
        case decoding
        /// A Swift value could not be bound as a parameter.
        case encoding
        /// No pooled connection became free within the acquire timeout.
        case poolTimeout
        /// The pool was closed.
        case poolClosed
        /// The configuration (connection string, schema name, …) is malformed.
        case invalidConfiguration
        /// libpq returned something the client did not expect.
        case unexpected
    }

    public var kind: Kind
    public var message: String
    /// Five-character SQLSTATE, e.g. `23505` for a unique violation.
    public var sqlState: String?
    public var severity: String?
    public var detail: String?
    public var hint: String?
    /// 1-based character position of the error in the statement text.
    public var position: Int?
    public var constraint: String?
    public var schema: String?
    public var table: String?
    public var column: String?
    /// Set by `withTransaction` when the connection was lost while COMMIT was in flight: the
    /// transaction may or may not have committed, and no one can tell from here. Why a flag:
    /// a caller that reports "nothing changed" after a failed transaction would be wrong then.
    public var commitOutcomeUnknown = false

    public init(
        _ kind: Kind, _ message: String, sqlState: String? = nil, severity: String? = nil,
        detail: String? = nil, hint: String? = nil, position: Int? = nil, constraint: String? = nil,
        schema: String? = nil, table: String? = nil, column: String? = nil
    ) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
        self.severity = severity
        self.detail = detail
        self.hint = hint
        self.position = position
        self.constraint = constraint
        self.schema = schema
        self.table = table
        self.column = column
    }

    public var isUniqueViolation: Bool { sqlState == "23505" }
    public var isForeignKeyViolation: Bool { sqlState == "23503" }
    public var isSerializationFailure: Bool { sqlState == "40001" }
    public var isDeadlock: Bool { sqlState == "40P01" }
    /// Serialization failures and deadlocks: the transaction may succeed if simply run again.
    public var isRetryableTransactionFailure: Bool { isSerializationFailure || isDeadlock }
    /// The connection is unusable; a pool must discard it.
    public var isConnectionError: Bool { kind == .connectionFailed || kind == .connectionLost }

    public var description: String {
        var text = message
        if let sqlState { text = "\(text) (SQLSTATE \(sqlState))" }
        if let detail { text += "; detail: \(detail)" }
        if let hint { text += "; hint: \(hint)" }
        if let position { text += "; at character \(position)" }
        return PGError.oneLine(text)
    }

    /// libpq's messages span lines ("FATAL:  ...\nDETAIL: ..."); logs and CLIs want one.
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}
