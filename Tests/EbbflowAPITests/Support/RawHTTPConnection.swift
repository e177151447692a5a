// A bare TCP connection to `ebbflow serve`, for requests no HTTP client library will send (endless chunked bodies, bad chunks).
import EbbflowTestSupport
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Why raw: URLSession always finishes the body it was given and hides how the server ended
/// the connection; these tests need to keep sending after the answer, send broken framing, and
/// see whether the server stopped reading. Everything the server sends is collected by a
/// reader thread, so an answer that arrives while the test is still sending is never lost.
final class RawHTTPConnection: @unchecked Sendable {
    private let socket: Int32
    private let lock = NSLock()
    private var received: [UInt8] = []
    private var ended = false
    private let done = DispatchSemaphore(value: 0)

    /// Connects to 127.0.0.1:`port`; a send or read that waits 30 s fails, so no test hangs.
    init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw ServeFailure("socket() failed: errno \(errno)") }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(socket)
            throw ServeFailure("connect() failed: errno \(errno)")
        }
        let thread = Thread { [self] in readUntilEnd() }
        thread.start()
    }

    deinit { close(socket) }

    /// Sends all of `bytes`; false once the server has closed or reset the connection (or a
    /// send waited 30 s). On a thread of its own: a blocking send on the tests' cooperative
    /// pool (two threads here) would stall every other suite running beside this one.
    func send(_ bytes: [UInt8]) async -> Bool { await OffPool.run { self.sendBlocking(bytes) } }

    private func sendBlocking(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes {
                Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if sent <= 0 { return false }
            offset += sent
        }
        return true
    }

    func send(_ text: String) async -> Bool { await send(Array(text.utf8)) }

    /// Everything the server sent, once it ended the connection (or after 30 s of silence);
    /// waited for off the cooperative pool, like `send`.
    func responseAfterEnd() async -> String { await OffPool.run { self.responseAfterEndBlocking() } }

    private func responseAfterEndBlocking() -> String {
        done.wait()
        done.signal()
        return lock.withLock { String(decoding: received, as: UTF8.self) }
    }

    /// Whether the server has ended the connection (end of stream, a reset or 30 s of silence).
    var hasEnded: Bool { lock.withLock { ended } }

    private func readUntilEnd() {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            lock.withLock { received += buffer[0..<count] }
        }
        lock.withLock { ended = true }
        done.signal()
    }
}
