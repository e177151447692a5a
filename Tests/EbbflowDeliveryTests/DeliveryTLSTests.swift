// `ebbflow worker` delivering through a relay that requires STARTTLS and AUTH, and through one whose certificate does not verify.
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

/// Why beside SMTPClientTests (which prove the client's TLS and AUTH): here the worker reads
/// the URL and `EBBFLOW_SMTP_CA` from its environment and records outcomes on the sends, and its
/// whole output (at debug level) must never show the password.
@Suite(.serialized) struct DeliveryTLSTests {
    static let password = "Tr0ub4dor-and-3-more"
    static let names = ["ann": "ann@example.org", "ben": "ben@example.org", "cy": "cy@example.org"]

    /// Pending sends to `names`, a relay requiring STARTTLS and AUTH, and `worker --drain` at
    /// debug level through it, trusting the test CA when `trusted`; `check` sees what happened.
    func drain(
        trusted: Bool, _ check: (DeliveryHarness, SMTPTestServer, CommandResult) async throws -> Void
    ) async throws {
        try await DeliveryHarness.with { harness in
            try await DeliveryEndToEndTests().prepare(harness, Self.names)
            let options = SMTPTestServer.Options(startTLS: true, auth: ("mailer", Self.password))
            try await SMTPTestServer.with(options) { server in
                var environment = [
                    "EBBFLOW_SMTP_URL": "smtp://mailer:\(Self.password)@127.0.0.1:\(server.port)",
                    "EBBFLOW_FROM": "news@example.com",
                ]
                if trusted { environment["EBBFLOW_SMTP_CA"] = server.caFile }
                let drained = try await harness.ebbflow(
                    ["worker", "--drain", "--log-level", "debug"], environment: environment)
                #expect(!drained.output.contains(Self.password), "\(drained.output)")
                try await check(harness, server, drained)
            }
        }
    }

    @Test func startTLSWithAuthDeliversAndNeverShowsThePassword() async throws {
        try await drain(trusted: true) { harness, server, drained in
            let states = try await harness.sendStates()
            #expect(states.values.allSatisfy { $0 == "sent" } && states.count == 3, "\(states)\n\(drained.output)")
            let received = try server.messages()
            #expect(Set(received.flatMap(\.metadata.rcptTos)) == Set(Self.names.values))
            #expect(
                received.allSatisfy {
                    $0.metadata.tls && $0.metadata.authenticated && $0.metadata.login == "mailer"
                })
            #expect(drained.output.contains("smtp"), "the worker said how it delivers: \(drained.output)")
        }
    }

    /// No `EBBFLOW_SMTP_CA`: the test CA is not trusted, so the handshake fails. Nothing about
    /// the messages was judged: every send fails transiently (kept, retried), with the reason.
    @Test func aCertificateThatDoesNotVerifyFailsTheSendsTransiently() async throws {
        try await drain(trusted: false) { harness, server, drained in
            let states = try await harness.sendStates()
            #expect(
                states.values.allSatisfy { $0 == "failed" } && states.count == 3, "\(states)\n\(drained.output)")
            let errors = try await harness.query(
                "SELECT error, permanent FROM \(harness.table("send_errors")) ORDER BY send_id")
            #expect(errors.count == 3)
            for row in errors {
                let error: String = try row.decode("error")
                #expect(error.hasPrefix("TLS failed: "), "\(error)")
                #expect(try !(row.decode("permanent") as Bool))
            }
            #expect(try server.messages().isEmpty)
        }
    }
}
