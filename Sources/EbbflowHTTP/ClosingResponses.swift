// Ends a connection after an answer that says `Connection: close`, instead of reading the rest of a body nobody will use.
import NIOCore
import NIOHTTPTypes

/// Why: once a handler has answered, Hummingbird reads and throws away whatever is left of the
/// request body before it reads the next request. For a body refused as too large (413) or as
/// unreadable HTTP (400) that is the very reading the refusal exists to avoid: a chunked upload
/// with no `Content-Length` would be read to its end, however long. So an answer carrying
/// `Connection: close` ends the connection once it is written: the output is closed at once (the
/// client reads the whole answer, then end of stream), and the socket closes after a short
/// linger. During the linger what the client still sends is dropped unseen, up to a small
/// budget, and then no longer read: a client still sending (most do not stop before they see
/// the answer) can read the answer before its writes are reset, and none can make the server
/// read more than the budget.
final class ClosingResponses: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// How long a closed-for-output connection stays open for the client to read the answer.
    static let linger: TimeAmount = .seconds(2)
    /// The most body bytes dropped during the linger before reading stops.
    static let lingerBytes = 1_024 * 1_024

    /// The answer being written said `Connection: close`.
    private var closeAfterAnswer = false
    /// The answer is out: deliver nothing more.
    private var ending = false
    /// Bytes dropped since.
    private var dropped = 0

    init() {}

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard ending else { return context.fireChannelRead(data) }
        if case .body(let bytes) = unwrapInboundIn(data) { dropped += bytes.readableBytes }
        // Nothing reaches Hummingbird, whose demand would ask for more: ask here, within the budget.
        if dropped < Self.lingerBytes { context.read() }
    }

    func read(context: ChannelHandlerContext) {
        guard !ending || dropped < Self.lingerBytes else { return }
        context.read()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head):
            closeAfterAnswer = head.headerFields[.connection]?.lowercased() == "close"
            context.write(data, promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            guard closeAfterAnswer, !ending else {
                context.write(data, promise: promise)
                return
            }
            ending = true
            context.writeAndFlush(data, promise: promise)
            context.close(mode: .output, promise: nil)
            context.eventLoop.assumeIsolated().scheduleTask(in: Self.linger) {
                context.close(promise: nil)
            }
        }
    }
}
