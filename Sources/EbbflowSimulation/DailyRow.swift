// One simulated day's audience counts and email activity, and their CSV form.

/// The audience at the end of one simulated day, and that day's email activity. The status
/// counts are meant to be disjoint (each contact in exactly one of them: `movedToAds` holds the
/// contacts moved to the alternative channel, who are therefore not in `inactive`), so that
/// their sum is the whole audience; the chart stacks them on that assumption.
public struct DailyRow: Sendable, Equatable {
    /// Days since the simulation started.
    public var day: Int
    /// The simulated calendar date, yyyy-MM-dd.
    public var date: String
    public var active: Int
    public var engaged: Int
    public var inactive: Int
    public var reactivated: Int
    public var suppressed: Int
    public var movedToAds: Int
    /// Emails sent that day.
    public var sends: Int
    /// Opens that day (machine opens included).
    public var opens: Int
    /// Clicks that day.
    public var clicks: Int

    public init(
        day: Int, date: String, active: Int = 0, engaged: Int = 0, inactive: Int = 0, reactivated: Int = 0,
        suppressed: Int = 0, movedToAds: Int = 0, sends: Int = 0, opens: Int = 0, clicks: Int = 0
    ) {
        self.day = day
        self.date = date
        self.active = active
        self.engaged = engaged
        self.inactive = inactive
        self.reactivated = reactivated
        self.suppressed = suppressed
        self.movedToAds = movedToAds
        self.sends = sends
        self.opens = opens
        self.clicks = clicks
    }

    /// Every contact the row counts (saturating, so absurd counts can't trap).
    public var audience: Int { WeeklyTable.sum([active, engaged, inactive, reactivated, suppressed, movedToAds]) }
}

/// The daily rows as CSV, for spreadsheets and plotting tools.
public enum SimulationCSV {
    public static let header = "day,date,active,engaged,inactive,reactivated,suppressed,moved_to_ads,sends,opens,clicks"

    /// The header, then one line per row in the given order; `\n` line endings and a final one.
    /// A date containing a comma, quote or line break is quoted (RFC 4180), so a line is
    /// always one record.
    public static func render(_ rows: [DailyRow]) -> String {
        var text = header + "\n"
        for row in rows {
            let fields = [
                row.active, row.engaged, row.inactive, row.reactivated, row.suppressed, row.movedToAds,
                row.sends, row.opens, row.clicks,
            ].map(String.init)
            text += ([String(row.day), quoted(row.date)] + fields).joined(separator: ",") + "\n"
        }
        return text
    }

    static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else {
            return field
        }
        return "\"" + field.map { $0 == "\"" ? "\"\"" : String($0) }.joined() + "\""
    }
}
