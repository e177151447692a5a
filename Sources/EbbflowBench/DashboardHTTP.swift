// The dashboard bench's HTTP client: one blocking loopback request at a time, its status, headers, body and wall time.
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Why not `HTTPLoadConnection`: the dashboard bench needs the response headers (the session
/// cookie, `Server-Timing`, `Location`) and HTML bodies of any framing. One connection per request
/// with `Connection: close`, read to the end, is enough: requests are sequential and timed
/// mostly by the server's own `Server-Timing`; a loopback connect costs ~0.1 ms of the wall time.
struct DashboardHTTP: Sendable {
    let port: UInt16
    /// `Cookie:` value sent with every request once signed in.
    var cookie: String?

    struct Answer: Sendable {
        var status: Int
        var headers: [(name: String, value: String)]
        var body: String
        /// Milliseconds from connect to the last byte, measured here.
        var wallMilliseconds: Double

        func header(_ name: String) -> String? {
            headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
        }

        /// `total;dur=X` of the `Server-Timing` header, in milliseconds.
        var serverTotal: Double? { Self.timing("total", in: header("Server-Timing")) }
        /// `db;dur=X`: the request's database time.
        var serverDatabase: Double? { Self.timing("db", in: header("Server-Timing")) }

        static func timing(_ metric: String, in header: String?) -> Double? {
            guard let header else { return nil }
            for part in header.split(separator: ",") {
                let fields = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
                guard fields.first == metric else { continue }
                for field in fields.dropFirst() where field.hasPrefix("dur=") { return Double(field.dropFirst(4)) }
            }
            return nil
        }
    }

    func get(_ path: String) throws -> Answer { try exchange(method: "GET", path: path, form: nil) }

    /// A form POST with the Origin header a browser sends (the dashboard's same-origin rule).
    func post(_ path: String, form: [(String, String)]) throws -> Answer {
        let body = form.map { "\(Self.formEncode($0.0))=\(Self.formEncode($0.1))" }.joined(separator: "&")
        return try exchange(method: "POST", path: path, form: body)
    }

    static func formEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    private func exchange(method: String, path: String, form: String?) throws -> Answer {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\nAccept: text/html\r\n"
        if let cookie { head += "Cookie: \(cookie)\r\n" }
        if let form {
            head += "Origin: http://127.0.0.1:\(port)\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            head += "Content-Length: \(form.utf8.count)\r\n"
        }
        let request = Array((head + "\r\n" + (form ?? "")).utf8)
        let started = ContinuousClock.now
        let raw = try Self.roundTrip(request, port: port)
        let wall = (ContinuousClock.now - started).seconds * 1000
        return try Self.parse(raw, wall: wall)
    }

    private static func roundTrip(_ request: [UInt8], port: UInt16) throws -> [UInt8] {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchError("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        // A server that stops answering fails the bench after 60 s instead of hanging it.
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var loopback = sockaddr_in(
            sin_family: sa_family_t(AF_INET), sin_port: port.bigEndian,
            sin_addr: in_addr(s_addr: inet_addr("127.0.0.1")),
            sin_zero: (0, 0, 0, 0, 0, 0, 0, 0))
        let status = withUnsafeBytes(of: &loopback) { raw in
            connect(fd, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
        }
        guard status == 0 else { throw BenchError("connect to 127.0.0.1:\(port): \(String(cString: strerror(errno)))") }
        var sent = 0
        while sent < request.count {
            let n = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw BenchError("send: \(String(cString: strerror(errno)))") }
            sent += n
        }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { break }
            guard n > 0 else { throw BenchError("recv: \(String(cString: strerror(errno)))") }
            answer.append(contentsOf: buffer[0..<n])
            guard answer.count < 64 * 1024 * 1024 else { throw BenchError("an answer over 64 MB") }
        }
        return answer
    }

    /// Status line and headers; the body as text, with chunk sizes left in when chunked (the
    /// bench only looks for markers in it).
    private static func parse(_ raw: [UInt8], wall: Double) throws -> Answer {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = raw.firstRange(of: separator) else { throw BenchError("an answer without headers") }
        let head = String(decoding: raw[..<end.lowerBound], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst()
        guard let status = statusLine.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else {
            throw BenchError("a bad status line: \(statusLine.prefix(80))")
        }
        let headers = lines.compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        return Answer(
            status: status, headers: headers.map { (name: $0.0, value: $0.1) },
            body: String(decoding: raw[end.upperBound...], as: UTF8.self), wallMilliseconds: wall)
    }
}
