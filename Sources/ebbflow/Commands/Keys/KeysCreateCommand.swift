// `ebbflow keys create NAME --scope ingest|read|admin`: make a key and print it, the only time it is ever shown.
import ArgumentParser
import EbbflowAPI
import EbbflowHTTP
import Foundation

struct KeysCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Make an API key and print it once (only its hash is stored: copy it now).",
        discussion: """
            ingest: POST events (/v1/track, /v1/identify, /v1/page, /v1/batch, /v1/events); reads nothing.
            read: GET contacts, audience, jobs, schedules, streams and experiments.
            admin: everything read can, and the actions (retry, cancel, run, policy, streams, promote) and ingest.
            The key is the last line of standard output; the rest goes to standard error.
            """)

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "A name for the key: 1 to 64 letters, digits, '.', '_' or '-'.") var name: String
    @Option(help: "ingest, read or admin.") var scope: HTTPCaller.Scope
    @Option(help: "Requests per second each serve process allows this key (1...1000000).")
    var rateLimit = APIKeyStore.defaultRateLimit

    func validate() throws {
        guard APIKeyStore.isValidName(name) else { throw InputError(APIKeyError.badName(name).description) }
        guard (1...APIKeyStore.maxRateLimit).contains(rateLimit) else {
            throw InputError(APIKeyError.badRateLimit(rateLimit).description)
        }
    }

    func run() async throws {
        let store = APIKeyStore(schema: try connection.schemaName)
        let (name, scope, rate) = (self.name, self.scope, self.rateLimit)
        let database = try await connection.connect()
        let key: APIKeyText
        do {
            key = try await database.run { connection in
                try store.create(name: name, scope: scope, rateLimit: rate, on: connection)
            }
        } catch let error as APIKeyError {
            throw InputError(error.description)
        }
        FileHandle.standardError.write(
            Data("created key \"\(name)\" (scope \(scope.rawValue), \(rate) requests/s); it is shown once:\n".utf8))
        print(key.text)
    }
}

extension HTTPCaller.Scope: ExpressibleByArgument {}
