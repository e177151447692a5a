// `ebbflow links click SEND_ID URL`: records URL as a link of the send and prints its signed click URL.
import ArgumentParser
import EbbflowEngine

struct LinksClickCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "click",
        abstract: "Record URL as a link of the send and print its click URL: $EBBFLOW_PUBLIC_URL/t/c/<token>.",
        discussion: "The same send and URL always give the same link; the redirect goes only to the recorded URL.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The send's id.") var sendID: String
    @Argument(help: "The absolute http or https URL the link leads to.") var url: String

    func run() async throws {
        let id = try LinkCommandSupport.sendID(sendID)
        do { try TrackingLinks.validate(url) } catch { throw InputError(error.description) }
        let links = TrackingLinks(schema: try connection.schemaName, base: try LinkCommandSupport.base())
        let url = self.url
        print(
            try await LinkCommandSupport.transaction(connection) { now, connection in
                try links.clickURL(sendID: id, url: url, now: now, on: connection)
            })
    }
}
