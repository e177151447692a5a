// One line of `contacts import`, decoded from a CSV record or an NDJSON object, and the COPY row it becomes.
import EbbflowCore
import Foundation

/// The contact fields an import knows; every other column is an attribute.
public enum ContactField: String, CaseIterable, Sendable {
    case externalID = "external_id", email, segment, campaignStatus = "campaign_status", engagementScore =
        "engagement_score"
    case lastEngagementAt = "last_engagement_at", reactivationCycle = "reactivation_cycle", attributes
    /// Where the person's consent was given (a form, a double opt-in, a call): needed to lift a
    /// suppression or to re-add a forgotten person, and recorded with the change.
    case consentSource = "consent_source"
}

/// One validated line: the row COPY loads (absent fields NULL, so the stored value stays).
struct ContactRow {
    var line: Int
    var values: [String?]
}

/// The fields of a `contacts import` line. Every check here is about the line alone, so a bad
/// value rejects its line, never the file, and nothing that reaches COPY can make the server
/// refuse the whole load.
struct ContactLine: Decodable {
    static let maxScore = 1_000_000.0
    static let maxCycle = 1_000
    static let maxKeyBytes = 256
    static let maxSegmentBytes = 256

    var externalID: String
    var email: String?
    var segment: String?
    var campaignStatus: CampaignStatus?
    var engagementScore: Double?
    var lastEngagementAt: Date?
    var reactivationCycle: Int?
    /// Where consent was given, when the line says (`ContactField.consentSource`).
    var consentSource: String?
    /// The `attributes` column merged with every column that is not a contact field, as jsonb text.
    var attributes: String?

    init(from decoder: any Decoder) throws {
        let fields = try ImportFields(decoder)
        externalID = try fields.required("external_id", maxBytes: Self.maxKeyBytes)
        email = fields.text("email")
        segment = try fields.text("segment", maxBytes: Self.maxSegmentBytes)
        campaignStatus = try fields.choice("campaign_status", CampaignStatus.self)
        engagementScore = try fields.number("engagement_score", in: 0...Self.maxScore)
        lastEngagementAt = try fields.time("last_engagement_at")
        reactivationCycle = try fields.integer("reactivation_cycle", in: 0...Self.maxCycle)
        attributes = try Self.attributes(of: fields)
        consentSource = try fields.text("consent_source", maxBytes: ForgottenPeople.maxConsentSourceBytes)
    }

    /// The staging table's columns for COPY (see `ContactImportSQL.createStaging`).
    func row(line: Int) -> ContactRow {
        ContactRow(
            line: line,
            values: [
                "\(line)", externalID, email, segment, campaignStatus?.rawValue, engagementScore.map { "\($0)" },
                lastEngagementAt.map { "\($0.timeIntervalSince1970)" }, reactivationCycle.map { "\($0)" }, attributes,
                consentSource,
            ])
    }

    /// The `attributes` column (a JSON object) merged with every column that is not a contact
    /// field (a column wins over the same key inside `attributes`); nil when there are none.
    private static func attributes(of fields: ImportFields) throws -> String? {
        let extras = fields.names { ContactField(rawValue: $0) != nil }
        guard let given = try fields.object("attributes") else {
            // The common case, written directly; ImportFields already refused NULs.
            guard !extras.isEmpty else { return nil }
            var text = "{"
            for (index, name) in extras.enumerated() {
                if index > 0 { text += ", " }
                text += JSONText.quoted(name) + ": "
                switch fields[name]! {
                case .text(let value): text += JSONText.quoted(value)
                case .json(let value): value.write(to: &text)
                }
            }
            return text + "}"
        }
        var object = given
        for name in extras {
            switch fields[name]! {
            case .text(let value): object[name] = .string(value)
            case .json(let value): object[name] = value
            }
        }
        var text = ""
        JSONValue.object(object).write(to: &text)
        // jsonb holds no NUL, even escaped: one would make the server refuse the whole load.
        if text.contains("\\u0000") || text.utf8.contains(0) { throw LineProblem("attributes contains a NUL byte") }
        return text
    }
}
