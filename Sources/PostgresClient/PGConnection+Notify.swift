// LISTEN/NOTIFY: subscribe, send, and wait for notifications in poll(2) with a timeout, no busy loop.
import CLibPQ

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A notification received on a channel.
public struct PGNotification: Sendable, Equatable {
    public var channel: String
    public var payload: String
    /// The server process that sent it.
    public var senderPID: Int32
}

extension PGConnection {
    /// Subscribes to a channel; kept across reconnects.
    public func listen(_ channel: String) throws {
        try simpleQuery("LISTEN \(try quoteIdentifier(channel))")
        channels.insert(channel)
    }

    public func unlisten(_ channel: String) throws {
        try simpleQuery("UNLISTEN \(try quoteIdentifier(channel))")
        channels.remove(channel)
    }

    /// Sends a notification (delivered when the surrounding transaction commits).
    public func notify(_ channel: String, payload: String = "") throws {
        try execute("SELECT pg_notify($1, $2)", [channel, payload])
    }

    /// Waits up to `timeout` for notifications and returns those that arrived (empty on
    /// timeout or `interruptWait()`). Sleeps in `poll(2)` on the socket on this connection's
    /// thread, so it neither spins nor holds a cooperative thread. Task cancellation
    /// interrupts it.
    public func waitForNotifications(timeout: Duration) async throws -> [PGNotification] {
        let waker = self.waker
        return try await withTaskCancellationHandler {
            try blockingWait(timeout: timeout)
        } onCancel: {
            waker.wake()
        }
    }

    /// Wakes a `waitForNotifications` in progress (or the next one) early. Any thread.
    public nonisolated func interruptWait() { waker.wake() }

    private func blockingWait(timeout: Duration) throws -> [PGNotification] {
        let handle = try liveHandle()
        var received = drainNotifications(handle)
        if !received.isEmpty { return received }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while received.isEmpty {
            if Task.isCancelled { return [] }
            let remaining = clock.now.duration(to: deadline)
            if remaining <= .zero { return [] }
            // At most a day per poll (the loop goes on): `seconds * 1000` of a huge timeout would trap.
            let milliseconds = Int32(
                clamping: max(
                    1,
                    min(remaining.components.seconds, 86_400) * 1000 + remaining.components.attoseconds
                        / 1_000_000_000_000_000))
            var fds = [
                pollfd(fd: PQsocket(handle.pointer), events: Int16(POLLIN), revents: 0),
                pollfd(fd: waker.readFD, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&fds, 2, milliseconds)
            if ready < 0 && errno != EINTR { throw PGError(.unexpected, "poll failed: errno \(errno)") }
            if fds[1].revents != 0, waker.drain() { return drainNotifications(handle) }
            if fds[0].revents != 0 {
                if PQconsumeInput(handle.pointer) == 0 { throw lostOrUnexpected(handle) }
                received = drainNotifications(handle)
            }
        }
        return received
    }

    private func drainNotifications(_ handle: ConnectionHandle) -> [PGNotification] {
        var result: [PGNotification] = []
        _ = PQconsumeInput(handle.pointer)
        while let raw = PQnotifies(handle.pointer) {
            let notice = raw.pointee
            result.append(
                PGNotification(
                    channel: String(cString: notice.relname), payload: String(cString: notice.extra),
                    senderPID: notice.be_pid))
            PQfreemem(raw)
        }
        return result
    }
}
