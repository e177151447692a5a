// The opaque keyset cursor of a Jobs tab: the sort key of the last row read, its text form, and how a bad one is refused.
import Foundation

/// Where the next page of a state tab starts: the tab's sort key of the last row a page
/// showed or its scan read. Keyset, never offset: a deep page costs what the first does, and
/// jobs that come and go meanwhile neither repeat nor shift the rows that follow. The key
/// keeps times as whole microseconds, PostgreSQL's own resolution, so a tie on `run_at` or
/// `finished_at` resolves on `id` exactly as the statement compares it.
public struct JobCursor: Sendable, Hashable, CustomStringConvertible {
    public let tab: JobTab
    /// `priority` of the claim order; 0 for the other orders.
    let priority: Int
    /// `run_at` (claim order) or `finished_at` (finished order) in microseconds since 1970;
    /// 0 for the id order.
    let micros: Int64
    let id: Int64

    init(tab: JobTab, priority: Int = 0, micros: Int64 = 0, id: Int64) {
        self.tab = tab
        self.priority = priority
        self.micros = micros
        self.id = id
    }

    /// The key of `row` in `tab`'s order.
    init(after row: JobRow, tab: JobTab) {
        switch tab.order {
        case .id: self.init(tab: tab, id: row.id)
        case .claim: self.init(tab: tab, priority: row.priority, micros: Self.micros(row.runAt), id: row.id)
        case .finished:
            self.init(tab: tab, micros: Self.micros(row.finishedAt ?? row.runAt), id: row.id)
        }
    }

    /// Text version tag: a cursor of another shape is refused, not misread.
    static let version = "jb1"

    /// The text to put in a link (`?cursor=`): base64url, no padding.
    public var text: String {
        Data("\(Self.version):\(tab.rawValue):\(priority):\(micros):\(id)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public var description: String { text }

    /// Reads a cursor's text for `tab`; nil when it is not a cursor of that tab (another
    /// tab's, edited, truncated, or out of range), so the caller refuses it naming the field.
    public init?(text: String, tab: JobTab) {
        guard !text.isEmpty, text.utf8.count <= 128,
            text.utf8.allSatisfy({ $0.isBase64URL })
        else { return nil }
        var padded = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        padded += String(repeating: "=", count: (4 - padded.utf8.count % 4) % 4)
        guard let data = Data(base64Encoded: padded), let decoded = String(data: data, encoding: .utf8) else {
            return nil
        }
        let parts = decoded.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == Self.version, parts[1] == tab.rawValue,
            let priority = Int(parts[2]), let micros = Int64(parts[3]), let id = Int64(parts[4]),
            (Int(Int16.min)...Int(Int16.max)).contains(priority), Self.isTime(micros), id > 0
        else { return nil }
        switch tab.order {
        case .id: guard priority == 0, micros == 0 else { return nil }
        case .finished: guard priority == 0 else { return nil }
        case .claim: break
        }
        self.init(tab: tab, priority: priority, micros: micros, id: id)
    }

    /// Year 1 to year 9999, or one of the two infinities: every time a job can hold.
    static func isTime(_ micros: Int64) -> Bool {
        micros == .min || micros == .max || (earliest...latest).contains(micros)
    }
    static let earliest: Int64 = -62_135_596_800 * 1_000_000
    static let latest: Int64 = 253_402_300_800 * 1_000_000

    /// Whole microseconds of `date`, as PostgresClient encodes it (seconds floored, the
    /// fraction rounded): the inverse of `date(micros:)` for every time read from the database.
    static func micros(_ date: Date) -> Int64 {
        if date == .distantFuture { return .max }
        if date == .distantPast { return .min }
        let unix = date.timeIntervalSince1970
        let seconds = unix.rounded(.down)
        guard seconds.isFinite, seconds >= Double(earliest / 1_000_000), seconds < Double(latest / 1_000_000) else {
            return seconds < 0 ? earliest : latest
        }
        return Int64(seconds) * 1_000_000 + Int64(((unix - seconds) * 1e6).rounded())
    }

    /// The time `micros` stands for, built as PostgresClient decodes a timestamptz.
    static func date(micros: Int64) -> Date {
        if micros == .max { return .distantFuture }
        if micros == .min { return .distantPast }
        var (quotient, remainder) = micros.quotientAndRemainder(dividingBy: 1_000_000)
        if remainder < 0 {
            quotient -= 1
            remainder += 1_000_000
        }
        return Date(timeIntervalSince1970: Double(quotient) + Double(remainder) / 1e6)
    }

    /// The time part of the key as a bindable date.
    var time: Date { Self.date(micros: micros) }
}

extension UInt8 {
    fileprivate var isBase64URL: Bool {
        (self >= 0x41 && self <= 0x5A) || (self >= 0x61 && self <= 0x7A) || (self >= 0x30 && self <= 0x39)
            || self == 0x2D || self == 0x5F
    }
}
