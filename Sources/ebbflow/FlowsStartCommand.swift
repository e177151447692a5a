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
        _ = try InputBounds.duration(every, field: "--every")
        _ = try InputBounds.integer(maxSends, field: "--max-sends", in: FlowDefinition.maxSendsRange)
    }

    func run() async throws {
        let flows = FlowStore(schema: try connection.schemaName)
        let flow = FlowDefinition(name: name, segment: segment, template: template, everySeconds: try InputBounds.duration(every, field: "--every"), maxSends: maxSends)
        let database = try await connection.connect()
        let enrolled = try await database.withTransaction { try flows.start(flow, on: $0) }
        print("flow \(name) started: \(enrolled) contact(s) enrolled, first sends due now")
    }
}
