// Decodes each record of an import as its line type: CSV through CSVRecordDecoder, NDJSON through JSONDecoder.
import Foundation

/// What a line stream yields: a decoded line with its number, or a rejected line.
enum LineItem<Line> {
    case line(Int, Line)
    case rejected(RejectedLine)

    var number: Int {
        switch self {
        case .line(let number, _): number
        case .rejected(let rejection): rejection.line
        }
    }
}

/// The lines of an input, each decoded as `Line`: a CSV record through `CSVRecordDecoder`, an
/// NDJSON line through `JSONDecoder`. Either way the line type's `init(from:)` is the one place
/// its fields are checked; its `LineProblem` becomes the line's rejection.
final class ImportLines<Line: Decodable> {
    private let records: any RecordSource
    private let json = JSONDecoder()
    private let userInfo: [CodingUserInfoKey: Any]

    init(_ records: any RecordSource, userInfo: [CodingUserInfoKey: any Sendable] = [:]) {
        self.records = records
        self.userInfo = userInfo.mapValues { $0 }
        json.userInfo = userInfo.merging([.importJSON: true]) { $1 }
    }

    /// The next line or rejection; nil at the end.
    func next() throws -> LineItem<Line>? {
        guard let item = try records.next() else { return nil }
        switch item {
        case .rejected(let rejection): return .rejected(rejection)
        case .record(let line, let record):
            do {
                switch record {
                case .csv(let header, let fields):
                    return .line(
                        line, try Line(from: CSVRecordDecoder(header: header, fields: fields, userInfo: userInfo)))
                case .json(let bytes):
                    // JSONDecoder keeps one value of a key written twice and drops the other
                    // without a word, so an exact repeat is refused before it decodes (a repeat
                    // in another case is refused by ImportFields).
                    if let (key, path) = JSONDuplicateKeys.first(in: bytes) {
                        let reason =
                            path.isEmpty
                            ? "the key \"\(ImportFields.trimmed(key).lowercased())\" appears twice (keys match without regard to case)"
                            : "the key \"\(key)\" appears twice in \(path)"
                        return .rejected(RejectedLine(line: line, reason: reason))
                    }
                    return .line(line, try json.decode(Line.self, from: Data(bytes)))
                }
            } catch let problem as LineProblem {
                return .rejected(RejectedLine(line: line, reason: problem.reason))
            } catch is DecodingError {
                // Only JSON that is not an object gets here: fields are read through ImportFields.
                return .rejected(RejectedLine(line: line, reason: "not a JSON object"))
            }
        }
    }
}
