// `ebbflow flows start`: Enroll a segment's active audience in a flow.
import ArgumentParser
import EbbflowCore
import EbbflowEngine
import Foundation

struct FlowsStartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "start", abstract: "Enroll a segment's active audience in a flow.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Flow name.") var name: String
    @Option(help: "Segment to enroll.") var segment: String
    @Option(help: "Template of every send.") var template: String
    @Option(help: "Time between sends: 3d, 12h…") var every = "3d"
    @Option(help: "Sends per contact.") var maxSends = 3

    func validate() throws {
        guard DurationText.seconds(every).map({ $0 > 0 }) == true else { throw InputError("--every \"\(every)\" is not a duration such as 3d") }
        guard maxSends > 0 else { throw InputError("--max-sends must be at least 1") }
    }

    func run() async throws {
        let flows = FlowStore(schema: try connection.schemaName)
        let flow = FlowDefinition(name: name, segment: segment, template: template, everySeconds: DurationText.seconds(every)!, maxSends: maxSends)
        let database = try await connection.connect()
        let enrolled = try await database.withTransaction { try flows.start(flow, on: $0) }
        print("flow \(name) started: \(enrolled) contact(s) enrolled, first sends due now")
    }
}
