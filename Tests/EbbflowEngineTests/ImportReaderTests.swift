// Import input as files really arrive: CRLF, CR, a BOM, quoted line breaks, and one bad line among good ones.
import EbbflowEngine
import Foundation
import Testing

@Suite struct ImportReaderTests {
    func read(_ bytes: [UInt8], _ format: InputFormat) throws -> (records: [InputRecord], rejected: [RejectedLine]) {
        try RecordReader.read(.bytes(bytes), format: format)
    }

    /// Excel and Python's csv module write CRLF, old Mac tools a lone CR: each once read 0 lines.
    @Test(arguments: ["\r\n", "\r", "\n"])
    func everyLineBreakReadsTheSameCSVRecords(lineBreak: String) throws {
        let text = ["external_id,email", "a,a@example.com", "b,b@example.com"].joined(separator: lineBreak) + lineBreak
        let (records, rejected) = try read(Array(text.utf8), .csv)
        #expect(rejected.isEmpty)
        #expect(records.map(\.line) == [2, 3])
        #expect(records.map { $0.fields["email"] } == ["a@example.com", "b@example.com"])
    }

    @Test(arguments: ["\r\n", "\r", "\n"])
    func everyLineBreakReadsTheSameNDJSONRecords(lineBreak: String) throws {
        let text = [#"{"external_id": "a", "kind": "open"}"#, #"{"external_id": "b", "kind": "click"}"#].joined(
            separator: lineBreak)
        let (records, rejected) = try read(Array(text.utf8), .ndjson)
        #expect(rejected.isEmpty)
        #expect(records.map(\.line) == [1, 2] && records.map { $0.fields["kind"] } == ["open", "click"])
    }

    /// RFC 4180: commas, doubled quotes and line breaks inside quotes; a UTF-8 byte order mark;
    /// header names in any case; a record's line is the line it starts on.
    @Test func quotedFieldsAndAByteOrderMark() throws {
        let text = "External_ID,Note\r\na,\"x, \"\"y\"\"\r\nz\"\r\nb,plain\r\n"
        let (records, rejected) = try read([0xEF, 0xBB, 0xBF] + Array(text.utf8), .csv)
        #expect(rejected.isEmpty)
        #expect(records.map(\.line) == [2, 4])
        #expect(records.first?.fields == ["external_id": "a", "note": "x, \"y\"\r\nz"])
        #expect(records.last?.fields["note"] == "plain")
    }

    /// One bad value anywhere rejects its own line, with its number; the lines around it read.
    @Test func badBytesRejectOnlyTheirCSVLine() throws {
        var bytes =
            Array("external_id,email\na,a@example.com\nb,".utf8) + [0xFF, 0xFE] + Array("\nc,c@exa".utf8) + [0]
            + Array("mple.com\nd,d@example.com\ne\n".utf8)
        bytes += Array("f,f@example.com".utf8)
        let (records, rejected) = try read(bytes, .csv)
        #expect(records.map(\.line) == [2, 5, 7])
        #expect(
            rejected == [
                RejectedLine(line: 3, reason: "not valid UTF-8"),
                RejectedLine(line: 4, reason: "email contains a NUL byte"),
                RejectedLine(line: 6, reason: "1 fields, the header has 2"),
            ])
    }

    @Test func badLinesRejectOnlyThemselvesInNDJSON() throws {
        let good = #"{"external_id": "a", "kind": "open"}"#
        var bytes = Array((good + "\r\n").utf8)
        bytes += Array(#"{"external_id": "b", "kind": ""#.utf8) + [0xC3] + Array("\"}\r\n".utf8)
        bytes += Array(#"{"external_id": "c\u0000", "kind": "open"}"#.utf8) + Array("\r\n".utf8)
        bytes += Array(#"{"external_id": "d", "kind": "open", "score": NaN}"#.utf8) + Array("\r\n".utf8)
        bytes += Array(#"{"external_id": "e", "kind": "open", "score": 1e400}"#.utf8) + Array("\r\n\r\n".utf8)
        bytes += Array(good.utf8)
        let (records, rejected) = try read(bytes, .ndjson)
        #expect(records.map(\.line) == [1, 7])
        #expect(rejected.map(\.line) == [2, 3, 4, 5])
        #expect(rejected.first?.reason == "not valid UTF-8")
        #expect(rejected.dropFirst().first?.reason == "external_id contains a NUL byte")
    }

    /// A header that cannot be one stops the import before anything is written.
    @Test func aRepeatedHeaderNameIsRefused() throws {
        #expect(throws: ImportError.self) { try read(Array("external_id,Email,EMAIL\na,b,c\n".utf8), .csv) }
    }
}
