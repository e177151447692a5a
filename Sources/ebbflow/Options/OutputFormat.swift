// Human tables and JSON for admin commands: one place decides how rows are printed.
import EbbflowOperations
import Foundation

enum Output {
    /// Aligned columns for people.
    static func table(_ headers: [String], _ rows: [[String]]) -> String {
        var widths = headers.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        return ([line(headers)] + rows.map(line)).joined(separator: "\n")
    }

    /// Pretty, key-sorted JSON for scripts.
    static func json(_ value: Any) throws -> String {
        let data = try JSONSerialization.data(
            withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
        return String(decoding: data, as: UTF8.self)
    }

    /// An operation's document, printed the way `json(_:)` prints (the library owns the format).
    static func json(_ document: JSONDocument) throws -> String { try document.encoded() }

    /// A list read: the operation's document with `--json`, else a table of `headers` with one
    /// row per item. Every list command prints through here so the two forms stay alike.
    static func list<Item>(_ shown: Shown<[Item]>, json: Bool, _ headers: [String], row: (Item) -> [String]) throws
        -> String
    {
        json ? try Output.json(shown.document) : table(headers, shown.model.map(row))
    }

    /// Proleptic Gregorian, as stored (one text form, shared with the operations' documents).
    static func time(_ date: Date?) -> String { OperationTime.text(date) }
}
