// `ebbflow contacts import`: Upsert contacts by external id (CSV or NDJSON).
import ArgumentParser
import EbbflowEngine
import Foundation

struct ContactsImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import", abstract: "Upsert contacts by external id (CSV or NDJSON).")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var input: ImportInput

    func run() async throws {
        let (text, format) = try input.load()
        let importer = ContactImporter(schema: try connection.schemaName)
        let database = try await connection.connect()
        let report = try await importer.importContacts(text, format: format, on: database)
        print("read \(report.read), inserted \(report.inserted), updated \(report.updated), rejected \(report.rejected.count)")
        printRejections(report.rejected)
    }
}
