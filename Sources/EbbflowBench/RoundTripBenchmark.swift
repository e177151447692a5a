// Round trips per second of `SELECT $1::int` on one connection, side by side with pgbench.
import ArgumentParser
import EbbflowCore
import Foundation
import PostgresClient

/// The client's own overhead: pgbench (`-M prepared -c 1`) runs the same statement against
/// the same server in the same run, interleaved with ours, so the ratio survives a noisy machine.
struct RoundTripBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roundtrip", abstract: "SELECT $1::int round trips: ebbflow's client vs pgbench.")

    @Option(help: "PostgreSQL URL (default: $DATABASE_URL).") var databaseURL: String?
    @Option(help: "Seconds per measurement.") var seconds = 5
    @Option(help: "Repetitions of each measurement (the median is reported).") var reps = 3
    @Option(help: "Statements per pgbench run.") var transactions = 300_000

    func run() async throws {
        let configuration = PGConfiguration.resolve(explicit: databaseURL)
        var results: [String: [Double]] = [:]
        let variants: [(String, Bool, Bool)] = [
            ("ebbflow prepared, await per call", true, false),
            ("ebbflow prepared, loop on the connection", true, true),
            ("ebbflow unnamed, await per call", false, false),
            ("ebbflow unnamed, loop on the connection", false, true),
        ]
        for rep in 1...reps {
            results["pgbench -M prepared -c 1", default: []].append(
                try Pgbench.run(
                    conninfo: configuration.conninfo, script: "\\set v random(1, 1000000)\nSELECT :v::int;\n",
                    mode: "prepared", clients: 1, transactions: transactions))
            results["pgbench -M extended -c 1", default: []].append(
                try Pgbench.run(
                    conninfo: configuration.conninfo, script: "\\set v random(1, 1000000)\nSELECT :v::int;\n",
                    mode: "extended", clients: 1, transactions: transactions))
            for (name, prepared, onConnection) in variants {
                var variantConfiguration = configuration
                variantConfiguration.preparedStatements = prepared
                let connection = try await PGConnection.connect(variantConfiguration)
                results[name, default: []].append(try await measure(connection, onConnection: onConnection))
                await connection.close()
            }
            FileHandle.standardError.write(Data("rep \(rep)/\(reps) done\n".utf8))
        }
        let floor = median(results["pgbench -M prepared -c 1"]!)
        print("| client | round trips/s (median of \(reps)) | vs pgbench -M prepared |")
        print("|---|---:|---:|")
        for name in ["pgbench -M prepared -c 1", "pgbench -M extended -c 1"] + variants.map(\.0) {
            let value = median(results[name]!)
            print("| \(name) | \(Int(value)) | \(String(format: "%.2f", value / floor))× |")
        }
    }

    /// Runs the statement for `seconds`. `onConnection`: the loop runs isolated to the
    /// connection (as a transaction body or a worker's batch does); otherwise each call is an
    /// `await` from a task on the cooperative pool, paying two thread hops.
    private func measure(_ connection: PGConnection, onConnection: Bool) async throws -> Double {
        let duration = Duration.seconds(seconds)
        if onConnection {
            return try await connection.run { connection in
                let clock = ContinuousClock()
                let start = clock.now
                var count = 0
                while clock.now - start < duration {
                    for _ in 0..<100 {
                        let value = Int32.random(in: 1...1_000_000)
                        guard
                            try connection.query("SELECT $1::int AS v", [value]).first!.decode("v", as: Int32.self)
                                == value
                        else {
                            throw BenchError("wrong value")
                        }
                    }
                    count += 100
                }
                return Double(count) / (clock.now - start).seconds
            }
        }
        let clock = ContinuousClock()
        let start = clock.now
        var count = 0
        while clock.now - start < duration {
            for _ in 0..<100 {
                let value = Int32.random(in: 1...1_000_000)
                guard
                    try await connection.query("SELECT $1::int AS v", [value]).first!.decode("v", as: Int32.self)
                        == value
                else {
                    throw BenchError("wrong value")
                }
            }
            count += 100
        }
        return Double(count) / (clock.now - start).seconds
    }
}
