// `ebbflow events import`: Import events; each good line is applied exactly once.
import ArgumentParser
import EbbflowEngine
import Foundation

struct EventsImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import events; each good line is applied exactly once; exit 2 if any line was rejected.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var input: ImportInput

    func run() async throws {
        let (source, format) = try input.source()
        defer { input.cleanUp(source) }
        let importer = EventImporter(schema: try connection.schemaName)
        let database = try await connection.connect()
        let report: EventImportReport
        do { report = try await importer.importEvents(from: source, format: format, on: database) } catch let stopped as ImportStopped {
            throw InputError("\(stopped)")
        } catch let error as ImportError {
            throw InputError("\(error)")
        }
        print("read \(report.read), applied \(report.applied), duplicates \(report.duplicates), unknown contact \(report.unknownContactLines.count), rejected \(report.rejectedLines.count)")
        printLines(report.unknownContactLines, label: "kept")
        printLines(report.rejectedLines)
        if report.rejectedLines.count > 0 { throw rejectedLinesExitCode }
    }
}
