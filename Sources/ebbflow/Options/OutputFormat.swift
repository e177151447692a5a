// Human tables and JSON for admin commands: one place decides how rows are printed.
import EbbflowCore
import EbbflowQueue
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

    /// Proleptic Gregorian, as stored: Foundation's `.iso8601` printed 0001-01-01 as 0001-01-03.
    static func time(_ date: Date?) -> String { date.map { ISO8601Text.string($0) } ?? "-" }

    /// A job as `--json` prints it; `args` stays a JSON object, not a string.
    static func jobObject(_ row: JobRow) -> [String: Any] {
        var object: [String: Any] = [
            "id": row.id, "state": row.state, "queue": row.queue, "kind": row.kind,
            "args": (try? JSONSerialization.jsonObject(with: row.args.bytes, options: [.fragmentsAllowed])) ?? NSNull(),
            "priority": row.priority, "attempt": row.attempt, "max_attempts": row.maxAttempts,
            "run_at": time(row.runAt), "created_at": time(row.createdAt),
            "errors": row.errors.map {
                ["at": time($0.at), "attempt": $0.attempt, "kind": $0.kind.rawValue, "message": $0.message]
                    as [String: Any]
            },
        ]
        if let attemptedAt = row.attemptedAt { object["attempted_at"] = time(attemptedAt) }
        if let finishedAt = row.finishedAt { object["finished_at"] = time(finishedAt) }
        if let worker = row.lockedBy { object["worker"] = worker }
        if let key = row.uniqueKey { object["unique_key"] = key }
        return object
    }
}
