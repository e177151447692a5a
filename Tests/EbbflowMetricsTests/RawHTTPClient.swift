// A blocking raw-socket HTTP client for the tests: no URLSession, so no FoundationNetworking.
import Glibc

struct ClientError: Error, CustomStringConvertible {
    var description: String
    static func errno(_ operation: String) -> ClientError {
        ClientError(description: "\(operation): \(String(cString: strerror(Glibc.errno)))")
    }
}

/// Sends raw request bytes to 127.0.0.1 and reads until the server closes, which it does after
/// a `Connection: close` request or a malformed one. Raw bytes let tests send malformed or
/// partial requests, and hold connections open idle.
enum RawHTTPClient {
    struct Response {
        var status: Int
        /// Header names lowercased.
        var headers: [String: String]
        var body: String
    }

    static func get(_ path: String, port: Int, method: String = "GET") throws -> Response {
        try send(
            "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: ebbflow-tests\r\nConnection: close\r\n\r\n",
            port: port)
    }

    static func send(_ request: String, port: Int) throws -> Response {
        let fd = try connect(port: port)
        defer { close(fd) }
        try write(request, to: fd)
        return try parse(readToEnd(fd))
    }

    /// One keep-alive GET on an open connection; reads exactly one response (by Content-Length).
    static func get(_ path: String, on fd: Int32) throws -> Response {
        try write("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", to: fd)
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            if let response = try? parse(received), let length = Int(response.headers["content-length"] ?? ""),
                response.body.utf8.count >= length
            {
                return response
            }
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            guard count > 0 else {
                throw count == 0 ? ClientError(description: "closed by the server") : .errno("recv")
            }
            received.append(contentsOf: chunk[0..<count])
        }
    }

    static func write(_ request: String, to fd: Int32) throws {
        let bytes = Array(request.utf8)
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            guard sent > 0 else { throw ClientError.errno("send") }
            offset += sent
        }
    }

    /// A connected blocking socket with 5 s send and receive timeouts, so a broken server fails a test instead of hanging it.
    static func connect(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClientError.errno("socket") }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard status == 0 else {
            let error = ClientError.errno("connect")
            close(fd)
            throw error
        }
        return fd
    }

    static func readToEnd(_ fd: Int32) throws -> [UInt8] {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if count == 0 { return received }
            guard count > 0 else { throw ClientError.errno("recv") }
            received.append(contentsOf: chunk[0..<count])
        }
    }

    static func parse(_ bytes: [UInt8]) throws -> Response {
        let separator = Array("\r\n\r\n".utf8)
        guard let split = bytes.indices.first(where: { bytes[$0...].starts(with: separator) }) else {
            throw ClientError(
                description: "no end of head in \(bytes.count) bytes: \(String(decoding: bytes, as: UTF8.self))")
        }
        let head = String(decoding: bytes[..<split], as: UTF8.self)
        let lines = head.split(separator: "\r\n")
        guard let statusLine = lines.first, statusLine.hasPrefix("HTTP/1.1 "),
            let status = Int(statusLine.dropFirst(9).prefix(3))
        else { throw ClientError(description: "bad status line in: \(head)") }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = String(line[line.index(after: colon)...].drop { $0 == " " })
        }
        return Response(status: status, headers: headers, body: String(decoding: bytes[(split + 4)...], as: UTF8.self))
    }
}
