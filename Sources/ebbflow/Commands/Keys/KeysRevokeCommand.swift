// `ebbflow keys revoke NAME`: the key stops working within a second, for every serve process.
import ArgumentParser
import EbbflowAPI

struct KeysRevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke the active key called NAME: refused by every serve process within a second.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The key's name.") var name: String

    func run() async throws {
        let store = APIKeyStore(schema: try connection.schemaName)
        let name = self.name
        let database = try await connection.connect()
        do {
            try await database.run { connection in try store.revoke(name: name, on: connection) }
        } catch let error as APIKeyError {
            throw InputError(error.description)
        }
        print("revoked key \"\(name)\"")
    }
}
