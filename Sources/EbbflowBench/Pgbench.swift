// Runs pgbench as the baseline, with a custom script, and reads its transactions per second.
import Foundation

enum Pgbench {
    /// pgbench from PATH or the newest /usr/lib/postgresql/*/bin.
    static func path() -> String? {
        let candidates =
            (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/pgbench" }
            + ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? [])
            .sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }.map { "/usr/lib/postgresql/\($0)/bin/pgbench" }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `script` `transactions` times on each of `clients` connections; returns tps.
    ///
    /// A count (`-t`), not a duration (`-T`): pgbench ends `-T` runs with SIGALRM, and a child
    /// of a Swift process inherits a signal mask that blocks it, so `-T` would never end.
    static func run(conninfo: String, script: String, mode: String, clients: Int, transactions: Int) throws -> Double {
        guard let pgbench = path() else {
            throw BenchError("pgbench not found (Debian: apt-get install postgresql-client)")
        }
        let scriptURL = FileManager.default.temporaryDirectory.appendingPathComponent("ebbflow-bench-\(UUID()).sql")
        try script.write(to: scriptURL, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: scriptURL) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: pgbench)
        process.arguments = [
            "-n", "-M", mode, "-c", "\(clients)", "-j", "\(clients)", "-t", "\(transactions)", "-f", scriptURL.path,
            conninfo,
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0,
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("tps = ") }),
            let tps = Double(line.dropFirst(6).prefix { $0 != " " })
        else {
            throw BenchError("pgbench failed (exit \(process.terminationStatus)): \(text.suffix(300))")
        }
        return tps
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The median of a non-empty list.
func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1
        ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}
