// `ebbflow events rejected [--contact ID] [--limit N] [--json]`: events kept but never applied, with the reason.
import ArgumentParser
import EbbflowCore
import EbbflowEngine
import Foundation

struct EventsRejectedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rejected",
        abstract:
            "Events kept but not applied (an unknown kind, or dated past max_future_skew), newest first, with the reason."
    )

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Only this contact's (external id).") var contact: String?
    @Option(help: "At most this many.") var limit = 100
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        _ = try InputBounds.integer(limit, field: "--limit", in: 1...1_000_000)
    }

    func run() async throws {
        let store = RejectedEventStore(schema: try connection.schemaName)
        let (limit, contact) = (self.limit, self.contact)
        let database = try await connection.connect()
        let rows = try await database.run { try store.list(limit: limit, externalID: contact, on: $0) }
        if json {
            print(
                try Output.json(
                    rows.map {
                        [
                            "id": $0.id, "external_id": $0.externalID, "kind": $0.kind,
                            "occurred_at": Output.time($0.occurredAt), "source": $0.source,
                            "rejected_at": Output.time($0.rejectedAt), "reason": $0.reason,
                        ] as [String: Any]
                    }))
            return
        }
        if rows.isEmpty { print("no rejected events"); return }
        print(
            Output.table(
                ["ID", "CONTACT", "KIND", "OCCURRED AT", "SOURCE", "REASON"],
                rows.map {
                    ["\($0.id)", $0.externalID, $0.kind, Output.time($0.occurredAt), $0.source, $0.reason]
                }))
    }
}
