// `ebbflow sends fail ID --error TEXT [--permanent]`: an attempt failed; retried with backoff, or dead.
import ArgumentParser
import EbbflowOperations

struct SendsFailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fail",
        abstract: "Record a failed attempt: retried with backoff, or dead (--permanent, or its attempts spent).",
        discussion: "Exit 3: no such send; 4: the send is already finished (nothing changed).")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Send id.") var id: Int64
    @Option(help: "What went wrong (the relay's reply); kept, cut to 2000 bytes.") var error: String
    @Flag(help: "Never retry (a 5xx reply, a hard bounce).") var permanent = false
    @OptionGroup var lease: LeaseTokenOption

    func validate() throws {
        _ = try SendOperations.id(String(id))
        _ = try SendOperations.errorText(error)
    }

    func run() async throws {
        let operations = SendOperations(schema: try connection.schemaName)
        let database = try await connection.connect()
        try await SendsFinishing.run {
            try await operations.fail(
                id: id, error: error, permanent: permanent, leaseToken: lease.leaseToken, on: database)
        }
    }
}
