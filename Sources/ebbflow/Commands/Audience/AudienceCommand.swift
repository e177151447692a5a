// `ebbflow audience [--segment S] [--json]`: the live audience by segment and status.
import ArgumentParser
import EbbflowCore
import EbbflowEngine
import EbbflowOperations
import Foundation

struct AudienceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audience", abstract: "Contacts by segment and status, now.")

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Only this segment.") var segment: String?
    @Option(help: "Show the daily snapshots of this many days back (30d, 8w…) instead of now.") var history: String?
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        if let history { _ = try InputBounds.duration(history, field: "--history", minimum: 86_400) }
    }

    func run() async throws {
        let operations = AudienceOperations(schema: try connection.schemaName)
        let database = try await connection.connect()
        if let history {
            let days = Int(try InputBounds.duration(history, field: "--history", minimum: 86_400) / 86_400)
            let shown = try await operations.history(days: days, segment: segment, on: database)
            if json {
                print(try Output.json(shown.document))
            } else {
                print(
                    Output.table(
                        ["DAY", "SEGMENT", "STATUS", "CONTACTS"],
                        shown.model.map {
                            [String(Output.time($0.day).prefix(10)), $0.segment, $0.status.rawValue, "\($0.contacts)"]
                        }))
            }
            return
        }
        let shown = try await operations.now(segment: segment, on: database)
        if json {
            print(try Output.json(shown.document))
            return
        }
        let counts = shown.model
        print(
            Output.table(
                ["SEGMENT", "STATUS", "CONTACTS"], counts.map { [$0.segment, $0.status.rawValue, "\($0.contacts)"] }))
        let total = counts.reduce(0) { $0 + $1.contacts }
        let reachable = counts.filter { $0.status.mayReceiveFlowEmail }.reduce(0) { $0 + $1.contacts }
        print("\(total) contacts, \(reachable) in the active audience (active or reactivated)")
    }
}
