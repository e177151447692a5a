// `ebbflow sweeps run`: run one sweep now (inactivity or decay), batch by batch.
import ArgumentParser
import EbbflowCore
import EbbflowEngine
import Foundation

struct SweepsRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run one sweep now (inactivity or decay).")

    @OptionGroup var connection: ConnectionOptions
    @Argument(
        help: "Which sweep: inactivity (silent contacts become inactive) or decay (stored scores decayed to now).")
    var sweep: String
    @Option(help: "Contacts per transaction.") var batchSize = InactivitySweep.defaultBatchSize

    static let sweeps = ["inactivity", "decay"]

    func validate() throws {
        guard Self.sweeps.contains(sweep) else {
            throw InputError("unknown sweep \"\(sweep)\"; available: \(Self.sweeps.joined(separator: ", "))")
        }
        guard batchSize > 0 && batchSize <= 1_000_000 else { throw InputError("--batch-size must be 1...1000000") }
    }

    func run() async throws {
        let schema = try connection.schemaName
        let pass: any ContactPass =
            sweep == "decay"
            ? DecayPass(schema: schema, batchSize: batchSize) : InactivitySweep(schema: schema, batchSize: batchSize)
        let policies = PolicyStore(schema: schema)
        let database = try await connection.connect()
        let started = ContinuousClock.now
        // Each batch is its own transaction, reading the clock once.
        let (changed, batches) = try await database.run { connection in
            try pass.runAll(now: nil, policies: try policies.load(on: connection), on: connection)
        }
        let seconds = (ContinuousClock.now - started).seconds
        let what = sweep == "decay" ? "score(s) decayed" : "contact(s) made inactive"
        print("\(sweep) sweep: \(changed) \(what) in \(batches) batch(es), \(String(format: "%.2f", seconds)) s")
    }
}
