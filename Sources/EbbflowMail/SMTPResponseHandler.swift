// Hands each decoded reply to the command waiting for it, in order, and fails the waiters when the connection ends.
import NIOCore
import NIOSSL

/// Why promises in a queue: SMTP answers commands in the order they were sent, also when they
/// were sent together (PIPELINING), so the n-th reply belongs to the n-th waiter. Each waiter
/// has its own deadline; a missed one closes the connection (its replies could no longer be
/// matched to commands) and fails every waiter. Lives on the channel's event loop only.
final class SMTPResponseHandler: ChannelInboundHandler {
    typealias InboundIn = SMTPReply

    private struct Waiter {
        var promise: EventLoopPromise<SMTPReply>
        var deadline: Scheduled<Void>?
    }

    private var waiters = CircularBuffer<Waiter>()
    /// Replies that arrived before anyone waited: only the greeting may, before the first waiter.
    private var early = CircularBuffer<SMTPReply>()
    private var greeted = false
    private var context: ChannelHandlerContext?
    /// Why the connection ended (or is ending); every later waiter fails with it.
    private(set) var endError: SMTPError?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    /// Registers a waiter for the next reply, failing at once if the connection has ended.
    func expect(_ promise: EventLoopPromise<SMTPReply>, timeout: TimeAmount, what: String) {
        if waiters.isEmpty, let reply = early.popFirst() {
            greeted = true
            promise.succeed(reply)
            return
        }
        if let endError {
            promise.fail(endError)
            return
        }
        let deadline = context.map { context in
            let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
            return context.eventLoop.scheduleTask(in: timeout) {
                handler.value.end(SMTPError(.timeout, "no reply to \(what) within \(Self.describe(timeout))"))
            }
        }
        waiters.append(Waiter(promise: promise, deadline: deadline))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let reply = unwrapInboundIn(data)
        guard let waiter = waiters.popFirst() else {
            if !greeted {
                early.append(reply)
                return
            }
            // Unasked: a 421 before an idle close, or a server out of step. Either way the
            // connection can no longer pair replies with commands.
            end(SMTPError(.connection, "the server closed the connection: \(reply)", reply: reply))
            return
        }
        greeted = true
        waiter.deadline?.cancel()
        waiter.promise.succeed(reply)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? SMTPError {
            end(error)
        } else if error is NIOSSLError || error is BoringSSLError {
            end(SMTPError(.tls, "TLS failed: \(error)"))
        } else {
            end(SMTPError(.connection, "connection failed: \(error)"))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        end(SMTPError(.connection, "the server closed the connection"))
        context.fireChannelInactive()
    }

    /// Records the first reason, fails every waiter with it and closes the channel.
    func end(_ error: SMTPError) {
        if endError == nil { endError = error }
        let reason = endError ?? error
        while let waiter = waiters.popFirst() {
            waiter.deadline?.cancel()
            waiter.promise.fail(reason)
        }
        context?.close(promise: nil)
    }

    static func describe(_ amount: TimeAmount) -> String {
        let milliseconds = amount.nanoseconds / 1_000_000
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
    }
}
