// The dashboard's contact search: an exact external id or an email address, through the indexes that exist.
import EbbflowCore
import Foundation
import PostgresClient

/// A contact the search found.
public struct ContactHit: Sendable, Equatable {
    /// The row id, for `ContactTimelinePage` and `ScoreHistory`.
    public var id: Int64
    public var externalID: String
    public var email: String?
    public var segment: String
    public var status: CampaignStatus
}

/// Why exact only: a prefix or substring search needs a `text_pattern_ops` or trigram index on
/// a 1,000,000-row table that every import writes; an exact external id uses the unique
/// `contacts_external_id_key`, an address (any case) `contacts_email_lower` (engine 0026).
public struct ContactSearch: Sendable {
    /// The longest query accepted (an external id or address longer than this is a typo).
    public static let maximumQueryLength = 1_000
    /// Contacts sharing one address are listed up to this many.
    public static let maximumHits = 20
    let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    /// The contact whose external id is `query`, then those whose email is `query` ignoring
    /// case (by external id), at most 20. Blank finds nothing; longer than 1,000 characters is
    /// refused naming `q`.
    public func find(_ query: String, on connection: isolated PGConnection) throws -> [ContactHit] {
        let text = query.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return [] }
        guard text.count <= Self.maximumQueryLength, !text.unicodeScalars.contains(where: { $0.value == 0 }) else {
            throw DashboardInputError(
                field: "q",
                "not an external id or address (longer than \(Self.maximumQueryLength) characters, or a NUL)")
        }
        let contacts = schema.qualified("contacts")
        return try connection.query(
            """
            (SELECT id, external_id, email, segment, campaign_status::text AS status, 0 AS rank FROM \(identifier: contacts)
             WHERE external_id = \(bind: text))
            UNION ALL
            (SELECT id, external_id, email, segment, campaign_status::text, 1 FROM \(identifier: contacts)
             WHERE lower(email) = lower(\(bind: text)) AND external_id <> \(bind: text)
             ORDER BY external_id LIMIT \(bind: Self.maximumHits))
            ORDER BY rank, external_id LIMIT \(bind: Self.maximumHits)
            """
        ).rows.map {
            ContactHit(
                id: try $0.decode("id"), externalID: try $0.decode("external_id"), email: try $0.decode("email"),
                segment: try $0.decode("segment"),
                status: CampaignStatus(rawValue: try $0.decode("status")) ?? .active)
        }
    }
}
