// One simulated day's stream membership and business events, their CSV form, and each stream's totals.

/// Who was in which stream at the end of one simulated day, and that day's business events.
/// `members` follows the order of `StreamDailyRow.streams` of its run; `none` holds the
/// contacts in no stream, so members plus none is the whole audience.
public struct StreamDailyRow: Sendable, Equatable {
    public var day: Int
    public var date: String
    public var members: [Int]
    public var none: Int
    public var purchases: Int
    public var returns: Int
    public var tickets: Int

    public init(
        day: Int, date: String, members: [Int], none: Int, purchases: Int = 0, returns: Int = 0, tickets: Int = 0
    ) {
        self.day = day
        self.date = date
        self.members = members
        self.none = none
        self.purchases = purchases
        self.returns = returns
        self.tickets = tickets
    }
}

/// What one stream did over a whole simulation, read from the database at the end.
public struct StreamTotals: Sendable, Equatable {
    public var stream: String
    /// Decisions that placed a contact in the stream.
    public var entered: Int
    /// Memberships its exit events ended.
    public var exited: Int
    /// Contacts the arbiter moved out of it to another stream.
    public var movedOut: Int
    public var sends: Int
    /// Sends followed by the stream's goal event within its window.
    public var goals: Int
    public var conversion: Double { sends > 0 ? Double(goals) / Double(sends) : 0 }

    public init(stream: String, entered: Int, exited: Int, movedOut: Int, sends: Int, goals: Int) {
        self.stream = stream
        self.entered = entered
        self.exited = exited
        self.movedOut = movedOut
        self.sends = sends
        self.goals = goals
    }

    /// A fixed-width table, one line per stream, for the end of `ebbflow simulate --streams`.
    public static func table(_ totals: [StreamTotals]) -> String {
        let width = max(6, totals.map(\.stream.count).max() ?? 0)
        func pad(_ text: String, _ count: Int, left: Bool = false) -> String {
            let fill = String(repeating: " ", count: max(0, count - text.count))
            return left ? text + fill : fill + text
        }
        var lines = [pad("stream", width, left: true) + "  entered   exited  moved out    sends    goals  goal/send"]
        for row in totals {
            let rate = row.sends > 0 ? String(format: "%.1f %%", row.conversion * 100) : "n/a"
            lines.append(
                pad(row.stream, width, left: true) + pad("\(row.entered)", 9) + pad("\(row.exited)", 9)
                    + pad("\(row.movedOut)", 11) + pad("\(row.sends)", 9) + pad("\(row.goals)", 9) + pad(rate, 11))
        }
        return lines.joined(separator: "\n")
    }
}

/// The daily stream rows as CSV: one column per stream, in the run's order, then `none` and the
/// day's business events.
public enum StreamCSV {
    /// The header, then one line per row; `\n` line endings and a final one. Stream names are
    /// quoted when they need it (RFC 4180).
    public static func render(_ rows: [StreamDailyRow], streams: [String]) -> String {
        let header = (["day", "date"] + streams + ["none", "purchases", "returns", "tickets"]).map(SimulationCSV.quoted)
        var text = header.joined(separator: ",") + "\n"
        for row in rows {
            let counts = (row.members + [row.none, row.purchases, row.returns, row.tickets]).map(String.init)
            text += ([String(row.day), SimulationCSV.quoted(row.date)] + counts).joined(separator: ",") + "\n"
        }
        return text
    }
}
