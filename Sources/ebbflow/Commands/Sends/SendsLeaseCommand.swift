// `ebbflow sends lease --limit N [--lease 60s] --json`: lease due sends to a team's own sender.
import ArgumentParser
import EbbflowCore
import EbbflowOperations

struct SendsLeaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lease",
        abstract:
            "Lease up to N due sends (oldest first, SKIP LOCKED) until acked, failed or the lease expires; JSON only.")

    @OptionGroup var connection: ConnectionOptions
    @Option(parsing: .unconditional, help: "Sends to lease at most (1 to 10000).") var limit: Int
    @Option(help: "How long the lease holds (1s to 1d); an expired lease returns its sends.") var lease: String = "60s"
    @Flag(help: "Print JSON (required).") var json = false

    /// Why `--json` is required: a lease hands sends over; a table a person reads must not
    /// silently take sends from the delivery (`sends list` only reads).
    func validate() throws {
        guard json else {
            throw InputError(
                "sends lease hands sends over and prints them for a program: give --json (to look without leasing, use sends list)"
            )
        }
        _ = try InputBounds.integer(limit, field: "--limit", in: 1...SendOperations.maximumLease)
        _ = try SendOperations.leaseSeconds(lease)
    }

    func run() async throws {
        let operations = SendOperations(schema: try connection.schemaName)
        let seconds = try SendOperations.leaseSeconds(lease)
        let leased = try await operations.lease(limit: limit, leaseSeconds: seconds, on: try await connection.connect())
        print(try Output.json(leased.document))
    }
}
