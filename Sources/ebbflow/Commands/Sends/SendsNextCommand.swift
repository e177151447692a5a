// `ebbflow sends next`: removed; it says what replaces it (`sends lease`, then ack or fail).
import ArgumentParser

/// Why removed and not kept as an alias: `next` marked sends handed over as it printed them,
/// so a consumer that crashed afterwards lost them, and its table view claimed sends a person
/// only meant to look at. A lease must be acked or failed, which no script written for `next`
/// does: as an alias it would deliver every send again each time its leases expired.
struct SendsNextCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "next", abstract: "Removed: use `sends lease` (then `sends ack`/`sends fail`).",
        shouldDisplay: false)

    @Option var limit: String?
    @Flag var json = false
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        throw InputError(
            """
            `sends next` was removed: it handed each send over once with no acknowledgement, so a \
            consumer that crashed lost what it claimed. Use `ebbflow sends lease --limit N --json`, \
            then `ebbflow sends ack ID --message-id X` or `ebbflow sends fail ID --error TEXT` for each \
            send; a lease not finished in time returns its sends (README.md, "The outbox")
            """)
    }
}
