// The body of the endpoint's dedicated thread: accept, read one request, answer, close.
import Glibc
import Logging

/// Everything the accept thread needs, all immutable, so handing it to a pthread is safe.
///
/// Connections are served one after another on this one thread. A scrape, a health probe
/// or a readiness probe takes well under a millisecond, so a queue of them drains fast; a slow
/// or silent client costs at most `requestTimeout` before it is dropped, and the listen
/// backlog holds the others meanwhile.
final class AcceptLoop: Sendable {
    let listenFD: Int32
    let stopFD: Int32
    let router: MetricsRouter
    let maxHeadBytes: Int
    let requestTimeout: Duration
    let logger: Logger

    /// How long the server lingers after its response to read what a client still sends,
    /// so closing with unread bytes does not reset the connection before the client has read.
    static let lingerTimeout: Duration = .milliseconds(100)
    static let maxLingerBytes = 64 * 1024

    init(
        listenFD: Int32, stopFD: Int32, router: MetricsRouter,
        maxHeadBytes: Int, requestTimeout: Duration, logger: Logger
    ) {
        self.listenFD = listenFD
        self.stopFD = stopFD
        self.router = router
        self.maxHeadBytes = maxHeadBytes
        self.requestTimeout = requestTimeout
        self.logger = logger
    }

    /// Runs until the stop pipe is written to. Never throws: a failed connection is only logged.
    func run() {
        var scratch = [UInt8](repeating: 0, count: 4096)
        while true {
            var fds = [
                pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0),
                pollfd(fd: stopFD, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&fds, nfds_t(fds.count), -1)
            if ready < 0 {
                let code = errno
                if code == EINTR { continue }
                logger.error("metrics endpoint poll failed; accept loop ends", metadata: ["errno": "\(code)"])
                return
            }
            if fds[1].revents != 0 { return }
            guard fds[0].revents != 0 else { continue }

            let connection = accept(listenFD, nil, nil)
            if connection < 0 {
                let code = errno
                if code == EMFILE || code == ENFILE || code == ENOBUFS || code == ENOMEM {
                    // Out of descriptors: back off instead of spinning on a readable listener.
                    logger.warning("metrics endpoint cannot accept", metadata: ["errno": "\(code)"])
                    usleep(50_000)
                }
                continue  // EAGAIN, ECONNABORTED, EINTR: the client is gone or was taken already
            }
            // accept4 is not exported by Swift's Glibc module; set the same two flags by hand.
            PosixSocket.makeNonBlockingCloseOnExec(connection)
            serve(connection, scratch: &scratch)
        }
    }

    /// Reads one request head within `requestTimeout` and `maxHeadBytes`, answers, closes.
    private func serve(_ fd: Int32, scratch: inout [UInt8]) {
        defer { close(fd) }
        let deadline = ContinuousClock.now.advanced(by: requestTimeout)
        var received: [UInt8] = []
        var response: HTTPResponse
        reading: while true {
            switch HTTPRequestHeadParse.parse(received) {
            case .complete(let head):
                response = router.respond(to: head)
                break reading
            case .malformed:
                response = .text(400, "Bad Request", "bad request")
                break reading
            case .incomplete:
                guard received.count < maxHeadBytes else {
                    response = .text(431, "Request Header Fields Too Large", "request head too large")
                    break reading
                }
            }
            switch PosixSocket.wait(fd, for: Int16(POLLIN), until: deadline, stopFD: stopFD) {
            case .ready:
                let count = PosixSocket.receive(fd, into: &received, scratch: &scratch, limit: maxHeadBytes - received.count)
                if count == 0 { return }  // the client closed before finishing its request
                if count < 0, errno != EAGAIN, errno != EWOULDBLOCK { return }
            case .timedOut:
                response = .text(408, "Request Timeout", "request timeout")
                break reading
            case .stopping, .failed:
                return
            }
        }
        guard PosixSocket.sendAll(fd, response.serialized(), until: deadline.advanced(by: requestTimeout), stopFD: stopFD)
        else { return }
        linger(fd, scratch: &scratch)
    }

    /// Half-closes, then reads briefly until the client closes too (see `lingerTimeout`).
    private func linger(_ fd: Int32, scratch: inout [UInt8]) {
        shutdown(fd, Int32(SHUT_WR))
        let deadline = ContinuousClock.now.advanced(by: Self.lingerTimeout)
        var discarded: [UInt8] = []
        var total = 0
        while total < Self.maxLingerBytes,
            PosixSocket.wait(fd, for: Int16(POLLIN), until: deadline, stopFD: stopFD) == .ready
        {
            discarded.removeAll(keepingCapacity: true)
            let count = PosixSocket.receive(fd, into: &discarded, scratch: &scratch, limit: scratch.count)
            if count == 0 { return }
            if count < 0, errno != EAGAIN, errno != EWOULDBLOCK { return }
            total += max(count, 0)
        }
    }
}
