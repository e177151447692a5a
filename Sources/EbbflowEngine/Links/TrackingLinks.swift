// The signed open-pixel and click URLs of a send: EBBFLOW_PUBLIC_URL/t/o/<token> and /t/c/<token>, each click's URL recorded.
import EbbflowCore
import Foundation
import PostgresClient

/// The delivery's way to track a message: `openURL` for the pixel, `clickURL` for every link it
/// rewrites. Why the URL is recorded and not signed into the token: the redirect can then only
/// ever go where a send's own link went (`tracked_links`), whatever a token says, so the route
/// is never an open redirect; and links stay short.
public struct TrackingLinks: Sendable {
    let signer: LinkSigner
    let schema: SchemaName
    public let base: PublicBaseURL

    /// The longest URL recorded: 2,048 bytes (what every browser and mail client keeps whole).
    public static let maxURLBytes = 2_048
    /// Links recorded per send at most: a message has a few dozen; a bound keeps a bad template
    /// from filling the table.
    public static let maxLinksPerSend = 1_000

    public init(schema: SchemaName, base: PublicBaseURL) {
        self.schema = schema
        self.base = base
        signer = LinkSigner(schema: schema)
    }

    /// The open pixel's URL for `sendID`; throws when the send does not exist.
    public func openURL(sendID: Int64, now: Date, on connection: isolated PGConnection) throws -> String {
        guard try sendExists(sendID, lock: false, on: connection) else {
            throw LinkInputError("send \(sendID) does not exist")
        }
        return base.url("/t/o/" + (try signer.sign(.open, subject: sendID, now: now, on: connection)))
    }

    /// The click URL that records a click of `url` in `sendID` and redirects to it. The same
    /// (send, URL) keeps its link index, so calling twice gives the same token. The send row
    /// is locked for the transaction so two calls for one send number their links in turn.
    public func clickURL(sendID: Int64, url: String, now: Date, on connection: isolated PGConnection) throws -> String {
        try Self.validate(url)
        guard try sendExists(sendID, lock: true, on: connection) else {
            throw LinkInputError("send \(sendID) does not exist")
        }
        let table = schema.qualified("tracked_links")
        var index: Int32? = try connection.query(
            "SELECT link_index FROM \(table) WHERE send_id = $1 AND url = $2", [sendID, url]
        ).rows.first?.decode("link_index")
        if index == nil {
            let next: Int32 = try connection.query(
                "SELECT coalesce(max(link_index) + 1, 0)::int4 AS next FROM \(table) WHERE send_id = $1", [sendID]
            ).rows.first!.decode("next")
            guard next < Self.maxLinksPerSend else {
                throw LinkInputError(
                    "send \(sendID) has \(Self.maxLinksPerSend) tracked links already, the most a send may have")
            }
            try connection.execute(
                "INSERT INTO \(table) (send_id, link_index, url, created_at) VALUES ($1, $2, $3, $4)",
                [sendID, next, url, now])
            index = next
        }
        return base.url(
            "/t/c/" + (try signer.sign(.click, subject: sendID, linkIndex: index, now: now, on: connection)))
    }

    private func sendExists(_ id: Int64, lock: Bool, on connection: isolated PGConnection) throws -> Bool {
        let suffix = lock ? " FOR NO KEY UPDATE" : ""
        return try !connection.query("SELECT 1 FROM \(schema.qualified("sends")) WHERE id = $1" + suffix, [id]).rows
            .isEmpty
    }

    /// An absolute http or https URL with a host, at most `maxURLBytes` bytes, with no white
    /// space or control character (it goes into a `Location` header as it is).
    public static func validate(_ url: String) throws(LinkInputError) {
        guard url.utf8.count <= maxURLBytes else {
            throw LinkInputError("URL: longer than \(maxURLBytes) bytes")
        }
        guard !url.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) else {
            throw LinkInputError("URL: white space or a control character; percent-encode it")
        }
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else {
            throw LinkInputError("URL: must be an absolute http or https URL, got \"\(url.prefix(80))\"")
        }
    }
}
