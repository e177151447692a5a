// `ebbflow contacts import`: Upsert contacts by external id (CSV or NDJSON).
import ArgumentParser
import EbbflowEngine
import Foundation

struct ContactsImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Upsert contacts by external id (CSV or NDJSON); exit 2 if any line was rejected.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var input: ImportInput

    func run() async throws {
        let (source, format) = try input.source()
        defer { input.cleanUp(source) }
        let importer = ContactImporter(schema: try connection.schemaName)
        let database = try await connection.connect()
        let report: ContactImportReport
        do { report = try await importer.importContacts(from: source, format: format, on: database) } catch let stopped as ImportStopped {
            throw InputError("\(stopped)")
        } catch let error as ImportError {
            throw InputError("\(error)")
        }
        print("read \(report.read), inserted \(report.inserted), updated \(report.updated) (status changed \(report.statusChanges)), rejected \(report.rejectedLines.count)")
        printLines(report.rejectedLines)
        if report.rejectedLines.count > 0 { throw rejectedLinesExitCode }
    }
}
