// `ebbflow links rotate-key [--grace 180d]`: a new signing key; the previous one verifies for the grace period.
import ArgumentParser
import EbbflowCore
import EbbflowEngine

struct LinksRotateKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-key",
        abstract: "Make a new link signing key; the previous key keeps verifying links for --grace.",
        discussion: """
            Unsubscribe links sit in emails read months later and must keep working, so the retired key \
            verifies until its grace ends (default 180d, at most 730d); then its links answer 404.
            """)

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "How long the previous key keeps verifying (0s...730d).") var grace = LinkKeyStore.defaultGrace

    func run() async throws {
        let seconds: Double
        do {
            seconds = try InputBounds.duration(
                grace, field: "--grace", minimum: 0, maximum: LinkKeyStore.maxGraceSeconds)
        } catch { throw InputError("\(error)") }
        let store = LinkKeyStore(schema: try connection.schemaName)
        let rotated = try await LinkCommandSupport.transaction(connection) { now, connection in
            try store.rotate(graceSeconds: seconds, now: now, on: connection)
        }
        print("key \(rotated.current.id) signs from now on")
        if let retired = rotated.retired {
            print("key \(retired.id) retired; it verifies until \(Output.time(retired.verifiesUntil))")
        }
    }
}
