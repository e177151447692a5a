// `ebbflow events import`: Import events; each good line is applied exactly once.
import ArgumentParser
import EbbflowEngine
import Foundation

struct EventsImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import events; each good line is applied exactly once; exit 2 if any line was rejected.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var input: ImportInput

    func run() async throws {
        let importer = EventImporter(schema: try connection.schemaName)
        let report = try await input.run { source, format in
            try await importer.importEvents(from: source, format: format, on: try await connection.connect())
        }
        print(
            """
            read \(report.read), applied \(report.applied), duplicates \(report.duplicates), \
            unknown contact \(report.unknownContactLines.count), rejected \(report.rejectedLines.count)
            """
        )
        printLines(report.unknownContactLines, label: "kept")
        printLines(report.rejectedLines)
        if report.rejectedLines.count > 0 { throw rejectedLinesExitCode }
    }
}
