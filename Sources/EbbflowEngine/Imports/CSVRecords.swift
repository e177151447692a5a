// CSV import input by RFC 4180 (CSV.swift's streaming reader): a header row, then one record a row.
import CSV
import Foundation

/// Records of a CSV file with a header, fields trimmed, for `CSVRecordDecoder` to decode.
/// Quoted fields may hold commas, doubled quotes and line breaks; rows end with CRLF, LF or a
/// lone CR; a UTF-8 byte order mark is skipped. Header names match without regard to case. A record's line is the physical line it starts on,
/// counted through the line breaks inside its quoted fields.
final class CSVRecords: RecordSource {
    private let stream: CSVLineStream
    private let reader: CSVReader
    private let header: CSVHeader
    private var nextLine: Int
    private var done = false

    init(_ lines: PhysicalLines, maxRecordBytes: Int) throws {
        stream = CSVLineStream(lines, maxRecordBytes: maxRecordBytes)
        do { reader = try CSVReader(stream: stream, hasHeaderRow: false) } catch {
            throw ImportError("cannot read the CSV input: \(error)")
        }
        nextLine = 1
        guard let row = reader.next() else {
            if let failure = stream.failure { throw ImportError("cannot read the CSV input: \(failure)") }
            header = CSVHeader([])
            done = true
            return
        }
        let span = Self.lineBreaks(in: row)
        if let bad = stream.badLine(in: 1...(1 + span)) {
            throw ImportError("line \(bad.line) (the header): \(bad.reason)")
        }
        nextLine = 2 + span
        stream.mark()
        var names: [String] = []
        for (index, raw) in row.enumerated() {
            let name = raw.trimmingCharacters(in: .whitespaces).lowercased()
            guard !name.isEmpty else { throw ImportError("line 1 (the header): column \(index + 1) has no name") }
            guard !names.contains(name) else {
                throw ImportError("line 1 (the header): \"\(name)\" appears twice (names match without regard to case)")
            }
            if name.utf8.contains(0) { throw ImportError("line 1: the header contains a NUL byte") }
            names.append(name)
        }
        header = CSVHeader(names)
    }

    func next() throws -> RecordItem? {
        while !done {
            guard let row = reader.next() else {
                done = true
                if let failure = stream.failure { throw ImportError("cannot read the CSV input: \(failure)") }
                return nil
            }
            let line = nextLine
            let span = Self.lineBreaks(in: row)
            nextLine += span + 1
            stream.mark()
            func reject(_ reason: String) -> RecordItem { .rejected(RejectedLine(line: line, reason: reason)) }
            if stream.cut {
                done = true
                return reject(
                    "a record longer than \(RecordReader.maxRecordBytes) bytes (is a closing quote missing?); the file was not read past it"
                )
            }
            if let bad = stream.badLine(in: line...(line + span)) {
                return reject(bad.line == line ? bad.reason : "line \(bad.line) of this record is \(bad.reason)")
            }
            if row.count == 1 && row[0].isEmpty { continue }
            guard row.count == header.names.count else {
                let spread = span > 0 ? " (the record runs to line \(line + span): is a closing quote missing?)" : ""
                return reject("\(row.count) fields, the header has \(header.names.count)\(spread)")
            }
            return .record(line: line, .csv(header, row.map(Self.trimmed)))
        }
        return nil
    }

    /// `field` without surrounding spaces and tabs. Why not Foundation's trimming alone: on
    /// Linux it costs about a microsecond a call, five a line; most fields have nothing to trim.
    static func trimmed(_ field: String) -> String {
        guard let first = field.utf8.first, let last = field.utf8.last,
            first == 0x20 || first == 0x09 || last == 0x20 || last == 0x09
        else { return field }
        return field.trimmingCharacters(in: .whitespaces)
    }

    /// Line breaks inside a row's fields (CRLF, LF or CR each count once).
    static func lineBreaks(in row: [String]) -> Int {
        var count = 0
        for field in row {
            var previousCR = false
            for byte in field.utf8 {
                if byte == 0x0A { if !previousCR { count += 1 } } else if byte == 0x0D { count += 1 }
                previousCR = byte == 0x0D
            }
        }
        return count
    }
}
