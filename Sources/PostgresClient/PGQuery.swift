// A statement whose parameters are bound where they appear: "… WHERE id = \(bind: id)" becomes `$n` plus its value.

/// SQL text with its parameters, written as one interpolated literal (postgres-nio's
/// `PostgresQuery` style) instead of `$n` placeholders and a parallel array that can drift
/// apart:
///
///     let query: PGQuery = "SELECT name FROM \(identifier: jobs) WHERE id = \(bind: id) AND state = \(bind: state)"
///
/// Why it is safe by construction: a value interpolated with `\(bind:)` never becomes SQL text,
/// only a numbered placeholder and a parameter, and a value that is not `PGEncodable` does not
/// compile. SQL text can enter only through the literal itself or `\(identifier:)`, whose name
/// says the caller vouches for it (a schema-qualified table name the program built, never input).
///
/// Every value is written `\(bind:)`; a bare `\(value)` does not compile in a `PGQuery`.
/// Why: `connection.query("… \(id)")` with only bare interpolations is a `String` (Swift
/// prefers its default literal type) and goes to the older `query(_:_:)`, splicing the value
/// into the SQL text; if a bare interpolation bound inside a `PGQuery`, the same-looking
/// literal would be safe or an injection depending on one other label in it.
public struct PGQuery: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    /// The statement with `$1`, `$2`, … in the order the values appear.
    public private(set) var sql: String
    /// The parameters, `bindings[n - 1]` for `$n`; `nil` is SQL NULL.
    public private(set) var bindings: PGBindings

    /// A fixed statement with no parameters.
    public init(stringLiteral value: String) {
        sql = value
        bindings = []
    }

    public init(stringInterpolation: StringInterpolation) {
        sql = stringInterpolation.sql
        bindings = stringInterpolation.bindings
    }

    /// The SQL text only: parameters are never shown (one may be a secret).
    public var description: String { sql }

    public struct StringInterpolation: StringInterpolationProtocol {
        var sql: String
        var bindings: PGBindings

        /// Reserves for the whole statement up front: building a query costs two allocations,
        /// whatever the number of values.
        public init(literalCapacity: Int, interpolationCount: Int) {
            sql = ""
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
            bindings = []
            bindings.reserveCapacity(interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) { sql += literal }

        /// Binds `value` as the next parameter.
        public mutating func appendInterpolation(bind value: (some PGEncodable)?) {
            bindings.append(value)
            sql += "$"
            sql += String(bindings.count)
        }

        /// A bare `\(value)` does not compile: the same literal with only bare interpolations
        /// is a `String` at a call site and splices its values into the SQL text, so a bare
        /// interpolation that binds in one literal and splices in the next would be a trap. Every
        /// value is written `\(bind: value)`, which only a `PGQuery` accepts.
        @available(
            *, unavailable,
            message:
                "write \\(bind: value): a bare interpolation is spliced as SQL text wherever the literal is a String"
        )
        public mutating func appendInterpolation(_ value: (some PGEncodable)?) { appendInterpolation(bind: value) }

        /// SQL text the program itself made (a schema-qualified, already quoted identifier such
        /// as `schema.qualified("jobs")`), spliced in as it is. Never pass input here.
        public mutating func appendInterpolation(identifier trustedSQL: String) { sql += trustedSQL }
    }
}

extension PGConnection {
    /// Runs `query` and returns its rows: `query(_:_:)` with the placeholders and parameters
    /// taken from the interpolated statement.
    @discardableResult
    public func query(_ query: PGQuery) throws -> PGResult {
        try self.query(query.sql, query.bindings)
    }

    /// Runs `query` for its effect; returns the affected row count.
    @discardableResult
    public func execute(_ query: PGQuery) throws -> Int {
        try self.query(query.sql, query.bindings).affectedRows
    }

    /// Queues `query` to run just before this transaction's COMMIT (see `executeAtCommit(_:_:)`).
    public func executeAtCommit(_ query: PGQuery) {
        executeAtCommit(query.sql, query.bindings)
    }
}
