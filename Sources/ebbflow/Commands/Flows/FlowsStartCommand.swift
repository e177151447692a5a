// `ebbflow flows start`: Enroll a segment's active audience in a flow.
import ArgumentParser
import EbbflowCore
import EbbflowEngine
import Foundation

struct FlowsStartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start", abstract: "Enroll a segment's active audience in a flow.")

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
        let flow = FlowDefinition(
            name: name, segment: segment, template: template,
            everySeconds: try InputBounds.duration(every, field: "--every"), maxSends: maxSends)
        let contacts = ContactStore(schema: try connection.schemaName)
        let (name, segment) = (self.name, self.segment)
        let database = try await connection.connect()
        // Enrolling nobody is a mistake (a typo such as --segment retial): refused, and the
        // transaction rolls back, so no flow is left behind.
        let enrolled = try await database.withTransaction { connection in
            let enrolled = try flows.start(flow, on: connection)
            guard enrolled > 0 else {
                let counts = try contacts.audience(segment: nil, on: connection)
                guard counts.contains(where: { $0.segment == segment }) else {
                    let known = Set(counts.map(\.segment)).sorted()
                    throw InputError(
                        """
                        segment \"\(segment)\" has no contacts (segments with contacts: \
                        \(known.isEmpty ? "none" : known.joined(separator: ", "))); flow \(name) not started
                        """
                    )
                }
                throw InputError(
                    "segment \"\(segment)\" has no contacts in the active audience (active or reactivated); flow \(name) not started"
                )
            }
            return enrolled
        }
        print("flow \(name) started: \(enrolled) contact(s) enrolled, first sends due now")
    }
}
