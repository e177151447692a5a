// An import that stopped part way: what was committed before it stopped, for the one-line error.
import Foundation

/// Thrown when an import cannot go on (a database error that is not the data's and outlived its
/// retries, an unreadable file). Why it carries the count: lines before it are committed and
/// stay so; the user must know how far it got, and that re-running is safe (events carry
/// idempotency keys, contacts are upserted).
public struct ImportStopped: Error, CustomStringConvertible, Sendable {
    /// The first line not committed; 0 when nothing was (a contact import is one transaction).
    public var line: Int
    /// Lines committed before the stop (stored, duplicates and rejected lines included).
    public var committedLines: Int
    public var reason: String
    /// The connection was lost while a COMMIT was in flight (in any attempt): whether it
    /// committed cannot be known, so the message must not say "changed nothing".
    public var outcomeUnknown = false

    public var description: String {
        if line == 0 && outcomeUnknown {
            return
                "the import's outcome is unknown (the connection was lost while committing); re-running it is safe: \(reason)"
        }
        if line == 0 { return "the import failed and changed nothing: \(reason)" }
        return
            "import stopped at line \(line): \(reason); \(committedLines) line(s) before it were committed, and re-running the import applies each of them once"
    }
}

/// Lines listed in a report: all of them counted, the first `maxListed` kept, so a file of a
/// million bad lines reports in bounded memory.
public struct ListedLines: Sendable {
    public static let maxListed = 10_000
    public private(set) var lines: [RejectedLine] = []
    public private(set) var count = 0

    public init() {}

    mutating func append(_ line: RejectedLine) {
        count += 1
        if lines.count < Self.maxListed { lines.append(line) }
    }

    mutating func sort() { lines.sort { $0.line < $1.line } }
}
