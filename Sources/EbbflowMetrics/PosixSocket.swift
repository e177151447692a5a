// Thin Glibc wrappers: the listening socket, deadline-bounded reads and writes, closing.
import Glibc

/// The few socket calls the endpoint makes, each returning Swift values or typed errors,
/// so the accept loop reads as logic rather than C. Every descriptor is close-on-exec and
/// non-blocking: all waiting happens in `poll`, where a deadline and the stop pipe apply.
enum PosixSocket {
    /// Resolves `host` (numeric or a name), binds the first address that accepts, and listens.
    /// Returns the descriptor and the port actually bound (the kernel's pick when `port` is 0).
    static func listen(host: String, port: Int, backlog: Int32 = 64)
        throws(MetricsEndpointError) -> (fd: Int32, port: Int)
    {
        guard (0...65535).contains(port) else {
            throw .invalidHost(host: host, reason: "port \(port) is outside 0...65535")
        }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw .invalidHost(host: host, reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(list) }

        var lastError = MetricsEndpointError.invalidHost(host: host, reason: "no usable address")
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let info = candidate {
            candidate = info.pointee.ai_next
            let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
            let fd = socket(info.pointee.ai_family, type, 0)
            guard fd >= 0 else {
                lastError = .lastSystemError("socket")
                continue
            }
            // Lets a restarted process rebind while old connections sit in TIME_WAIT. On Linux
            // it does not let two sockets listen on one port, so a live owner still yields EADDRINUSE.
            var one: Int32 = 1
            _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            guard bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
                let code = errno
                close(fd)
                switch code {
                case EADDRINUSE: throw .portInUse(port: port)
                case EACCES: throw .permissionDenied(port: port)
                default:
                    lastError = .system(operation: "bind", errno: code, message: String(cString: strerror(code)))
                    continue
                }
            }
            guard Glibc.listen(fd, backlog) == 0 else {
                let error = MetricsEndpointError.lastSystemError("listen")
                close(fd)
                if case .system(_, EADDRINUSE, _) = error { throw .portInUse(port: port) }
                lastError = error
                continue
            }
            guard let bound = boundPort(fd) else {
                lastError = .lastSystemError("getsockname")
                close(fd)
                continue
            }
            return (fd, bound)
        }
        throw lastError
    }

    /// The local port of a bound socket, IPv4 or IPv6.
    static func boundPort(_ fd: Int32) -> Int? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard status == 0 else { return nil }
        switch Int32(storage.ss_family) {
        case AF_INET:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
            }
        case AF_INET6:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            }
        default:
            return nil
        }
    }

    /// A non-blocking, close-on-exec pipe whose write end wakes the accept thread's `poll`.
    static func wakePipe() throws(MetricsEndpointError) -> (read: Int32, write: Int32) {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw .lastSystemError("pipe") }
        makeNonBlockingCloseOnExec(ends[0])
        makeNonBlockingCloseOnExec(ends[1])
        return (ends[0], ends[1])
    }

    /// What `accept4`/`pipe2` flags would do; those GNU calls are not visible from Swift's Glibc.
    static func makeNonBlockingCloseOnExec(_ fd: Int32) {
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    /// Why a bounded wait ended.
    enum Wait: Equatable {
        case ready
        case timedOut
        /// The stop pipe became readable: drop the connection and return to the loop.
        case stopping
        case failed
    }

    /// Waits until `fd` has `events` or the deadline passes, whichever is first; also
    /// returns early when `stopFD` becomes readable, so `stop()` never waits on a slow client.
    static func wait(
        _ fd: Int32, for events: Int16, until deadline: ContinuousClock.Instant, stopFD: Int32
    ) -> Wait {
        while true {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else { return .timedOut }
            let (seconds, attoseconds) = remaining.components
            let milliseconds = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
            var fds = [
                pollfd(fd: fd, events: events, revents: 0),
                pollfd(fd: stopFD, events: Int16(POLLIN), revents: 0),
            ]
            let count = poll(&fds, nfds_t(fds.count), milliseconds)
            if count < 0 {
                if errno == EINTR { continue }
                return .failed
            }
            if count == 0 { continue }  // re-check the clock; poll may round down
            if fds[1].revents != 0 { return .stopping }
            return .ready
        }
    }

    /// Sends all of `bytes` before the deadline. MSG_NOSIGNAL: a client that hung up must
    /// cost an EPIPE, not a SIGPIPE that would kill the whole process.
    static func sendAll(
        _ fd: Int32, _ bytes: [UInt8], until deadline: ContinuousClock.Instant, stopFD: Int32
    ) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { raw in
                send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent > 0 {
                offset += sent
                continue
            }
            let code = errno
            if sent < 0, code == EINTR { continue }
            guard sent < 0, code == EAGAIN || code == EWOULDBLOCK else { return false }
            guard wait(fd, for: Int16(POLLOUT), until: deadline, stopFD: stopFD) == .ready else { return false }
        }
        return true
    }

    /// One `recv` into `scratch`, appending what arrived to `bytes`.
    /// Returns the count read: 0 at end of stream, -1 on error or nothing available.
    static func receive(_ fd: Int32, into bytes: inout [UInt8], scratch: inout [UInt8], limit: Int) -> Int {
        let wanted = min(scratch.count, limit)
        guard wanted > 0 else { return -1 }
        while true {
            let count = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, wanted, 0) }
            if count < 0, errno == EINTR { continue }
            if count > 0 { bytes.append(contentsOf: scratch[0..<count]) }
            return count
        }
    }
}
