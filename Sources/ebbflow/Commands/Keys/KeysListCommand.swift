// `ebbflow keys list [--all] [--json]`: the keys by name, scope and public part; never a secret.
import ArgumentParser
import EbbflowAPI
import Foundation

struct KeysListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List API keys (the public part only: a key's secret is never stored).")

    @OptionGroup var connection: ConnectionOptions
    @Flag(help: "Include revoked keys.") var all = false
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let store = APIKeyStore(schema: try connection.schemaName)
        let all = self.all
        let database = try await connection.connect()
        let keys = try await database.run { connection in try store.list(includeRevoked: all, on: connection) }
        if json {
            print(
                try Output.json(
                    keys.map { key -> [String: Any] in
                        [
                            "name": key.name, "key": key.shown, "scope": key.scope.rawValue,
                            "rate_limit": key.rateLimit,
                            "created_at": Output.time(key.createdAt),
                            "revoked_at": key.revokedAt.map { Output.time($0) } ?? NSNull(),
                            "last_used_at": key.lastUsedAt.map { Output.time($0) } ?? NSNull(),
                        ]
                    }))
            return
        }
        guard !keys.isEmpty else {
            print(all ? "no keys" : "no active keys (ebbflow keys create NAME --scope ingest|read|admin)")
            return
        }
        for key in keys {
            var line =
                "\(key.name)  \(key.shown)  \(key.scope.rawValue)  \(key.rateLimit)/s  created \(Output.time(key.createdAt))"
            line += "  last used \(key.lastUsedAt.map { Output.time($0) } ?? "never")"
            if let revoked = key.revokedAt { line += "  REVOKED \(Output.time(revoked))" }
            print(line)
        }
    }
}
