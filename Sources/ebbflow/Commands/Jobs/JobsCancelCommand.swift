// `ebbflow jobs cancel ID`: cancel a job that has not started.
import ArgumentParser
import EbbflowQueue

struct JobsCancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel", abstract: "Cancel a job that is not running.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Job id.") var id: Int64

    func run() async throws {
        let store = JobStore(schema: try connection.schemaName)
        let database = try await connection.connect()
        let id = self.id
        try await database.withTransaction { try store.cancel(id, on: $0) }
        print("cancelled job \(id)")
    }
}
