// `ebbflow sweeps run`: Run one sweep now (inactivity).
import ArgumentParser
import EbbflowEngine
import Foundation

struct SweepsRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run one sweep now (inactivity).")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Which sweep: inactivity.") var sweep: String
    @Option(help: "Contacts per transaction.") var batchSize = 10_000

    func validate() throws {
        guard sweep == "inactivity" else { throw InputError("unknown sweep \"\(sweep)\"; available: inactivity") }
        guard batchSize > 0 && batchSize <= 1_000_000 else { throw InputError("--batch-size must be 1...1000000") }
    }

    func run() async throws {
        let schema = try connection.schemaName
        let (sweeper, policies) = (InactivitySweep(schema: schema, batchSize: batchSize), PolicyStore(schema: schema))
        let database = try await connection.connect()
        let started = ContinuousClock.now
        // Each batch is its own transaction, reading the clock once.
        let (moved, batches) = try await database.run { connection in
            try sweeper.runAll(now: nil, policies: try policies.load(on: connection), on: connection)
        }
        let seconds = Double((ContinuousClock.now - started).components.attoseconds) / 1e18 + Double((ContinuousClock.now - started).components.seconds)
        print("inactivity sweep: \(moved) contact(s) made inactive in \(batches) batch(es), \(String(format: "%.2f", seconds)) s")
    }
}
