// A self-pipe that wakes a thread sleeping in poll(2), so notification waits can be interrupted.
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Another thread writes a byte; the waiting thread polls the read end beside the socket.
final class Waker: Sendable {
    let readFD: Int32
    let writeFD: Int32

    init() {
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) != 0 { fatalError("pipe() failed: \(errno)") }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        readFD = fds[0]
        writeFD = fds[1]
    }

    deinit {
        close(readFD)
        close(writeFD)
    }

    func wake() {
        var byte: UInt8 = 1
        _ = write(writeFD, &byte, 1)
    }

    /// Empties the pipe; returns true if anything was there.
    func drain() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 64)
        var woke = false
        while read(readFD, &buffer, 64) > 0 { woke = true }
        return woke
    }
}
