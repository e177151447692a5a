// NDJSON import input: one JSON object a physical line, each line checked on its own.
import Foundation

/// Each line is checked on its own (length, then UTF-8) and handed on as bytes for
/// `JSONDecoder` to decode as the import's line type, so invalid UTF-8, a NUL, `NaN` or a
/// number out of range rejects that line alone. Keys match without regard to case
/// (`ImportFields`).
final class NDJSONRecords: RecordSource {
    private let lines: PhysicalLines

    init(_ lines: PhysicalLines) { self.lines = lines }

    func next() throws -> RecordItem? {
        while let line = try lines.next() {
            func reject(_ reason: String) -> RecordItem { .rejected(RejectedLine(line: line.number, reason: reason)) }
            if line.tooLong { return reject("longer than \(RecordReader.maxLineBytes) bytes") }
            guard String(validating: line.bytes, as: UTF8.self) != nil else { return reject("not valid UTF-8") }
            if line.bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            return .record(line: line.number, .json(line.bytes))
        }
        return nil
    }
}
