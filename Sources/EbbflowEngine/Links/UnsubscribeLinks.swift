// Each contact's signed one-click unsubscribe URL (RFC 8058): EBBFLOW_PUBLIC_URL/u/<token>.
import EbbflowCore
import Foundation
import PostgresClient

/// What the delivery puts in `List-Unsubscribe` (with `List-Unsubscribe-Post:
/// List-Unsubscribe=One-Click`) and in the message's footer. The token names the contact's
/// internal id, so it says nothing about the person to whoever reads the URL.
public struct UnsubscribeLinks: Sendable {
    let signer: LinkSigner
    let schema: SchemaName
    public let base: PublicBaseURL

    public init(schema: SchemaName, base: PublicBaseURL) {
        self.schema = schema
        self.base = base
        signer = LinkSigner(schema: schema)
    }

    /// The path of the unsubscribe route for a token.
    public static func path(token: String) -> String { "/u/\(token)" }

    /// The contact's URL, signed with the current key (made on first use).
    public func url(contactID: Int64, now: Date, on connection: isolated PGConnection) throws -> String {
        base.url(Self.path(token: try signer.sign(.unsubscribe, subject: contactID, now: now, on: connection)))
    }

    /// The URL of the contact with `externalID`, or nil when there is none.
    public func url(externalID: String, now: Date, on connection: isolated PGConnection) throws -> String? {
        let row = try connection.query(
            "SELECT id FROM \(schema.qualified("contacts")) WHERE external_id = $1", [externalID]
        ).rows.first
        guard let id: Int64 = try row?.decode("id") else { return nil }
        return try url(contactID: id, now: now, on: connection)
    }
}
