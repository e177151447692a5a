// The SMTP client against a real aiosmtpd on loopback: TLS, AUTH, pipelining, refusals, drops and reconnects.
import EbbflowTestSupport
import Foundation
import Logging
import NIOCore
import NIOPosix
import Testing

@testable import EbbflowMail

@Suite(.timeLimit(.minutes(5))) struct SMTPClientTests {
    private static let date = Date(timeIntervalSince1970: 1_796_651_559)

    private func mail(_ number: Int, to recipient: String? = nil) -> MailMessage {
        MailMessage(
            from: "Ebbflow <news@ebbflow.example.com>", to: recipient ?? "contact\(number)@example.org",
            subject: "Message \(number)", html: "<p>Hello \(number)</p>\n.\n", text: "Hello \(number)\n.\n",
            messageID: "send-\(number)@ebbflow.example.com", date: Self.date,
            headers: [MailHeader("X-Ebbflow-Send-ID", "\(number)")])
    }

    private func makeClient(_ url: String, caFile: String? = nil, tweak: (inout SMTPConfiguration) -> Void = { _ in })
        throws -> SMTPClient
    {
        var configuration = try SMTPConfiguration(url: url, caFile: caFile, ehloName: "client.ebbflow.test")
        configuration.timeouts.command = .seconds(30)
        configuration.timeouts.greeting = .seconds(30)
        configuration.timeouts.dataTermination = .seconds(30)
        tweak(&configuration)
        return SMTPClient(
            configuration: configuration, eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            logger: QuietLogger.logger)
    }

    private func codes(_ results: [SMTPSubmission]) -> [String] {
        results.map { result in
            switch result {
            case .accepted(let reply): return "accepted \(reply.code)"
            case .transient(let error): return "transient \(error.reply.map { String($0.code) } ?? error.kind.rawValue)"
            case .permanent(let error): return "permanent \(error.reply.map { String($0.code) } ?? error.kind.rawValue)"
            }
        }
    }

    @Test func startTLSAndAuthPlain() async throws {
        let options = SMTPTestServer.Options(
            startTLS: true, auth: ("ebbflow", "p@ss:word"), authMechanisms: ["PLAIN", "LOGIN"])
        try await SMTPTestServer.with(options) { server in
            let client = try makeClient("smtp://ebbflow:p%40ss%3Aword@127.0.0.1:\(server.port)", caFile: server.caFile)
            let results = try await client.send([mail(1)])
            await client.close()
            #expect(codes(results) == ["accepted 250"])
            guard case .accepted(let reply) = results[0] else { return }
            #expect(reply.text.contains("queued as 000001"))
            let received = try server.messages()
            #expect(received.count == 1)
            #expect(received[0].metadata.tls)
            #expect(received[0].metadata.authenticated)
            #expect(received[0].metadata.login == "ebbflow")
            #expect(received[0].metadata.ehlo == "client.ebbflow.test")
            #expect(received[0].metadata.mailFrom == "news@ebbflow.example.com")
            #expect(received[0].metadata.rcptTos == ["contact1@example.org"])
            // What arrived is what the writer wrote: dot-stuffing undone by the server.
            #expect(received[0].data == (try MIMEWriter().write(mail(1))))
            let parsed = try await MailParser.parse(received[0].data)
            #expect(parsed.parts.map(\.body) == ["Hello 1\n.\n", "<p>Hello 1</p>\n.\n"])
        }
    }

    @Test func authLogin() async throws {
        let options = SMTPTestServer.Options(startTLS: true, auth: ("ebbflow", "secret"), authMechanisms: ["LOGIN"])
        try await SMTPTestServer.with(options) { server in
            let client = try makeClient("smtp://ebbflow:secret@127.0.0.1:\(server.port)", caFile: server.caFile)
            #expect(codes(try await client.send([mail(1)])) == ["accepted 250"])
            await client.close()
            #expect(try server.messages().first?.metadata.login == "ebbflow")
        }
    }

    @Test func wrongPasswordIsAConfigurationErrorAndNothingIsLost() async throws {
        let options = SMTPTestServer.Options(startTLS: true, auth: ("ebbflow", "secret"))
        try await SMTPTestServer.with(options) { server in
            let client = try makeClient("smtp://ebbflow:WRONG-pw@127.0.0.1:\(server.port)", caFile: server.caFile)
            let results = try await client.send([mail(1), mail(2)])
            await client.close()
            #expect(results.count == 2)
            for result in results {
                guard case .transient(let error) = result else {
                    Issue.record("expected transient, got \(result)")
                    continue
                }
                #expect(error.kind == .authentication)
                #expect(error.isConfigurationError)
                #expect(error.reply?.code == 535)
                #expect(!error.message.contains("WRONG-pw"))
            }
            #expect(try server.messages().isEmpty)
        }
    }

    @Test func startTLSRequiredButNotOfferedIsAClearError() async throws {
        try await SMTPTestServer.with { server in
            let client = try makeClient("smtp://127.0.0.1:\(server.port)")
            let results = try await client.send([mail(1)])
            #expect(results.first?.error?.kind == .configuration)
            #expect(results.first?.error?.message.contains("does not offer STARTTLS") == true)
            #expect(try server.messages().isEmpty)
            // The same server is usable when the URL says so.
            let plain = try makeClient("smtp://127.0.0.1:\(server.port)?tls=none")
            #expect(codes(try await plain.send([mail(2)])) == ["accepted 250"])
            await plain.close()
            #expect(try server.messages().map(\.metadata.tls) == [false])
        }
    }

    @Test func untrustedCertificateIsATLSError() async throws {
        try await SMTPTestServer.with(SMTPTestServer.Options(startTLS: true)) { server in
            let client = try makeClient("smtp://127.0.0.1:\(server.port)")
            let results = try await client.send([mail(1)])
            #expect(results.first?.error?.kind == .tls)
            #expect(results.first?.error?.isTransient == true)
        }
    }

    @Test func implicitTLS() async throws {
        try await SMTPTestServer.with(SMTPTestServer.Options(implicitTLS: true)) { server in
            let client = try makeClient("smtps://localhost:\(server.port)", caFile: server.caFile)
            #expect(codes(try await client.send([mail(1)])) == ["accepted 250"])
            await client.close()
            #expect(try server.messages().map(\.metadata.tls) == [true])
        }
    }

    @Test func manyMessagesPipelinedOnOneConnection() async throws {
        try await SMTPTestServer.with { server in
            let client = try makeClient("smtp://127.0.0.1:\(server.port)?tls=none")
            let first = try await client.send((1...30).map { mail($0) })
            let second = try await client.send((31...40).map { mail($0) })
            await client.close()
            #expect((first + second).allSatisfy { $0.isAccepted })
            let received = try server.messages()
            #expect(received.count == 40)
            #expect(Set(received.map(\.metadata.connection)).count == 1)
            #expect(received.allSatisfy { $0.metadata.pipelined })
            #expect(received.map(\.metadata.rcptTos[0]) == (1...40).map { "contact\($0)@example.org" })
        }
    }

    @Test func withoutPipeliningCommandsGoOneByOne() async throws {
        try await SMTPTestServer.with(SMTPTestServer.Options(pipelining: false)) { server in
            let client = try makeClient("smtp://127.0.0.1:\(server.port)?tls=none")
            #expect(try await client.send((1...5).map { mail($0) }).allSatisfy { $0.isAccepted })
            await client.close()
            let received = try server.messages()
            #expect(received.count == 5)
            #expect(received.allSatisfy { !$0.metadata.pipelined })
        }
    }

    @Test(arguments: [true, false])
    func refusalsAtRCPTAndDATA(pipelining: Bool) async throws {
        try await SMTPTestServer.with(SMTPTestServer.Options(pipelining: pipelining)) { server in
            let client = try makeClient("smtp://127.0.0.1:\(server.port)?tls=none")
            let results = try await client.send([
                mail(1), mail(2, to: "tempfail@example.org"), mail(3, to: "reject@example.org"),
                mail(4, to: "tempfail-data@example.org"), mail(5, to: "reject-data@example.org"), mail(6),
            ])
            await client.close()
            #expect(
                codes(results) == [
                    "accepted 250", "transient 450", "permanent 550", "transient 451", "permanent 554", "accepted 250",
                ])
            #expect(results[2].error?.reply?.enhancedStatus == "5.1.1")
            #expect(results[2].error?.message.hasPrefix("RCPT TO refused: 550 5.1.1") == true)
            let received = try server.messages()
            #expect(received.map(\.metadata.rcptTos[0]) == ["contact1@example.org", "contact6@example.org"])
            // RSET after each refusal kept the one connection usable.
            #expect(Set(received.map(\.metadata.connection)).count == 1)
        }
    }

    @Test func dropMidDataMakesTheRestTransientAndTheNextSendReconnects() async throws {
        try await SMTPTestServer.with { server in
            let client = try makeClient("smtp://127.0.0.1:\(server.port)?tls=none")
            let results = try await client.send([mail(1), mail(2), mail(3, to: "drop@example.org"), mail(4), mail(5)])
            #expect(
                codes(results) == [
                    "accepted 250", "accepted 250", "transient connection", "transient connection",
                    "transient connection",
                ])
            #expect(try server.messages().count == 2)
            let next = try await client.send([mail(4), mail(5)])
            await client.close()
            #expect(next.allSatisfy { $0.isAccepted })
            let received = try server.messages()
            #expect(received.map(\.metadata.rcptTos[0]).suffix(2) == ["contact4@example.org", "contact5@example.org"])
            #expect(received[0].metadata.connection != received[2].metadata.connection)
        }
    }

    /// With a 421 first (Postfix) and without (aiosmtpd's own close).
    @Test(arguments: [false, true])
    func aConnectionClosedWhileIdleIsReopened(silently: Bool) async throws {
        // An idle limit of 5 s: the first transaction must finish inside it, which a test run that
        // keeps both cooperative threads busy (the full suite) did not always allow at 1.5 s.
        try await SMTPTestServer.with(SMTPTestServer.Options(idleTimeout: 5, silentIdleClose: silently)) { server in
            let client = try makeClient("smtp://127.0.0.1:\(server.port)?tls=none")
            #expect(try await client.send([mail(1)]).allSatisfy { $0.isAccepted })
            // Waits for the server's idle close; nothing is asserted about time.
            try await Task.sleep(for: .seconds(8))
            #expect(try await client.send([mail(2)]).allSatisfy { $0.isAccepted })
            await client.close()
            let received = try server.messages()
            #expect(received.count == 2)
            #expect(received[0].metadata.connection != received[1].metadata.connection)
        }
    }

    @Test(arguments: [true, false])
    func aRefusedSenderIsPermanentAndTheConnectionGoesOn(pipelining: Bool) async throws {
        try await SMTPTestServer.with(SMTPTestServer.Options(pipelining: pipelining)) { server in
            let client = try makeClient("smtp://127.0.0.1:\(server.port)?tls=none")
            var refused = mail(2)
            refused.from = "reject-me@ebbflow.example.com"
            let results = try await client.send([mail(1), refused, mail(3)])
            await client.close()
            // Pipelined, RCPT and DATA were refused too (no transaction); the MAIL reply is the one reported.
            #expect(codes(results) == ["accepted 250", "permanent 553", "accepted 250"])
            #expect(results[1].error?.message.hasPrefix("MAIL FROM refused: 553 5.7.1") == true)
            let received = try server.messages()
            #expect(received.map(\.metadata.rcptTos[0]) == ["contact1@example.org", "contact3@example.org"])
            #expect(Set(received.map(\.metadata.connection)).count == 1)
        }
    }

    @Test func aServerThatNeverAnswersTheDataTimesOut() async throws {
        try await SMTPTestServer.with { server in
            let client = try makeClient("smtp://127.0.0.1:\(server.port)?tls=none") { configuration in
                configuration.timeouts.dataTermination = .seconds(1)
            }
            let results = try await client.send([mail(1), mail(2, to: "stall@example.org"), mail(3)])
            #expect(codes(results) == ["accepted 250", "transient timeout", "transient timeout"])
            #expect(results[1].error?.message == "no reply to the end of the data within 1 s")
            // The next call opens a new connection.
            #expect(codes(try await client.send([mail(3)])) == ["accepted 250"])
            await client.close()
            #expect(try server.messages().count == 2)
        }
    }

    @Test func concurrentSendsShareTheConnectionInTurn() async throws {
        try await SMTPTestServer.with { server in
            let client = try makeClient("smtp://127.0.0.1:\(server.port)?tls=none")
            let results = try await withThrowingTaskGroup(of: [SMTPSubmission].self) { group in
                for batch in 0..<4 {
                    group.addTask { try await client.send((1...5).map { mail(batch * 10 + $0) }) }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            await client.close()
            #expect(results.count == 20 && results.allSatisfy { $0.isAccepted })
            let received = try server.messages()
            #expect(received.count == 20)
            #expect(Set(received.map(\.metadata.connection)).count == 1)
        }
    }

    @Test func aMessageThatCannotBeWrittenFailsAloneAndPermanently() async throws {
        try await SMTPTestServer.with { server in
            let client = try makeClient("smtp://127.0.0.1:\(server.port)?tls=none")
            var bad = mail(2)
            bad.subject = "Hi\r\nBcc: victim@example.org"
            let results = try await client.send([mail(1), bad, mail(3)])
            await client.close()
            #expect(codes(results) == ["accepted 250", "permanent invalidMessage", "accepted 250"])
            #expect(try server.messages().count == 2)
        }
    }

    /// RFC 1870: MAIL declares the size the server announced SIZE for (the data's bytes with
    /// CRLF line ends, without the doubled dots: what the server keeps).
    @Test func mailDeclaresTheMessagesSize() async throws {
        try await SMTPTestServer.with { server in
            let client = try makeClient("smtp://127.0.0.1:\(server.port)?tls=none")
            let results = try await client.send([mail(1)])
            await client.close()
            #expect(codes(results) == ["accepted 250"])
            let received = try #require(try server.messages().first)
            #expect(received.metadata.mailOptions == ["SIZE=\(received.data.count)"])
        }
    }

    /// A message larger than the announced SIZE fails alone and for good, never sent; the
    /// messages around it go on the same connection.
    @Test func aMessageLargerThanTheAnnouncedSizeFailsPermanentlyUnsent() async throws {
        try await SMTPTestServer.with(SMTPTestServer.Options(sizeLimit: 4_000)) { server in
            let client = try makeClient("smtp://127.0.0.1:\(server.port)?tls=none")
            var big = mail(2)
            big.html = "<p>" + String(repeating: "long ", count: 2_000) + "</p>"
            let results = try await client.send([mail(1), big, mail(3)])
            await client.close()
            #expect(codes(results) == ["accepted 250", "permanent invalidMessage", "accepted 250"])
            let message = try #require(results[1].error?.message)
            #expect(message.hasPrefix("message is ") && message.hasSuffix(" bytes; the server accepts at most 4000"))
            let received = try server.messages()
            #expect(received.map(\.metadata.rcptTos) == [["contact1@example.org"], ["contact3@example.org"]])
            #expect(Set(received.map(\.metadata.connection)).count == 1, "the connection stayed up")
        }
    }

    @Test func refusedConnectionIsTransient() async throws {
        // Port 1 (tcpmux) has no listener here. Why not a port just freed: one in the ephemeral
        // range can connect to itself (TCP simultaneous open) and wait for a greeting instead.
        let client = try makeClient("smtp://127.0.0.1:1?tls=none")
        let results = try await client.send([mail(1), mail(2)])
        #expect(codes(results) == ["transient connection", "transient connection"])
        #expect(results[0].error?.message.hasPrefix("cannot connect to 127.0.0.1:1") == true)
    }
}
