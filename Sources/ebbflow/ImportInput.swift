// Reads an import's input (a file or - for stdin) and decides its format, for both import commands.
import ArgumentParser
import EbbflowEngine
import Foundation

struct ImportInput: ParsableArguments {
    @Argument(help: "A CSV (with a header) or NDJSON file, or - for standard input.") var file: String
    @Option(help: "csv or ndjson (default: from the file's extension).") var format: String?

    /// An unknown --format is refused, not replaced by a guess from the file's extension.
    func validate() throws {
        if let format, InputFormat(rawValue: format) == nil { throw InputError("--format must be csv or ndjson, got \"\(format)\"") }
    }

    func load() throws -> (String, InputFormat) {
        guard let chosen = format.flatMap(InputFormat.init(rawValue:)) ?? InputFormat.guess(path: file) else {
            throw InputError(format == nil ? "cannot tell the format of \(file); pass --format csv or --format ndjson"
                                           : "--format must be csv or ndjson, got \(format!)")
        }
        let data = try readInput(file)
        guard let text = String(data: data, encoding: .utf8) else { throw InputError("\(file) is not UTF-8 text") }
        return (text, chosen)
    }
}

/// Prints rejected lines to stderr, one a line, after the summary.
func printRejections(_ lines: [RejectedLine], label: String = "rejected") {
    for line in lines { FileHandle.standardError.write(Data("\(label) \(line)\n".utf8)) }
}

/// The bytes of FILE, or of standard input for "-".
func readInput(_ file: String) throws -> Data {
    if file == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
    guard let contents = FileManager.default.contents(atPath: file) else { throw InputError("cannot read \(file)") }
    return contents
}
