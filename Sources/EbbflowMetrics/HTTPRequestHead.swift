// Parses just enough of an HTTP/1.x request head (the request line) to route it.
/// The parts of a request line the endpoint routes on. Headers are read (so the
/// client's request is consumed) but not interpreted: no route needs them.
struct HTTPRequestHead: Equatable, Sendable {
    var method: String
    /// The request target without its query string: `/metrics?x=1` routes as `/metrics`.
    var path: String
    var version: String
}

/// What a buffer of received bytes holds so far.
enum HTTPRequestHeadParse: Equatable, Sendable {
    /// No blank line yet: read more (unless the size limit is reached).
    case incomplete
    case complete(HTTPRequestHead)
    /// The head ended but its request line is not `METHOD SP TARGET SP HTTP/1.x`.
    case malformed

    /// Looks for the blank line ending the head and parses the request line before it.
    /// Bare `\n` line ends are accepted as well as `\r\n`, as RFC 9112 allows.
    static func parse(_ bytes: [UInt8]) -> HTTPRequestHeadParse {
        guard headEnds(in: bytes) else { return .incomplete }
        let lineEnd = bytes.firstIndex(of: UInt8(ascii: "\n"))!
        var line = bytes[..<lineEnd]
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        let parts = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[1].first == UInt8(ascii: "/") else {
            return .malformed
        }
        let version = String(decoding: parts[2], as: UTF8.self)
        guard version.hasPrefix("HTTP/1.") else { return .malformed }
        let target = parts[1]
        let path = target.firstIndex(of: UInt8(ascii: "?")).map { target[..<$0] } ?? target
        return .complete(
            HTTPRequestHead(
                method: String(decoding: parts[0], as: UTF8.self),
                path: String(decoding: path, as: UTF8.self),
                version: version
            )
        )
    }

    /// True once the bytes contain an empty line (`\n\n` or `\n\r\n`).
    private static func headEnds(in bytes: [UInt8]) -> Bool {
        var index = bytes.startIndex
        while let newline = bytes[index...].firstIndex(of: UInt8(ascii: "\n")) {
            let next = newline + 1
            if next < bytes.endIndex, bytes[next] == UInt8(ascii: "\n") { return true }
            if next + 1 < bytes.endIndex, bytes[next] == UInt8(ascii: "\r"), bytes[next + 1] == UInt8(ascii: "\n") {
                return true
            }
            index = next
        }
        return false
    }
}
