// Schemas for the HTTP benchmark made as an operator would: `ebbflow migrate`, `contacts import`, `keys create`.
import EbbflowCore
import Foundation
import PostgresClient

/// Why through the binary: the benchmark compares two ways into the same release build (the
/// API and `events import`), so the schema, the contacts and the key are made by that build's
/// own commands, exactly as documented, and every measurement starts from a fresh schema.
struct IngestFixture: Sendable {
    let ebbflow: String
    let database: PGConfiguration
    let contactsFile: URL
    let contacts: Int

    /// Writes the contacts CSV once: `c-0` … `c-(N-1)`, segment `default`, all `active`.
    static func make(ebbflow: String, database: PGConfiguration, contacts: Int, directory: URL) throws -> IngestFixture
    {
        let file = directory.appendingPathComponent("contacts.csv")
        var text = "external_id,email\n"
        text.reserveCapacity(contacts * 32)
        for index in 0..<contacts { text += "c-\(index),c-\(index)@example.com\n" }
        try Data(text.utf8).write(to: file)
        return IngestFixture(ebbflow: ebbflow, database: database, contactsFile: file, contacts: contacts)
    }

    /// A fresh schema with the contacts imported and analyzed, and a clean checkpoint.
    func prepare(_ schema: SchemaName) async throws {
        _ = try run(["migrate", "--schema", schema.name])
        _ = try run(["contacts", "import", contactsFile.path, "--schema", schema.name])
        try await settle(schema)
    }

    /// VACUUM ANALYZE and CHECKPOINT, as the other benchmarks do before a timed phase, so no
    /// phase pays for the previous one's dirty pages.
    func settle(_ schema: SchemaName) async throws {
        let connection = try await PGConnection.connect(database)
        try await connection.simpleQuery("VACUUM ANALYZE \(schema.qualified("contacts"))")
        try await connection.simpleQuery("CHECKPOINT")
        await connection.run { $0.close() }
    }

    /// An ingest key for the schema; its rate limit is the maximum so the limiter never
    /// answers 429 to the benchmark. Never printed.
    func ingestKey(_ schema: SchemaName) throws -> String {
        let output = try run([
            "keys", "create", "bench", "--scope", "ingest", "--rate-limit", "1000000", "--schema", schema.name,
        ])
        guard let key = output.split(separator: "\n").last.map(String.init), !key.isEmpty else {
            throw BenchError("ebbflow keys create printed no key")
        }
        return key
    }

    func drop(_ schema: SchemaName) async {
        guard let connection = try? await PGConnection.connect(database) else { return }
        try? await connection.simpleQuery("DROP SCHEMA IF EXISTS \(schema.quoted) CASCADE")
        await connection.run { $0.close() }
    }

    /// Runs `ebbflow ARGS --database-url URL`; its standard output, or an error with the end
    /// of its standard error. Returns the wall time too through `timed`.
    @discardableResult
    func run(_ arguments: [String]) throws -> String {
        try timed(arguments).output
    }

    func timed(_ arguments: [String]) throws -> (output: String, seconds: Double) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ebbflow)
        process.arguments =
            arguments + (database.conninfo.isEmpty ? [] : ["--database-url", database.conninfo])
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        let started = Monotonic.now()
        try process.run()
        // Read both pipes before waiting: a child that fills one would otherwise never exit.
        let errors = ThreadBox<Data>()
        let reader = Thread { errors.set(stderr.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let seconds = Double(Monotonic.now() - started) / 1e9
        let errorText = String(decoding: errors.wait(), as: UTF8.self)
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw BenchError(
                "ebbflow \(arguments.prefix(2).joined(separator: " ")) exited with \(process.terminationStatus): "
                    + errorText.split(separator: "\n").suffix(3).joined(separator: " | "))
        }
        return (String(decoding: output, as: UTF8.self), seconds)
    }
}

/// One value handed from a thread to whoever waits for it.
final class ThreadBox<T: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var value: T?

    func set(_ newValue: T) {
        condition.lock()
        value = newValue
        condition.broadcast()
        condition.unlock()
    }

    func wait() -> T {
        condition.lock()
        defer { condition.unlock() }
        while value == nil { condition.wait() }
        return value!
    }
}
