// Reads an import's input (a file or - for stdin) and decides its format, for both import commands.
import ArgumentParser
import EbbflowEngine
import Foundation

struct ImportInput: ParsableArguments {
    @Argument(help: "A CSV (with a header) or NDJSON file, or - for standard input.") var file: String
    @Option(help: "csv or ndjson (default: from the file's extension).") var format: String?

    /// An unknown --format is refused, not replaced by a guess from the file's extension.
    func validate() throws {
        if let format, InputFormat(rawValue: format) == nil {
            throw InputError("--format must be csv or ndjson, got \"\(format)\"")
        }
    }

    /// The input as a stream source, never loaded whole. Standard input is first copied to a
    /// private, already unlinked temporary file (`StandardInputSpool`), whose descriptor
    /// `cleanUp` closes: a retried contact import reads its input again, and a pipe can be
    /// read only once.
    func source() throws -> (ImportSource, InputFormat) {
        guard let chosen = format.flatMap(InputFormat.init(rawValue:)) ?? InputFormat.guess(path: file) else {
            throw InputError(
                format == nil
                    ? "cannot tell the format of \(file); pass --format csv or --format ndjson"
                    : "--format must be csv or ndjson, got \(format!)")
        }
        guard file == "-" else {
            guard FileManager.default.isReadableFile(atPath: file) else { throw InputError("cannot read \(file)") }
            return (.file(path: file), chosen)
        }
        return (.descriptor(try StandardInputSpool.copy()), chosen)
    }

    /// Closes the copy of standard input, if `source` made one (it has no name to remove).
    func cleanUp(_ source: ImportSource) {
        if case .descriptor(let fd) = source { close(fd) }
    }

    /// Runs one import over the input, closing it afterwards; an import that stopped or could
    /// not start is one line for the user (exit 1), as both import commands report it.
    func run<Report>(_ body: (ImportSource, InputFormat) async throws -> Report) async throws -> Report {
        let (source, format) = try source()
        defer { cleanUp(source) }
        do { return try await body(source, format) } catch let stopped as ImportStopped {
            throw InputError("\(stopped)")
        } catch let error as ImportError {
            throw InputError("\(error)")
        }
    }
}

/// Prints listed lines to stderr, one a line, after the summary; says how many were not listed.
func printLines(_ lines: ListedLines, label: String = "rejected") {
    for line in lines.lines { FileHandle.standardError.write(Data("\(label) \(line)\n".utf8)) }
    if lines.count > lines.lines.count {
        FileHandle.standardError.write(
            Data("\(label): \(lines.count - lines.lines.count) more line(s) not listed\n".utf8))
    }
}

/// Exit status 2 when an import rejected any line (the good lines were still applied), so a
/// cron job can tell; 1 is kept for an import that failed or stopped.
let rejectedLinesExitCode = ExitCode(2)

/// The bytes of a document (a policy or streams) in FILE, or standard input for "-", at most
/// `limit + 1` of them: one more than a document may have, so the size check still refuses it.
/// Why not read it all: `head -c 300M /dev/zero | ebbflow policy set -` grew to 322 MB before
/// the 1 MiB check, and `policy set /dev/zero` never ended. Imports stream (`source()`).
func readDocument(_ file: String, limit: Int = DocumentText.maxBytes) throws -> Data {
    let handle: FileHandle
    if file == "-" {
        handle = FileHandle.standardInput
    } else {
        guard let opened = FileHandle(forReadingAtPath: file) else { throw InputError("cannot read \(file)") }
        handle = opened
    }
    defer { if file != "-" { try? handle.close() } }
    var data = Data()
    do {
        while data.count <= limit, let chunk = try handle.read(upToCount: limit + 1 - data.count), !chunk.isEmpty {
            data.append(chunk)
        }
    } catch {
        throw InputError("cannot read \(file): \(error.localizedDescription)")
    }
    return data
}
