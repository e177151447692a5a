// Parses a message with Python's email package (scripts/mail-parse.py), a parser that is not ebbflow's own.
import Foundation

/// A message as Python's `email` package reads it: decoded headers, decoded parts, defects.
public struct ParsedMail: Sendable, Decodable {
    public struct Part: Sendable, Decodable {
        public var contentType: String
        public var charset: String?
        public var transferEncoding: String?
        public var body: String

        enum CodingKeys: String, CodingKey {
            case contentType = "content_type", charset, transferEncoding = "transfer_encoding", body
        }
    }

    public var headers: [[String]]
    public var contentType: String
    public var parts: [Part]
    public var defects: [String]
    public var sevenBit: Bool
    public var crlfOnly: Bool
    public var longestLine: Int

    enum CodingKeys: String, CodingKey {
        case headers, contentType = "content_type", parts, defects, sevenBit = "seven_bit", crlfOnly = "crlf_only"
        case longestLine = "longest_line"
    }

    /// The decoded value of the first header of that name (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0[0].lowercased() == name.lowercased() }?[1]
    }

    /// Every header name, in order.
    public var headerNames: [String] { headers.map { $0[0] } }
}

public enum MailParser {
    private static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// Runs scripts/mail-parse.py (the project's venv Python if present, else python3) off the pool.
    public static func parse(_ bytes: [UInt8]) async throws -> ParsedMail {
        let venv = root.appendingPathComponent(".ebbflow/venv/bin/python").path
        let python = FileManager.default.isExecutableFile(atPath: venv) ? venv : "/usr/bin/python3"
        let script = root.appendingPathComponent("scripts/mail-parse.py").path
        let output: Result<Data, any Error> = await OffPool.run {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = [script, "-"]
            let input = Pipe(), out = Pipe(), err = Pipe()
            process.standardInput = input
            process.standardOutput = out
            process.standardError = err
            do {
                try process.run()
                // The message is small; a writer thread keeps a full pipe from blocking the reader.
                Thread.detachNewThread {
                    input.fileHandleForWriting.write(Data(bytes))
                    try? input.fileHandleForWriting.close()
                }
                let data = out.fileHandleForReading.readDataToEndOfFile()
                let errors = err.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                guard process.terminationStatus == 0 else {
                    return .failure(MailParserError(reason: String(decoding: errors, as: UTF8.self)))
                }
                return .success(data)
            } catch {
                return .failure(error)
            }
        }
        return try JSONDecoder().decode(ParsedMail.self, from: output.get())
    }
}

public struct MailParserError: Error, CustomStringConvertible {
    public var reason: String
    public var description: String { "mail-parse.py failed: \(reason)" }
}
