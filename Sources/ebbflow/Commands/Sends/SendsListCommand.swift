// `ebbflow sends list [--state S] [--after ID] [--limit N] [--json]`: read the outbox, claiming nothing.
import ArgumentParser
import EbbflowOperations

struct SendsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List sends, oldest first, by state; only reads.")

    /// The command line reads one page as large as asked (the API's pages are smaller).
    static let maximumLimit = 100_000

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "pending, leased, sent, failed, dead or cancelled.") var state: String?
    @Option(parsing: .unconditional, help: "Only sends with an id above this (the last id of the previous page).")
    var after: Int64?
    @Option(parsing: .unconditional, help: "At most this many.") var limit = 100
    @Flag(help: "Print JSON: {\"sends\": [...], \"next_after\": id or null}.") var json = false

    func validate() throws {
        _ = try SendOperations.state(state)
        _ = try SendOperations.limit(limit, maximum: Self.maximumLimit)
        _ = try SendOperations.after(after)
    }

    func run() async throws {
        let operations = SendOperations(schema: try connection.schemaName)
        let page = try await operations.list(
            state: state, after: after, limit: limit, maximumLimit: Self.maximumLimit,
            on: try await connection.connect())
        if json {
            print(try Output.json(page.document))
            return
        }
        if page.rows.isEmpty { print("no sends"); return }
        print(
            Output.table(
                ["ID", "STATE", "CONTACT", "FLOW", "STEP", "TEMPLATE", "AT", "ATTEMPTS", "DETAIL"],
                page.rows.map {
                    [
                        "\($0.id)", $0.state, $0.externalID, $0.flow, "\($0.step)", $0.template, Output.time($0.at),
                        "\($0.attempts)",
                        $0.messageID ?? $0.cancelReason ?? $0.lastError.map { String($0.prefix(60)) }
                            ?? $0.notBefore.map { "not before \(Output.time($0))" } ?? "",
                    ]
                }))
    }
}
