// MIME: exact bytes for a simple message, Python's email package reading multipart and encoded
// headers back, and every header injection refused.
import EbbflowTestSupport
import Foundation
import Testing

@testable import EbbflowMail

@Suite struct MIMEWriterTests {
    /// 2026-12-07 13:52:39 UTC, a Monday.
    private let date = Date(timeIntervalSince1970: 1_796_651_559)

    private func message(
        subject: String = "Hello", html: String? = nil, text: String? = "Hi there.\n", headers: [MailHeader] = []
    ) -> MailMessage {
        MailMessage(
            from: "Ebbflow News <news@ebbflow.example.com>", to: "ann@example.org", subject: subject, html: html,
            text: text, messageID: "send-42@ebbflow.example.com", date: date, headers: headers)
    }

    private func write(_ message: MailMessage) throws -> String {
        String(decoding: try MIMEWriter().write(message), as: UTF8.self)
    }

    @Test func textOnlyMessageBytes() throws {
        let expected = [
            "From: Ebbflow News <news@ebbflow.example.com>",
            "To: ann@example.org",
            "Subject: Hello",
            "Date: Mon, 07 Dec 2026 13:52:39 +0000",
            "Message-ID: <send-42@ebbflow.example.com>",
            "MIME-Version: 1.0",
            "X-Ebbflow-Send-ID: 42",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: quoted-printable",
            "",
            "Hi there.",
            "",
        ].joined(separator: "\r\n")
        #expect(try write(message(headers: [MailHeader("X-Ebbflow-Send-ID", "42")])) == expected)
    }

    @Test func dateHeaderIsRFC5322InUTC() {
        #expect(RFC5322Date.format(Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 +0000")
        #expect(RFC5322Date.format(Date(timeIntervalSince1970: 951_782_400)) == "Tue, 29 Feb 2000 00:00:00 +0000")
        #expect(RFC5322Date.format(Date(timeIntervalSince1970: -1)) == "Wed, 31 Dec 1969 23:59:59 +0000")
    }

    @Test func multipartAlternativeParsesBackWithTextFirst() async throws {
        let html =
            "<p>Bonjour <b>Zoë</b> — 50% off = today</p>\n<a href=\"https://ebbflow.example.com/c/abc?x=1&y=2\">go</a>\n"
        let text = "Bonjour Zoë — 50% off = today\n" + String(repeating: "long line ", count: 30) + "\n.\nend  \n"
        let headers = [
            MailHeader(
                "List-Unsubscribe",
                "<https://ebbflow.example.com/u/\(String(repeating: "t", count: 90))>, <mailto:unsubscribe@ebbflow.example.com>"
            ),
            MailHeader("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        ]
        var mail = message(subject: "Zoë, your weekly digest is here", html: html, text: text, headers: headers)
        mail.replyTo = "\"Support, Ebbflow\" <help@ebbflow.example.com>"
        let bytes = try MIMEWriter().write(mail)
        let parsed = try await MailParser.parse(bytes)
        #expect(parsed.defects == [])
        #expect(parsed.sevenBit)
        #expect(parsed.crlfOnly)
        #expect(parsed.longestLine <= 998)
        #expect(parsed.contentType == "multipart/alternative")
        #expect(parsed.parts.map(\.contentType) == ["text/plain", "text/html"])
        #expect(parsed.parts.allSatisfy { $0.charset == "utf-8" && $0.transferEncoding == "quoted-printable" })
        #expect(parsed.parts[0].body == text)
        #expect(parsed.parts[1].body == html)
        #expect(parsed.header("Subject") == "Zoë, your weekly digest is here")
        #expect(parsed.header("From") == "Ebbflow News <news@ebbflow.example.com>")
        #expect(parsed.header("Reply-To") == "\"Support, Ebbflow\" <help@ebbflow.example.com>")
        #expect(parsed.header("Message-ID") == "<send-42@ebbflow.example.com>")
        #expect(parsed.header("List-Unsubscribe") == headers[0].value)
        #expect(parsed.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click")
        #expect(
            parsed.headerNames == [
                "From", "To", "Reply-To", "Subject", "Date", "Message-ID", "MIME-Version", "List-Unsubscribe",
                "List-Unsubscribe-Post", "Content-Type",
            ])
        // Every body line, encoded, fits in 76 characters.
        let body = String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n\r\n").dropFirst()
            .joined(separator: "\r\n\r\n")
        #expect(body.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 76 })
    }

    @Test func htmlAloneIsTextHTML() async throws {
        let parsed = try await MailParser.parse(try MIMEWriter().write(message(html: "<p>only</p>", text: nil)))
        #expect(parsed.contentType == "text/html")
        #expect(parsed.parts.map(\.body) == ["<p>only</p>\n"])
    }

    @Test func longAndNonASCIISubjectsAreEncodedWordsFolded() async throws {
        let subject = String(repeating: "Ünïcödé 😀 ", count: 12) + "end"
        let bytes = try MIMEWriter().write(message(subject: subject))
        let header = String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\nDate:")[0]
            .components(separatedBy: "Subject:")[1]
        #expect(header.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 78 })
        #expect(header.contains("=?UTF-8?B?"))
        let parsed = try await MailParser.parse(bytes)
        #expect(parsed.header("Subject") == subject)
        #expect(parsed.defects == [])
    }

    @Test func longASCIISubjectsFoldAtSpaces() async throws {
        let subject = (1...30).map { "word\($0)" }.joined(separator: " ")
        let bytes = try MIMEWriter().write(message(subject: subject))
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 78 })
        #expect(try await MailParser.parse(bytes).header("Subject") == subject)
    }

    @Test func nonASCIIDisplayNamesAreEncoded() async throws {
        var mail = message()
        mail.from = "Zoë’s Shop <shop@ebbflow.example.com>"
        let parsed = try await MailParser.parse(try MIMEWriter().write(mail))
        #expect(parsed.header("From") == "Zoë’s Shop <shop@ebbflow.example.com>")
    }

    @Test func boundaryDerivesFromTheMessageID() throws {
        let one = try write(message(html: "<p>a</p>"))
        #expect(one == (try write(message(html: "<p>a</p>"))))
        let boundary = MIMEWriter.boundary(for: "send-42@ebbflow.example.com")
        #expect(boundary.hasPrefix("=_ebbflow_") && boundary.count == 26)
        #expect(one.contains("boundary=\"\(boundary)\""))
        #expect(MIMEWriter.boundary(for: "send-43@ebbflow.example.com") != boundary)
    }

    @Test(arguments: [
        ("Subject", "Hello\r\nBcc: victim@example.org"),
        ("X-Custom", "value\nBcc: victim@example.org"),
        ("X-Custom", "value\rmore"),
    ])
    func crOrLFInAHeaderIsRefused(name: String, value: String) {
        let mail = name == "Subject" ? message(subject: value) : message(headers: [MailHeader(name, value)])
        #expect {
            try MIMEWriter().write(mail)
        } throws: { error in
            (error as? MIMEError)?.field == name && "\(error)".contains("header injection")
        }
    }

    @Test func injectedAddressesAndIDsAreRefused() {
        var mail = message()
        mail.to = "ann@example.org\r\nBcc: victim@example.org"
        #expect(throws: MIMEError(field: "To", "contains CR or LF (header injection)")) { try MIMEWriter().write(mail) }
        mail = message()
        mail.from = "news@ebbflow.example.com\nX: y"
        #expect(throws: MIMEError.self) { try MIMEWriter().write(mail) }
        mail = message()
        mail.messageID = "id@host>\r\nBcc: x"
        #expect(throws: MIMEError.self) { try MIMEWriter().write(mail) }
        mail = message()
        mail.replyTo = "a@b.example\n"
        #expect(throws: MIMEError.self) { try MIMEWriter().write(mail) }
    }

    @Test(arguments: ["not an address", "a@", "@b.example", "ann@exa mple.org", "zoë@example.org", "<a@b.example"])
    func badAddressesAreRefused(address: String) {
        var mail = message()
        mail.to = address
        #expect { try MIMEWriter().write(mail) } throws: { ($0 as? MIMEError)?.field == "To" }
    }

    @Test func reservedOrMalformedExtraHeadersAreRefused() {
        for name in ["Subject", "content-type", "Bcc", "Bad Name", "Colon:", ""] {
            #expect(throws: MIMEError.self) { try MIMEWriter().write(message(headers: [MailHeader(name, "x")])) }
        }
        #expect(throws: MIMEError.self) { try MIMEWriter().write(message(html: nil, text: nil)) }
        let unfoldable = String(repeating: "x", count: 1000)
        #expect(throws: MIMEError.self) { try MIMEWriter().write(message(headers: [MailHeader("X-Long", unfoldable)])) }
    }

    @Test func quotedPrintableKeepsTrailingSpacesAndEncodesEquals() {
        let encoded = String(decoding: MIMEEncoding.quotedPrintable("a = b \nc\t\n"), as: UTF8.self)
        #expect(encoded == "a =3D b=20\r\nc=09\r\n")
        let long = String(decoding: MIMEEncoding.quotedPrintable(String(repeating: "é", count: 40)), as: UTF8.self)
        let lines = long.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(lines.allSatisfy { $0.utf8.count <= 76 })
        #expect(lines.dropLast().allSatisfy { $0.hasSuffix("=") })
        // A soft break never splits an =XX escape: without it, every '=' has two hex digits after it.
        for line in lines {
            let bytes = Array((line.hasSuffix("=") ? String(line.dropLast()) : line).utf8)
            for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "=") {
                #expect(bytes.count >= index + 3)
            }
        }
    }
}
