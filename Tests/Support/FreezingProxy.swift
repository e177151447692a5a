// A TCP proxy to the test cluster's unix socket that can stop passing bytes: a database that stops answering, for one client only.
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Why a proxy: a process under test must see its database stop answering (its statements
/// and even its cancel requests unanswered, its TCP connections alive) without anything done to
/// the shared cluster, which other suites use at the same time. While frozen, nothing read from
/// either side is passed on and new connections wait unanswered; thawed, all flows again.
public final class FreezingProxy: @unchecked Sendable {
    /// The port on 127.0.0.1 that clients connect to.
    public let port: Int
    private let upstream: String
    private let listener: Int32
    private let lock = NSLock()
    private var frozen = false
    private var stopped = false
    private var sockets: [Int32] = []

    /// Listens on a free port of 127.0.0.1 and passes each connection to the unix socket `upstream`.
    public init(upstream: String) throws {
        self.upstream = upstream
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(listener, 64) == 0 else {
            close(listener)
            throw POSIXError(.EADDRNOTAVAIL)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        self.listener = listener
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// The test cluster's unix socket, as the server reports it.
    public static func testClusterSocket() async throws -> String {
        let connection = try await TestDatabase.connect()
        let row = try await connection.query(
            "SELECT current_setting('unix_socket_directories') AS dirs, current_setting('port') AS port"
        ).first!
        let directories: String = try row.decode("dirs")
        let port: String = try row.decode("port")
        let directory = directories.split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        return "\(directory)/.s.PGSQL.\(port)"
    }

    /// A connection string for the test database through this proxy.
    public func url() async throws -> String {
        let connection = try await TestDatabase.connect()
        let row = try await connection.query("SELECT current_user AS u, current_database() AS d").first!
        let (user, database): (String, String) = (try row.decode("u"), try row.decode("d"))
        return "host=127.0.0.1 port=\(port) user=\(user) dbname=\(database)"
    }

    public func freeze() { lock.withLock { frozen = true } }
    public func thaw() { lock.withLock { frozen = false } }

    /// Closes the listener and every connection.
    public func stop() {
        let open = lock.withLock {
            stopped = true
            frozen = false
            return sockets
        }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        for fd in open { shutdown(fd, Int32(SHUT_RDWR)) }
    }

    private var isFrozen: Bool { lock.withLock { frozen } }
    private var isStopped: Bool { lock.withLock { stopped } }

    private func waitWhileFrozen() {
        while isFrozen && !isStopped { usleep(20_000) }
    }

    private func acceptLoop() {
        while !isStopped {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            Thread.detachNewThread { [self] in serve(client) }
        }
    }

    private func serve(_ client: Int32) {
        waitWhileFrozen()
        let server = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in upstream.utf8.prefix(buffer.count - 1).enumerated() { buffer[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(server, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            close(client)
            close(server)
            return
        }
        let keep = lock.withLock {
            sockets += [client, server]
            return !stopped
        }
        guard keep else {
            close(client)
            close(server)
            return
        }
        let finished = DispatchSemaphore(value: 0)
        Thread.detachNewThread { [self] in
            pump(from: server, to: client)
            finished.signal()
        }
        pump(from: client, to: server)
        finished.wait()
        lock.withLock { sockets.removeAll { $0 == client || $0 == server } }
        close(client)
        close(server)
    }

    /// Copies bytes until either side closes; holds them while frozen.
    private func pump(from source: Int32, to target: Int32) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            waitWhileFrozen()
            let count = read(source, &buffer, buffer.count)
            if count <= 0 { break }
            waitWhileFrozen()
            var offset = 0
            while offset < count {
                let written = buffer[offset..<count].withUnsafeBytes {
                    send(target, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
                }
                if written <= 0 { break }
                offset += written
            }
            if offset < count { break }
        }
        shutdown(source, Int32(SHUT_RDWR))
        shutdown(target, Int32(SHUT_RDWR))
    }
}
