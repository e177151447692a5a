// Turns one import record into a contact row for COPY, or a rejection naming the line and the reason.
import EbbflowCore
import Foundation

/// The contact fields an import knows; every other column is an attribute.
public enum ContactField: String, CaseIterable, Sendable {
    case externalID = "external_id", email, segment, campaignStatus = "campaign_status", engagementScore = "engagement_score"
    case lastEngagementAt = "last_engagement_at", reactivationCycle = "reactivation_cycle", attributes
}

/// One validated line: the row COPY loads (absent fields NULL, so the stored value stays).
struct ContactRow {
    var line: Int
    var values: [String?]
}

/// Every check here is about the line alone, so a bad value rejects its line, never the file,
/// and nothing that reaches COPY can make the server refuse the whole load.
struct ContactLineParser: Sendable {
    static let maxScore = 1_000_000.0
    static let maxCycle = 1_000
    static let maxKeyBytes = 256
    static let maxSegmentBytes = 256

    func parse(_ record: InputRecord) throws(RejectedLine) -> ContactRow {
        func reject(_ reason: String) -> RejectedLine { RejectedLine(line: record.line, reason: reason) }
        let fields = record.fields
        guard let externalID = fields["external_id"], !externalID.isEmpty else { throw reject("external_id is missing") }
        if externalID.utf8.count > Self.maxKeyBytes { throw reject("external_id is \(externalID.utf8.count) bytes long, at most \(Self.maxKeyBytes) are accepted") }
        if let segment = fields["segment"], segment.utf8.count > Self.maxSegmentBytes {
            throw reject("segment is \(segment.utf8.count) bytes long, at most \(Self.maxSegmentBytes) are accepted")
        }
        if let status = fields["campaign_status"], CampaignStatus(rawValue: status) == nil {
            throw reject("campaign_status \"\(status)\" is not one of \(CampaignStatus.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        /// A numeric field as given, or the line's rejection naming the field, the text and the bound.
        func bounded<Value>(_ name: String, notA kind: String, _ parse: (String) -> Value?,
                            _ check: (Value) throws(BoundError) -> Value) throws(RejectedLine) -> String? {
            guard let text = fields[name] else { return nil }
            do throws(BoundError) {
                guard let value = parse(text) else { throw BoundError(field: name, value: "", bound: "is not \(kind)") }
                return "\(try check(value))"
            } catch {
                throw reject(BoundError(field: error.field, value: "\"\(text)\"", bound: error.bound).description)
            }
        }
        let score = try bounded("engagement_score", notA: "a number", { Double($0) }) { value throws(BoundError) in
            try InputBounds.number(value, field: "engagement_score", in: 0...Self.maxScore)
        }
        var lastEngagement: String?
        if let text = fields["last_engagement_at"] {
            guard let date = ISO8601Text.parse(text) else {
                throw reject("last_engagement_at \"\(text)\" is not an ISO 8601 time with its zone, such as 2026-01-01T09:00:00Z")
            }
            lastEngagement = "\(date.timeIntervalSince1970)"
        }
        let cycle = try bounded("reactivation_cycle", notA: "a whole number", { Int($0) }) { value throws(BoundError) in
            try InputBounds.integer(value, field: "reactivation_cycle", in: 0...Self.maxCycle)
        }
        return ContactRow(line: record.line, values: [
            "\(record.line)", externalID, fields["email"], fields["segment"], fields["campaign_status"], score, lastEngagement, cycle,
            try attributes(of: record),
        ])
    }

    /// The `attributes` column (a JSON object) merged with every column that is not a contact
    /// field (a column wins over the same key inside `attributes`); nil when there are none.
    private func attributes(of record: InputRecord) throws(RejectedLine) -> String? {
        func reject(_ reason: String) -> RejectedLine { RejectedLine(line: record.line, reason: reason) }
        let extras = record.fields.keys.filter { ContactField(rawValue: $0) == nil }.sorted()
        if record.fields["attributes"] == nil {
            // The common case, written directly: Foundation's JSON writer costs more than the
            // rest of the line's work together. Readers already refused NULs.
            guard !extras.isEmpty else { return nil }
            var text = "{"
            for (index, name) in extras.enumerated() {
                if index > 0 { text += ", " }
                text += JSONText.quoted(name) + ": "
                let value = record.fields[name]!
                text += record.jsonFields.contains(name) ? value : JSONText.quoted(value)
            }
            return text + "}"
        }
        var object: [String: Any] = [:]
        if let text = record.fields["attributes"] {
            guard let given = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
                throw reject("attributes is not a JSON object")
            }
            object = given
        }
        for name in extras {
            let value = record.fields[name]!
            if record.jsonFields.contains(name), let json = try? JSONSerialization.jsonObject(with: Data(value.utf8), options: [.fragmentsAllowed]) {
                object[name] = json
            } else {
                object[name] = value
            }
        }
        guard JSONSerialization.isValidJSONObject(object),
              let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else {
            throw reject("attributes is not valid JSON (a number out of range?)")
        }
        let text = String(decoding: data, as: UTF8.self)
        // jsonb holds no NUL, even escaped: one would make the server refuse the whole load.
        if text.contains("\\u0000") || text.utf8.contains(0) { throw reject("attributes contains a NUL byte") }
        return text
    }
}

/// JSON string literals, written by hand for the hot path of imports.
enum JSONText {
    /// `text` as a JSON string: quotes, backslashes and control characters escaped.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
