// One SMTP session on one channel: connect, greeting, EHLO, STARTTLS, AUTH, then transactions until QUIT.
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// Why a class of its own: `SMTPClient` decides when to connect, reuse and give up; this type
/// only speaks the protocol on one channel. It is used by one caller at a time (the client's
/// gate), so its mutable parts live on the channel's event loop.
final class SMTPConnection: Sendable {
    let channel: any Channel
    private let handler: NIOLoopBound<SMTPResponseHandler>
    let timeouts: SMTPTimeouts
    /// EHLO keywords (upper case) with their parameters, from the last EHLO.
    let extensions: [String: String]
    let isTLS: Bool

    private init(
        channel: any Channel, handler: NIOLoopBound<SMTPResponseHandler>, timeouts: SMTPTimeouts,
        extensions: [String: String], isTLS: Bool
    ) {
        self.channel = channel
        self.handler = handler
        self.timeouts = timeouts
        self.extensions = extensions
        self.isTLS = isTLS
    }

    var isActive: Bool { channel.isActive }
    var supportsPipelining: Bool { extensions["PIPELINING"] != nil }
    /// SIZE (RFC 1870) announced: MAIL then declares each message's size.
    var supportsSize: Bool { extensions["SIZE"] != nil }
    /// The largest message the server announced it accepts; nil when it announced none, or
    /// `SIZE 0` (no fixed limit), or a number too large to matter.
    var maximumMessageSize: Int? { extensions["SIZE"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil } }

    // MARK: Opening

    /// Connects and gets the session ready for MAIL: greeting, EHLO, STARTTLS and EHLO again,
    /// AUTH. Throws `SMTPError` saying which step failed; the channel is closed then.
    static func open(
        _ configuration: SMTPConfiguration, group: any EventLoopGroup, logger: Logger
    ) async throws(SMTPError) -> SMTPConnection {
        let tlsContext: NIOSSLContext?
        do {
            tlsContext = configuration.security == .none ? nil : try makeTLSContext(configuration)
        } catch {
            throw SMTPError(.tls, "cannot set up TLS: \(error)")
        }
        let implicitTLS = configuration.security == .implicitTLS
        let serverName = configuration.hostIsIPAddress ? nil : configuration.host
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(configuration.timeouts.connect)
                .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if implicitTLS, let tlsContext {
                            try channel.pipeline.syncOperations.addHandler(
                                NIOSSLClientHandler(context: tlsContext, serverHostname: serverName))
                        }
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPReplyDecoder()))
                        try channel.pipeline.syncOperations.addHandler(SMTPResponseHandler())
                    }
                }
                .connect(host: configuration.host, port: configuration.port).get()
        } catch {
            throw SMTPError(
                .connection, "cannot connect to \(configuration.host):\(configuration.port): \(error)")
        }
        let handler: NIOLoopBound<SMTPResponseHandler>
        do {
            handler = try await channel.eventLoop.submit {
                NIOLoopBound(
                    try channel.pipeline.syncOperations.handler(type: SMTPResponseHandler.self),
                    eventLoop: channel.eventLoop)
            }.get()
        } catch {
            channel.close(promise: nil)
            throw SMTPError(.connection, "connection failed: \(error)")
        }
        var connection = SMTPConnection(
            channel: channel, handler: handler, timeouts: configuration.timeouts, extensions: [:], isTLS: implicitTLS)
        do throws(SMTPError) {
            let greeting = try await connection.reply(
                to: nil, what: "the greeting", timeout: configuration.timeouts.greeting)
            guard greeting.code == 220 else {
                throw greeting.isPositiveCompletion || greeting.isPositiveIntermediate
                    ? SMTPError(.protocolViolation, "the server greeted with \(greeting) instead of 220")
                    : SMTPError.rejected("the connection", greeting)
            }
            connection = try await connection.hello(configuration)
            if configuration.security == .startTLS {
                guard connection.extensions["STARTTLS"] != nil else {
                    throw SMTPError(
                        .configuration,
                        "\(configuration.host) does not offer STARTTLS, which smtp:// requires "
                            + "(use smtps:// for implicit TLS, or ?tls=none for a relay on a trusted network)")
                }
                let reply = try await connection.command("STARTTLS", timeout: configuration.timeouts.command)
                guard reply.code == 220 else { throw SMTPError.rejected("STARTTLS", reply) }
                guard let tlsContext else { throw SMTPError(.tls, "no TLS context") }
                do {
                    try await channel.eventLoop.submit {
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: tlsContext, serverHostname: serverName), position: .first)
                    }.get()
                } catch {
                    throw SMTPError(.tls, "cannot start TLS: \(error)")
                }
                connection = try await SMTPConnection(
                    channel: channel, handler: handler, timeouts: configuration.timeouts, extensions: [:], isTLS: true
                ).hello(configuration)
            }
            try await connection.authenticate(configuration)
            logger.debug(
                "SMTP session ready",
                metadata: [
                    "smtp.server": "\(configuration.host):\(configuration.port)", "smtp.tls": "\(connection.isTLS)",
                    "smtp.pipelining": "\(connection.supportsPipelining)",
                ])
            return connection
        } catch {
            channel.close(promise: nil)
            throw error
        }
    }

    private static func makeTLSContext(_ configuration: SMTPConfiguration) throws -> NIOSSLContext {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if let certificates = configuration.trustedCertificates {
            tls.additionalTrustRoots = [.certificates(certificates)]
        }
        return try NIOSSLContext(configuration: tls)
    }

    /// EHLO; returns a connection value holding the extensions it announced.
    private func hello(_ configuration: SMTPConfiguration) async throws(SMTPError) -> SMTPConnection {
        let reply = try await command("EHLO \(configuration.ehloName)", timeout: configuration.timeouts.greeting)
        guard reply.code == 250 else { throw SMTPError.rejected("EHLO", reply) }
        var extensions: [String: String] = [:]
        for line in reply.lines.dropFirst() {
            let keyword = line.prefix { $0 != " " }.uppercased()
            guard !keyword.isEmpty else { continue }
            extensions[keyword] = String(line.dropFirst(keyword.count).drop { $0 == " " })
        }
        return SMTPConnection(
            channel: channel, handler: handler, timeouts: timeouts, extensions: extensions, isTLS: isTLS)
    }

    /// AUTH PLAIN if offered, else LOGIN; only over TLS unless the URL said `tls=none`.
    private func authenticate(_ configuration: SMTPConfiguration) async throws(SMTPError) {
        guard let username = configuration.username, let password = configuration.password else { return }
        guard isTLS || configuration.security == .none else {
            throw SMTPError(.configuration, "refusing to send credentials without TLS")
        }
        guard let offered = extensions["AUTH"] else {
            throw SMTPError(
                .configuration, "the URL has credentials but \(configuration.host) offers no AUTH (on this connection)")
        }
        let mechanisms = Set(offered.uppercased().split(separator: " ").map(String.init))
        let reply: SMTPReply
        let mechanism: String
        if mechanisms.contains("PLAIN") {
            mechanism = "AUTH PLAIN"
            let token = Data(([0] + Array(username.utf8) + [0] + Array(password.utf8)) as [UInt8]).base64EncodedString()
            reply = try await command("AUTH PLAIN \(token)", timeout: timeouts.command, what: "AUTH PLAIN")
        } else if mechanisms.contains("LOGIN") {
            mechanism = "AUTH LOGIN"
            let start = try await command("AUTH LOGIN", timeout: timeouts.command)
            guard start.code == 334 else { throw Self.authenticationError(mechanism, start) }
            let user = try await command(
                Data(username.utf8).base64EncodedString(), timeout: timeouts.command, what: "AUTH LOGIN's user")
            guard user.code == 334 else { throw Self.authenticationError(mechanism, user) }
            reply = try await command(
                Data(password.utf8).base64EncodedString(), timeout: timeouts.command, what: "AUTH LOGIN's password")
        } else {
            throw SMTPError(
                .authentication, "\(configuration.host) offers AUTH \(offered.prefix(100)), but neither PLAIN nor LOGIN"
            )
        }
        guard reply.code == 235 else { throw Self.authenticationError(mechanism, reply) }
    }

    private static func authenticationError(_ mechanism: String, _ reply: SMTPReply) -> SMTPError {
        if reply.isTransientNegative { return SMTPError.rejected(mechanism, reply) }
        return SMTPError(
            .authentication, "\(mechanism) refused: \(reply) (check the user and password in the URL)", reply: reply)
    }

    // MARK: Commands

    /// Writes `bytes` and registers one waiter per timeout, in order; the futures complete with
    /// the replies as they arrive (or all fail when the connection ends).
    func write(_ bytes: ByteBuffer?, replies timeouts: [(TimeAmount, String)]) -> [EventLoopFuture<SMTPReply>] {
        let eventLoop = channel.eventLoop
        let promises = timeouts.map { _ in eventLoop.makePromise(of: SMTPReply.self) }
        let handler = self.handler
        let channel = self.channel
        eventLoop.execute {
            for (promise, (timeout, what)) in zip(promises, timeouts) {
                handler.value.expect(promise, timeout: timeout, what: what)
            }
            if let bytes, handler.value.endError == nil {
                channel.writeAndFlush(bytes).whenFailure { error in
                    handler.value.end(SMTPError(.connection, "writing to the server failed: \(error)"))
                }
            }
        }
        return promises.map(\.futureResult)
    }

    /// Sends one command line (CRLF added) and waits for its reply. `what` names it in a
    /// timeout's message (so AUTH's arguments never appear there).
    func command(_ line: String, timeout: TimeAmount, what: String? = nil) async throws(SMTPError) -> SMTPReply {
        try await reply(to: line, what: what ?? line, timeout: timeout)
    }

    private func reply(to line: String?, what: String, timeout: TimeAmount) async throws(SMTPError) -> SMTPReply {
        let bytes = line.map { ByteBuffer(string: $0 + "\r\n") }
        return try await Self.result(of: write(bytes, replies: [(timeout, what)])[0])
    }

    static func result(of future: EventLoopFuture<SMTPReply>) async throws(SMTPError) -> SMTPReply {
        do {
            return try await future.get()
        } catch let error as SMTPError {
            throw error
        } catch {
            throw SMTPError(.connection, "connection failed: \(error)")
        }
    }

    /// QUIT, then close; errors are ignored (the session is over either way).
    func close() async {
        if channel.isActive {
            _ = try? await command("QUIT", timeout: timeouts.quit)
        }
        try? await channel.close()
    }

    /// Closes without QUIT (after a timeout or a protocol error, when nothing more can be said).
    func abort() {
        channel.close(promise: nil)
    }
}
