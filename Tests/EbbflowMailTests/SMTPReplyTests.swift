// RFC 5321 §4.2 replies: single and multi-line, enhanced status codes, and every malformed form refused.
import NIOCore
import NIOEmbedded
import Testing

@testable import EbbflowMail

@Suite struct SMTPReplyTests {
    private func lines(_ texts: String...) -> [[UInt8]] { texts.map { Array($0.utf8) } }

    @Test func singleLineWithEnhancedStatus() throws {
        let reply = try SMTPReplyParser.parse(lines: lines("250 2.0.0 Ok: queued as 4F2A1"))
        #expect(reply.code == 250)
        #expect(reply.enhancedStatus == "2.0.0")
        #expect(reply.lines == ["2.0.0 Ok: queued as 4F2A1"])
        #expect(reply.isPositiveCompletion)
        #expect(reply.description == "250 2.0.0 Ok: queued as 4F2A1")
    }

    @Test func multiLineEHLO() throws {
        let reply = try SMTPReplyParser.parse(
            lines: lines("250-relay.example.com", "250-PIPELINING", "250-AUTH PLAIN LOGIN", "250 STARTTLS"))
        #expect(reply.code == 250)
        #expect(reply.enhancedStatus == nil)
        #expect(reply.lines == ["relay.example.com", "PIPELINING", "AUTH PLAIN LOGIN", "STARTTLS"])
    }

    @Test func codeAloneAndEmptyText() throws {
        #expect(try SMTPReplyParser.parse(lines: lines("354")).code == 354)
        #expect(try SMTPReplyParser.parse(lines: lines("250-first", "250")).lines == ["first", ""])
        #expect(try SMTPReplyParser.parse(lines: lines("421 ")).lines == [""])
    }

    @Test func enhancedStatusMustMatchTheClass() throws {
        #expect(try SMTPReplyParser.parse(lines: lines("550 5.1.1 no such user")).enhancedStatus == "5.1.1")
        #expect(try SMTPReplyParser.parse(lines: lines("550 4.1.1 odd")).enhancedStatus == nil)
        #expect(try SMTPReplyParser.parse(lines: lines("451 4.7.1234 too long")).enhancedStatus == nil)
        #expect(try SMTPReplyParser.parse(lines: lines("250 2.0 short")).enhancedStatus == nil)
    }

    @Test(arguments: [
        (["25"], "shorter than its three-digit code"),
        (["2x0 hello"], "does not start with a three-digit code"),
        (["600 too high"], "outside 200–559"),
        (["150 a 1xx reply"], "outside 200–559"),
        (["260 second digit"], "outside 200–559"),
        (["250x"], "neither a space nor '-'"),
        (["250-one", "251 two"], "different codes"),
        (["250-one", "250-two"], "says more follows"),
        (["250 one", "250 two"], "after its last one"),
        (["250 nul\u{0}byte"], "control character"),
    ])
    func malformedRepliesAreProtocolErrors(texts: [String], reason: String) {
        #expect {
            try SMTPReplyParser.parse(lines: texts.map { Array($0.utf8) })
        } throws: { error in
            guard let error = error as? SMTPError else { return false }
            return error.kind == .protocolViolation && error.message.contains(reason)
        }
    }

    @Test func overlongLinesAreRefused() {
        let long = "250 " + String(repeating: "a", count: SMTPReplyParser.maximumLineLength)
        #expect(throws: SMTPError.self) { try SMTPReplyParser.parse(lines: [Array(long.utf8)]) }
    }

    // MARK: The decoder on a channel

    private func decode(_ chunks: [String]) throws -> [SMTPReply] {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(SMTPReplyDecoder()))
        var replies: [SMTPReply] = []
        for chunk in chunks {
            try channel.writeInbound(ByteBuffer(string: chunk))
            while let reply = try channel.readInbound(as: SMTPReply.self) { replies.append(reply) }
        }
        _ = try? channel.finish()
        return replies
    }

    @Test func decoderJoinsLinesSplitAcrossReads() throws {
        let replies = try decode(["220 ready\r\n250-a", "\r\n250-b\r", "\n250 c\r\n354 go on\r\n"])
        #expect(replies.map(\.code) == [220, 250, 354])
        #expect(replies[1].lines == ["a", "b", "c"])
    }

    @Test func decoderRefusesBareLineFeeds() {
        #expect(throws: SMTPError.self) { try decode(["220 ready\n"]) }
    }

    @Test func decoderRefusesABareCarriageReturnInsideALine() {
        #expect(throws: SMTPError.self) { try decode(["220 re\rady\r\n"]) }
    }

    @Test func decoderRefusesALineThatNeverEnds() {
        #expect(throws: SMTPError.self) {
            try decode([String(repeating: "2", count: SMTPReplyParser.maximumLineLength + 10)])
        }
    }
}
