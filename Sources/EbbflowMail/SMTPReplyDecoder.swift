// Cuts the server's byte stream into complete replies; a bare LF or an overlong line is a protocol error.
import NIOCore

struct SMTPReplyDecoder: ByteToMessageDecoder {
    typealias InboundOut = SMTPReply

    /// Lines of the reply being read, without their CRLF.
    private var pending: [[UInt8]] = []

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let view = buffer.readableBytesView
        guard let lineFeed = view.firstIndex(of: 0x0A) else {
            if view.count > SMTPReplyParser.maximumLineLength {
                throw SMTPReplyParser.malformed("a reply line longer than \(SMTPReplyParser.maximumLineLength) bytes")
            }
            return .needMoreData
        }
        let length = lineFeed - view.startIndex
        guard length >= 1, view[lineFeed - 1] == 0x0D else {
            throw SMTPReplyParser.malformed("a line ended by a bare LF instead of CRLF")
        }
        let line = Array(view[view.startIndex..<(lineFeed - 1)])
        buffer.moveReaderIndex(forwardBy: length + 1)
        if line.contains(0x0D) { throw SMTPReplyParser.malformed("a bare CR inside a reply line") }
        let parsed = try SMTPReplyParser.parseLine(line)
        pending.append(line)
        if pending.count > SMTPReplyParser.maximumLines {
            throw SMTPReplyParser.malformed("a reply of more than \(SMTPReplyParser.maximumLines) lines")
        }
        if !parsed.more {
            let reply = try SMTPReplyParser.parse(lines: pending)
            pending = []
            context.fireChannelRead(wrapInboundOut(reply))
        }
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        // A partial reply at EOF is dropped: the handler reports the connection as closed.
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}
