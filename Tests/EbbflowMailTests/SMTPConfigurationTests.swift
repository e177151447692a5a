// EBBFLOW_SMTP_URL: the accepted forms, defaults, percent-decoding, every error, and the password never shown.
import Foundation
import Testing

@testable import EbbflowMail

@Suite struct SMTPConfigurationTests {
    private let secret = "Sup3r-s3cret"

    @Test func defaultsAndForms() throws {
        let plain = try SMTPConfiguration(url: "smtp://relay.example.com")
        #expect(plain.host == "relay.example.com")
        #expect(plain.port == 587)
        #expect(plain.security == .startTLS)
        #expect(plain.username == nil && plain.password == nil)

        let implicit = try SMTPConfiguration(url: "smtps://relay.example.com")
        #expect(implicit.port == 465)
        #expect(implicit.security == .implicitTLS)

        let none = try SMTPConfiguration(url: "smtp://127.0.0.1:2525?tls=none")
        #expect(none.security == .none)
        #expect(none.port == 2525)

        let explicit = try SMTPConfiguration(url: "SMTP://Relay.Example.com:25/?tls=starttls")
        #expect(explicit.host == "relay.example.com")
        #expect(explicit.security == .startTLS)

        let ipv6 = try SMTPConfiguration(url: "smtp://[::1]:2525?tls=none")
        #expect(ipv6.host == "::1")
        #expect(ipv6.hostIsIPAddress)
        #expect(ipv6.description == "smtp://[::1]:2525?tls=none")
    }

    @Test func credentialsArePercentDecoded() throws {
        let configuration = try SMTPConfiguration(url: "smtp://apikey%40team:p%3Aa%2Fs%40s@smtp.example.com:587")
        #expect(configuration.username == "apikey@team")
        #expect(configuration.password == "p:a/s@s")
        // An unencoded '@' in the password still works: the host starts after the last '@'.
        let raw = try SMTPConfiguration(url: "smtp://user:pa@ss@smtp.example.com")
        #expect(raw.password == "pa@ss")
        #expect(raw.host == "smtp.example.com")
    }

    @Test func descriptionRedactsThePassword() throws {
        let configuration = try SMTPConfiguration(url: "smtp://user:\(secret)@smtp.example.com")
        #expect(configuration.description == "smtp://user:***@smtp.example.com:587")
        #expect(!"\(configuration)".contains(secret))
    }

    @Test func ehloNameAndCAFile() throws {
        let named = try SMTPConfiguration(url: "smtp://relay.example.com", ehloName: "mailer.example.com")
        #expect(named.ehloName == "mailer.example.com")
        #expect(!(try SMTPConfiguration(url: "smtp://relay.example.com")).ehloName.isEmpty)
        #expect(throws: SMTPConfigurationError.self) {
            try SMTPConfiguration(url: "smtp://relay.example.com", ehloName: "bad name\r\n")
        }
        #expect {
            try SMTPConfiguration(url: "smtp://relay.example.com", caFile: "/nonexistent/ca.pem")
        } throws: { "\($0)".contains("/nonexistent/ca.pem") }
    }

    @Test(arguments: [
        ("", "is empty"),
        ("relay.example.com", "must start with smtp:// or smtps://"),
        ("http://relay.example.com", "unknown scheme 'http'"),
        ("smtp://", "the host is missing"),
        ("smtp://:25", "the host is missing"),
        ("smtp://relay_example.com", "is not a host name"),
        ("smtp://relay.example.com:0", "the port '0'"),
        ("smtp://relay.example.com:70000", "the port '70000'"),
        ("smtp://relay.example.com:", "the port ''"),
        ("smtp://relay.example.com:2x", "the port '2x'"),
        ("smtp://relay.example.com/path", "a path after the host"),
        ("smtp://relay.example.com#frag", "a fragment"),
        ("smtp://relay.example.com?tls=maybe", "tls must be starttls or none"),
        ("smtp://relay.example.com?tls=none&tls=none", "tls= is given twice"),
        ("smtp://relay.example.com?timeout=5", "unknown query key 'timeout'"),
        ("smtps://relay.example.com?tls=none", "smtps:// is always implicit TLS"),
        ("smtp://[::1", "closed with ']'"),
        ("smtp://[zz]:25", "is not an IPv6 address"),
        ("smtp://relay example.com", "contains a space"),
        ("smtp://user@relay.example.com", "a user without a password"),
        ("smtp://:SECRET@relay.example.com", "the user is empty"),
        ("smtp://user:@relay.example.com", "the password is empty"),
        ("smtp://us%zzer:SECRET@relay.example.com", "the user has a bad percent-encoding"),
        ("smtp://user:SEC%2RET@relay.example.com", "the password has a bad percent-encoding"),
        ("smtp://user:SECRET%0A@relay.example.com", "control character"),
    ])
    func errorsNameThePartAndNeverThePassword(url: String, reason: String) {
        let url = url.replacingOccurrences(of: "SECRET", with: secret)
        #expect {
            try SMTPConfiguration(url: url)
        } throws: { error in
            let text = "\(error)"
            return text.contains(reason) && text.hasPrefix("EBBFLOW_SMTP_URL: ") && !text.contains(secret)
                && !text.contains("Sup3r")
        }
    }

    @Test func hostErrorsNeverEchoCredentials() {
        // A malformed host after credentials: the message shows the host, not what came before '@'.
        #expect {
            try SMTPConfiguration(url: "smtp://user:\(secret)@bad_host:25")
        } throws: { !"\($0)".contains(secret) && "\($0)".contains("bad_host") }
        #expect {
            try SMTPConfiguration(url: "smtp://user:\(secret)@relay.example.com:99999")
        } throws: { !"\($0)".contains(secret) }
    }
}
