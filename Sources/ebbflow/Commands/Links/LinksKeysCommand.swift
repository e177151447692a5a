// `ebbflow links keys`: the link signing keys by id and dates; never a secret.
import ArgumentParser
import EbbflowEngine

struct LinksKeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "List the link signing keys: id, made, retired, verifies until (never a secret)."
    )

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let store = LinkKeyStore(schema: try connection.schemaName)
        let keys = try await LinkCommandSupport.transaction(connection) { _, connection in
            try store.list(on: connection)
        }
        guard !keys.isEmpty else {
            print("no link keys yet (the first signed link makes one; or ebbflow links rotate-key)")
            return
        }
        for key in keys {
            var line = "key \(key.id)  created \(Output.time(key.createdAt))"
            if let retired = key.retiredAt {
                line += "  retired \(Output.time(retired))  verifies until \(Output.time(key.verifiesUntil))"
            } else {
                line += "  current"
            }
            print(line)
        }
    }
}
