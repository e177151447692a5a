// `ebbflow worker --drain` with a transport delivers every send due now before it exits, and exits when there is nothing.
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite(.serialized) struct DrainDeliveryTests {
    /// Why: the dispatcher ran as a periodic service beside the claim loop, and a drain whose
    /// claim loop found no job before the dispatcher's first tick exited 0 with every send still
    /// pending (or leased, its jobs left behind).
    @Test func drainDeliversEveryDueSendThenExits() async throws {
        try await DeliveryHarness.with { harness in
            let names = Dictionary(uniqueKeysWithValues: (1...30).map { ("c\($0)", "c\($0)@example.org") })
            try await DeliveryEndToEndTests().prepare(harness, names)
            try await SMTPTestServer.with { server in
                let environment = [
                    "EBBFLOW_SMTP_URL": "smtp://127.0.0.1:\(server.port)?tls=none", "EBBFLOW_FROM": "news@example.com",
                ]
                let drained = try await harness.ebbflow(["worker", "--drain"], environment: environment)
                let states = try await harness.sendStates()
                #expect(states.count == 30 && states.values.allSatisfy { $0 == "sent" }, "\(states)\n\(drained.output)")
                let received = try server.messages().map { $0.metadata.rcptTos }
                #expect(received.count == 30 && Set(received.flatMap { $0 }) == Set(names.values))
                #expect(
                    try await harness.count("SELECT 1 FROM \(harness.table("jobs")) WHERE queue = 'deliver'") == 0,
                    "no deliver job left behind")
                // Nothing due: the drain exits 0 at once, delivering nothing more.
                try await harness.ebbflow(["worker", "--drain"], environment: environment)
                #expect(try server.messages().count == 30)
            }
        }
    }

    /// A relay announcing a SIZE smaller than the messages: each send is dead, unsent, with the
    /// sizes in its error, and nothing arrives.
    @Test func aMessageOverTheRelaysSizeIsDeadWithTheReason() async throws {
        try await DeliveryHarness.with { harness in
            try await DeliveryEndToEndTests().prepare(harness, ["ann": "ann@example.org", "ben": "ben@example.org"])
            try await SMTPTestServer.with(SMTPTestServer.Options(sizeLimit: 300)) { server in
                try await harness.ebbflow(
                    ["worker", "--drain"],
                    environment: [
                        "EBBFLOW_SMTP_URL": "smtp://127.0.0.1:\(server.port)?tls=none",
                        "EBBFLOW_FROM": "news@example.com",
                    ])
                #expect(try await harness.sendStates() == ["ann": "dead", "ben": "dead"])
                let errors = try await harness.query(
                    "SELECT last_error FROM \(harness.table("sends")) ORDER BY id"
                ).map { try $0.decode("last_error", as: String.self) }
                #expect(errors.count == 2)
                for error in errors {
                    #expect(
                        error.hasPrefix("message is ") && error.hasSuffix(" bytes; the server accepts at most 300"),
                        "\(error)")
                }
                #expect(try server.messages().isEmpty)
            }
        }
    }
}
