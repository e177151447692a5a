// A minimal HTTP/1.1 client on one blocking POSIX socket: keep-alive, pre-built requests, Content-Length answers.
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One keep-alive connection to `serve` on 127.0.0.1, used by one generator thread.
///
/// Why not a library client: the load generator must cost little CPU next to the server on a
/// 2-core machine and must not run on the cooperative pool; a blocking socket on a thread of
/// its own, writing bytes built before the clock starts and reading only the status line, the
/// headers and a Content-Length body, is the smallest thing that does that.
final class HTTPLoadConnection {
    struct Response {
        var status: Int
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    private let port: UInt16
    private var socket: Int32 = -1
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    private var start = 0
    private var end = 0
    /// Connections opened after the first (the server closed one): reported, normally 0.
    private(set) var reconnects = 0

    init(port: UInt16) throws {
        self.port = port
        try open()
    }

    deinit { closeSocket() }

    private func open() throws {
        closeSocket()
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchError("socket(): \(Self.errorText())") }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        // A server that stops answering fails the benchmark after 60 s instead of hanging it.
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            let text = Self.errorText()
            Glibc.close(fd)
            throw BenchError("connect to 127.0.0.1:\(port): \(text)")
        }
        socket = fd
        start = 0
        end = 0
    }

    private func closeSocket() {
        if socket >= 0 { Glibc.close(socket) }
        socket = -1
    }

    /// Sends `request` and reads its answer. When the server had closed the kept-alive
    /// connection before answering, the request is sent once more on a new one: every request
    /// the benchmark sends is idempotent (each message has its `messageId`).
    func exchange(_ request: [UInt8]) throws -> Response {
        if socket < 0 { try open() }
        do {
            try send(request)
            return try readResponse()
        } catch ConnectionClosed.beforeAnswer {
            reconnects += 1
            try open()
            try send(request)
            return try readResponse()
        }
    }

    private enum ConnectionClosed: Error { case beforeAnswer }

    private func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { raw in
                Glibc.send(socket, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
            }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EPIPE || errno == ECONNRESET, sent == 0 { throw ConnectionClosed.beforeAnswer }
                throw BenchError("send: \(Self.errorText())")
            }
            sent += count
        }
    }

    /// Reads more bytes into the buffer; false at end of stream.
    private func fill() throws -> Bool {
        if start > 0, start == end {
            start = 0
            end = 0
        }
        if end == buffer.count {
            if start > 0 {
                buffer.replaceSubrange(0..<(end - start), with: buffer[start..<end])
                end -= start
                start = 0
            } else {
                buffer.append(contentsOf: repeatElement(0, count: buffer.count))
            }
        }
        while true {
            let count = buffer.withUnsafeMutableBytes { raw in
                Glibc.recv(socket, raw.baseAddress! + end, raw.count - end, 0)
            }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { throw BenchError("no answer from serve within 60 s") }
                if errno == ECONNRESET { return false }
                throw BenchError("recv: \(Self.errorText())")
            }
            end += count
            return count > 0
        }
    }

    private func readResponse() throws -> Response {
        var headerEnd: Int?
        // Counted from `start`: `fill` may move the unread bytes to the front of the buffer.
        var scanned = 0
        while headerEnd == nil {
            if end - start >= 4 {
                var index = start + max(0, scanned - 3)
                while index + 3 < end {
                    if buffer[index] == 13, buffer[index + 1] == 10, buffer[index + 2] == 13, buffer[index + 3] == 10 {
                        headerEnd = index
                        break
                    }
                    index += 1
                }
                scanned = end - start
            }
            if headerEnd == nil {
                let before = end - start
                guard try fill() else {
                    closeSocket()
                    if before == 0 { throw ConnectionClosed.beforeAnswer }
                    throw BenchError("serve closed the connection in the middle of an answer")
                }
            }
        }
        let head = String(decoding: buffer[start..<headerEnd!], as: UTF8.self)
        start = headerEnd! + 4
        let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusWords = lines.first?.split(separator: " ") ?? []
        guard statusWords.count >= 2, statusWords[0].hasPrefix("HTTP/1."), let status = Int(statusWords[1]) else {
            throw BenchError("not an HTTP/1.1 status line: \(lines.first.map { String($0.prefix(80)) } ?? "")")
        }
        var length: Int?
        var closes = false
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if name == "content-length" { length = Int(value) }
            if name == "connection", value.lowercased() == "close" { closes = true }
            if name == "transfer-encoding" {
                throw BenchError(
                    "answer \(status) has Transfer-Encoding \(value); this client reads Content-Length bodies")
            }
        }
        guard let length, length >= 0 else { throw BenchError("answer \(status) has no Content-Length") }
        while end - start < length {
            guard try fill() else { throw BenchError("serve closed the connection in the middle of a body") }
        }
        let body = Array(buffer[start..<(start + length)])
        start += length
        if closes { closeSocket() }
        return Response(status: status, body: body)
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }
}

/// Request bytes, built before any clock starts.
enum HTTPRequestBytes {
    static func post(_ path: String, port: UInt16, key: String, contentType: String, body: [UInt8]) -> [UInt8] {
        let head =
            "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAuthorization: Bearer \(key)\r\n"
            + "Content-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n\r\n"
        return Array(head.utf8) + body
    }

    static func get(_ path: String, port: UInt16) -> [UInt8] {
        Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\r\n".utf8)
    }
}
