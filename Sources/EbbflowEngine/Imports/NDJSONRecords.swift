// NDJSON import input: one JSON object a physical line, each line checked on its own.
import Foundation

/// Each line is decoded on its own (UTF-8, then JSON), so invalid UTF-8, a NUL, `NaN` or a
/// number out of range rejects that line alone. Keys match without regard to case.
final class NDJSONRecords: RecordSource {
    private let lines: PhysicalLines

    init(_ lines: PhysicalLines) { self.lines = lines }

    func next() throws -> RecordItem? {
        while let line = try lines.next() {
            func reject(_ reason: String) -> RecordItem { .rejected(RejectedLine(line: line.number, reason: reason)) }
            if line.tooLong { return reject("longer than \(RecordReader.maxLineBytes) bytes") }
            guard let text = String(validating: line.bytes, as: UTF8.self) else { return reject("not valid UTF-8") }
            if text.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.bytes), options: [.fragmentsAllowed]) as? [String: Any] else {
                return reject("not a JSON object")
            }
            var record = InputRecord(line: line.number, fields: [:])
            var seen = Set<String>()
            for (rawKey, value) in object {
                let key = rawKey.trimmingCharacters(in: .whitespaces).lowercased()
                if let problem = RecordReader.textProblem("a key", rawKey) { return reject(problem) }
                guard seen.insert(key).inserted else {
                    return reject("the key \"\(key)\" appears twice (keys match without regard to case)")
                }
                switch value {
                case is NSNull: continue
                case let string as String:
                    record.fields[key] = string
                case let number as NSNumber:
                    if CFBooleanish.isBool(number) {
                        record.fields[key] = number.boolValue ? "true" : "false"
                    } else {
                        guard number.doubleValue.isFinite else { return reject("\(key) is not a finite number") }
                        record.fields[key] = number.stringValue
                    }
                    record.jsonFields.insert(key)
                default:
                    guard JSONSerialization.isValidJSONObject(value),
                          let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]) else {
                        return reject("\(key) is not valid JSON")
                    }
                    record.fields[key] = String(decoding: data, as: UTF8.self)
                    record.jsonFields.insert(key)
                }
                if let problem = RecordReader.textProblem(key, record.fields[key] ?? "") ?? nulEscape(key, record.fields[key] ?? "") {
                    return reject(problem)
                }
            }
            return .record(record)
        }
        return nil
    }

    /// A NUL written as the JSON escape `\u0000` inside a nested value: jsonb refuses it.
    private func nulEscape(_ key: String, _ value: String) -> String? {
        value.contains("\\u0000") ? "\(key) contains a NUL byte" : nil
    }
}

/// Tells JSON booleans from numbers (both arrive as NSNumber).
enum CFBooleanish {
    static func isBool(_ number: NSNumber) -> Bool {
        String(cString: number.objCType) == "c" && (number == NSNumber(value: true) || number == NSNumber(value: false))
    }
}
