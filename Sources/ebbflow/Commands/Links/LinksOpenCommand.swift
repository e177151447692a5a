// `ebbflow links open SEND_ID`: the send's signed open-pixel URL.
import ArgumentParser
import EbbflowEngine

struct LinksOpenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "open", abstract: "Print the send's open-pixel URL: $EBBFLOW_PUBLIC_URL/t/o/<token>.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The send's id.") var sendID: String

    func run() async throws {
        let id = try LinkCommandSupport.sendID(sendID)
        let links = TrackingLinks(schema: try connection.schemaName, base: try LinkCommandSupport.base())
        print(
            try await LinkCommandSupport.transaction(connection) { now, connection in
                try links.openURL(sendID: id, now: now, on: connection)
            })
    }
}
