// `ebbflow jobs cancel ID`: cancel a job that has not started.
import ArgumentParser
import EbbflowOperations

struct JobsCancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel", abstract: "Cancel a job that is not running.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Job id.") var id: Int64

    func run() async throws {
        let operations = JobOperations(schema: try connection.schemaName)
        print(try await operations.cancel(id: id, on: try await connection.connect()).message)
    }
}
