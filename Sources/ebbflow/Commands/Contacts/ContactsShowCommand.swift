// `ebbflow contacts show`: One contact's whole story.
import ArgumentParser
import EbbflowEngine
import EbbflowOperations
import Foundation

struct ContactsShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "One contact's whole story.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The contact's external id.") var externalID: String
    @Flag(help: "Print JSON (the stable script contract).") var json = false

    func run() async throws {
        let operations = ContactOperations(schema: try connection.schemaName)
        let shown = try await operations.show(externalID: externalID, on: try await connection.connect())
        if json {
            print(try Output.json(shown.document))
            return
        }
        let (full, view) = (shown.model, shown.model.contact)
        print(
            """
            \(view.externalID) <\(view.email ?? "-")>, segment \(view.segment), channel \(view.channel)
              status:          \(view.status.rawValue)\(full.suppressionReason.map { " (\($0))" } ?? "")
              score:           \(String(format: "%.2f", view.engagementScore)) (decayed to now)
              last engagement: \(Output.time(view.lastEngagementAt))
              reactivations:   \(full.reactivationCycle)
              stream:          \(full.stream.map { "\($0.name) since \(Output.time($0.since))" } ?? "none")
              attributes:      \(String(decoding: full.attributes.bytes, as: UTF8.self))
              timeline (oldest first):
            """)
        for entry in full.timeline {
            print(
                "  \(Output.time(entry.at))  \(entry.type.padding(toLength: 15, withPad: " ", startingAt: 0)) \(entry.text)"
            )
        }
        if full.timeline.isEmpty { print("  (nothing yet)") }
    }
}
