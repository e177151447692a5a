// The simulation as a compact fixed-width text table, one line per simulated week.

/// A week-by-week summary for a terminal or a log, where 180 daily rows would be too many to
/// read: each line shows the audience at the end of the week and the week's email activity.
public enum WeeklyTable {
    static let header = [
        "week", "days", "end date", "active", "engaged", "inactive", "reactivated", "suppressed", "ads",
        "sends", "opens", "clicks",
    ]

    /// Rows (in any order) are grouped by week from the first day: days first…first+6 are week
    /// 1, and so on; the last week may be short (its `days` column shows it). Status counts are
    /// the week's last day's; sends, opens and clicks are summed over the week. Numbers are
    /// right-aligned, text left-aligned, columns two spaces apart; `\n` after every line. No rows
    /// give the header alone.
    public static func render(_ rows: [DailyRow]) -> String {
        let sorted = rows.enumerated().sorted { ($0.element.day, $0.offset) < ($1.element.day, $1.offset) }.map(
            \.element)
        var lines: [[String]] = []
        if let firstDay = sorted.first?.day {
            var weeks: [(number: Int, rows: [DailyRow])] = []
            for row in sorted {
                let week = weekNumber(day: row.day, firstDay: firstDay)
                if weeks.last?.number == week {
                    weeks[weeks.count - 1].rows.append(row)
                } else {
                    weeks.append((week, [row]))
                }
            }
            for week in weeks {
                guard let first = week.rows.first, let last = week.rows.last else { continue }
                let days = first.day == last.day ? "\(first.day)" : "\(first.day)-\(last.day)"
                lines.append([
                    "\(week.number)", days, oneLine(last.date),
                    "\(last.active)", "\(last.engaged)", "\(last.inactive)", "\(last.reactivated)",
                    "\(last.suppressed)", "\(last.movedToAds)",
                    "\(sum(week.rows.map(\.sends)))", "\(sum(week.rows.map(\.opens)))",
                    "\(sum(week.rows.map(\.clicks)))",
                ])
            }
        }
        let textColumns: Set<Int> = [1, 2]
        let widths = header.indices.map { column in
            ([header] + lines).map { $0[column].count }.max() ?? 0
        }
        func format(_ cells: [String]) -> String {
            let padded = cells.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: max(0, widths[column] - cell.count))
                return textColumns.contains(column) ? cell + padding : padding + cell
            }
            // Trailing spaces trimmed: a short text column at the end of a line would leave some.
            var line = padded.joined(separator: "  ")
            while line.last == " " { line.removeLast() }
            return line
        }
        return ([header] + lines).map(format).joined(separator: "\n") + "\n"
    }

    /// 1 for the first seven days from `firstDay`, 2 for the next seven, …; never traps.
    static func weekNumber(day: Int, firstDay: Int) -> Int {
        let (offset, overflow) = day.subtractingReportingOverflow(firstDay)
        return overflow ? Int.max : offset / 7 + 1
    }

    /// Text that can't break the table's lines.
    static func oneLine(_ text: String) -> String {
        String(text.map { $0.isNewline || $0 == "\t" ? " " : $0 })
    }

    /// A sum that saturates instead of trapping on absurd counts.
    static func sum(_ values: [Int]) -> Int {
        values.reduce(0) { total, value in
            let (result, overflow) = total.addingReportingOverflow(value)
            return overflow ? (value > 0 ? Int.max : Int.min) : result
        }
    }
}
