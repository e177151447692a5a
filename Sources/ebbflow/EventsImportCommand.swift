// `ebbflow events import`: Import events; each good line is applied exactly once.
import ArgumentParser
import EbbflowEngine
import Foundation

struct EventsImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import", abstract: "Import events; each good line is applied exactly once.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var input: ImportInput

    func run() async throws {
        let (text, format) = try input.load()
        let importer = EventImporter(schema: try connection.schemaName)
        let database = try await connection.connect()
        let report = try await importer.importEvents(text, format: format, on: database)
        print("read \(report.read), applied \(report.applied), duplicates \(report.duplicates), unknown contact \(report.unknownContacts.count), rejected \(report.rejected.count)")
        printRejections(report.unknownContacts, label: "kept")
        printRejections(report.rejected)
    }
}
