// EBBFLOW_SMTP_URL parsed: where the relay is, how the connection is secured, who logs in.
import Foundation
import NIOCore
import NIOSSL

/// `smtp://[user:password@]host[:port][?tls=starttls|none]` or `smtps://[user:password@]host[:port]`.
///
/// - `smtp://` upgrades with STARTTLS, and a server that does not offer it is an error: mail and
///   credentials never cross the network in clear unless `?tls=none` says so (a relay on loopback).
/// - `smtps://` speaks TLS from the first byte (implicit TLS, RFC 8314).
/// - Default ports: 587 (submission) for `smtp://`, 465 for `smtps://`.
/// - User and password are percent-decoded (`%40` for `@`, `%3A` for `:`); both or neither.
///
/// Why parsed by hand: every mistake gets its own message naming the part at fault, and no
/// message, nor `description`, ever shows the password.
public struct SMTPConfiguration: Sendable, CustomStringConvertible {
    public enum Security: String, Sendable, Equatable {
        /// Plain TCP upgraded with STARTTLS, which the server must offer.
        case startTLS = "starttls"
        /// TLS from the first byte (`smtps://`).
        case implicitTLS = "implicit"
        /// No TLS at all (`?tls=none`): only for a relay on a trusted network.
        case none
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    /// Kept out of `description` and every error.
    public var password: String?
    /// The name sent with EHLO: the override given, else this machine's host name.
    public var ehloName: String
    /// Extra CA certificates trusted for the relay's certificate (a private relay, the tests'
    /// own CA), in addition to the system's roots; nil trusts the system's roots alone.
    public var trustedCertificates: [NIOSSLCertificate]?
    /// Per-command limits; tests shorten them.
    public var timeouts: SMTPTimeouts

    /// - Parameters:
    ///   - url: `EBBFLOW_SMTP_URL`.
    ///   - caFile: a PEM file of CA certificates (`EBBFLOW_SMTP_CA`, read by the caller); read here
    ///     so that a bad file fails at startup, not at the first send.
    ///   - ehloName: the EHLO name; nil uses this machine's host name.
    public init(url: String, caFile: String? = nil, ehloName: String? = nil) throws(SMTPConfigurationError) {
        var parsed = try SMTPURLParser.parse(url)
        parsed.ehloName =
            try ehloName.map { name throws(SMTPConfigurationError) in
                guard SMTPURLParser.isHostName(name) else {
                    throw SMTPConfigurationError(
                        "EBBFLOW_SMTP_EHLO_NAME: must be a host name (letters, digits, '-' and '.')", variable: nil)
                }
                return name
            } ?? SMTPConfiguration.localHostName()
        if let caFile {
            do {
                let certificates = try NIOSSLCertificate.fromPEMFile(caFile)
                guard !certificates.isEmpty else { throw SMTPConfigurationError("no certificate") }
                parsed.trustedCertificates = certificates
            } catch {
                throw SMTPConfigurationError(
                    "EBBFLOW_SMTP_CA: \(caFile.prefix(200)) is not a readable file of PEM certificates", variable: nil)
            }
        }
        self = parsed
    }

    init(host: String, port: Int, security: Security, username: String?, password: String?) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.ehloName = "localhost"
        self.trustedCertificates = nil
        self.timeouts = SMTPTimeouts()
    }

    /// The URL with the password replaced by `***`.
    public var description: String {
        let scheme = security == .implicitTLS ? "smtps" : "smtp"
        var credentials = ""
        if let username {
            credentials = (SMTPURLParser.percentEncode(username)) + (password == nil ? "" : ":***") + "@"
        }
        let hostPart = host.contains(":") ? "[\(host)]" : host
        let query = security == .none ? "?tls=none" : ""
        return "\(scheme)://\(credentials)\(hostPart):\(port)\(query)"
    }

    /// Whether `host` is an IP literal (no SNI, and the certificate must name the address).
    var hostIsIPAddress: Bool { (try? SocketAddress(ipAddress: host, port: 0)) != nil }

    /// gethostname(), when it is a valid host name; else `localhost`.
    static func localHostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return SMTPURLParser.isHostName(name) ? name : "localhost"
    }
}

/// What is wrong with the SMTP settings; its text never includes the password.
public struct SMTPConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    /// The variable the reason is about, named first in the message (nil: the reason names it).
    public var variable: String?

    public init(_ reason: String, variable: String? = "EBBFLOW_SMTP_URL") {
        self.reason = reason
        self.variable = variable
    }

    public var description: String { variable.map { "\($0): \(reason)" } ?? reason }
}

/// Per-command timeouts, modelled on RFC 5321 §4.5.3.2 (which gives the minimums a client should
/// wait: 5 minutes for the greeting, MAIL and RCPT, 2 for the 354 after DATA, 10 after the final
/// dot). Why bounded at all: a relay that stops answering must not hold the connection, and the
/// leases of the messages behind it, forever. A timeout closes the connection; the message it hit
/// is transient.
public struct SMTPTimeouts: Sendable, Equatable {
    /// TCP connect.
    public var connect: TimeAmount = .seconds(30)
    /// The 220 greeting, and the TLS handshake with the EHLO after it.
    public var greeting: TimeAmount = .minutes(5)
    /// EHLO, STARTTLS, AUTH, MAIL, RCPT, RSET (and with PIPELINING, each reply of the group).
    public var command: TimeAmount = .minutes(5)
    /// The 354 after DATA.
    public var dataInitiation: TimeAmount = .minutes(2)
    /// The reply after the final dot, counted from when the data was written.
    public var dataTermination: TimeAmount = .minutes(10)
    /// QUIT at close: short, nothing depends on it.
    public var quit: TimeAmount = .seconds(5)

    public init() {}
}
