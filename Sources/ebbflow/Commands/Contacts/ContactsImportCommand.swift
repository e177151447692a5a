// `ebbflow contacts import`: Upsert contacts by external id (CSV or NDJSON).
import ArgumentParser
import EbbflowEngine
import Foundation

struct ContactsImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Upsert contacts by external id (CSV or NDJSON); exit 2 if any line was rejected.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var input: ImportInput

    func run() async throws {
        let importer = ContactImporter(schema: try connection.schemaName)
        let report = try await input.run { source, format in
            try await importer.importContacts(from: source, format: format, on: try await connection.connect())
        }
        print(
            """
            read \(report.read), inserted \(report.inserted), updated \(report.updated) (status changed \(report.statusChanges)), \
            rejected \(report.rejectedLines.count)\(report.readded > 0 ? ", forgotten people re-added with consent \(report.readded)" : "")
            """
        )
        printLines(report.rejectedLines)
        if report.rejectedLines.count > 0 { throw rejectedLinesExitCode }
    }
}
