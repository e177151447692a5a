// Dot-stuffing and CRLF normalisation of the DATA section (RFC 5321 §4.5.2).
import NIOCore
import Testing

@testable import EbbflowMail

@Suite struct SMTPDataEncodingTests {
    private func encode(_ text: String) -> String {
        String(decoding: SMTPDataEncoding.encode(Array(text.utf8)), as: UTF8.self)
    }

    @Test func linesStartingWithADotGetASecondOne() {
        #expect(encode("a\r\n.hidden\r\n..two\r\n") == "a\r\n..hidden\r\n...two\r\n.\r\n")
        #expect(encode(".first line\r\n") == "..first line\r\n.\r\n")
    }

    @Test func aLoneDotLineCannotEndTheMessage() {
        #expect(encode("before\r\n.\r\nafter\r\n") == "before\r\n..\r\nafter\r\n.\r\n")
        #expect(encode(".") == "..\r\n.\r\n")
    }

    @Test func dotsInsideALineStayAsTheyAre() {
        #expect(encode("a.b. .c\r\n") == "a.b. .c\r\n.\r\n")
    }

    @Test func bareLineFeedsAndCarriageReturnsBecomeCRLF() {
        #expect(encode("one\ntwo\rthree\r\n.four\n") == "one\r\ntwo\r\nthree\r\n..four\r\n.\r\n")
        #expect(encode("x\n\n.\n") == "x\r\n\r\n..\r\n.\r\n")
    }

    @Test func aMissingFinalLineEndIsAdded() {
        #expect(encode("no newline") == "no newline\r\n.\r\n")
        #expect(encode("") == ".\r\n")
    }

    /// RFC 1870's size for SIZE: CRLF line ends counted, doubled dots and the closing line not.
    @Test func theSizeCountsCRLFLinesWithoutStuffingOrTheEnd() {
        func size(_ text: String) -> Int {
            var buffer = ByteBuffer()
            return SMTPDataEncoding.append(Array(text.utf8), to: &buffer)
        }
        #expect(size("a\n.b\r\nc") == "a\r\n.b\r\nc\r\n".utf8.count)
        #expect(size(".\n..x") == ".\r\n..x\r\n".utf8.count)
        #expect(size("") == 0)
    }
}
