// Signs link tokens with the current key and verifies them against the keys that still verify, in the caller's transaction.
import EbbflowCore
import Foundation
import PostgresClient

/// The one place tokens are made and checked. Why in the caller's transaction: the delivery
/// that renders a message signs its links in the transaction that claims the send, and a route
/// verifies the token in the transaction that records the event, so a key rotated meanwhile
/// is seen consistently.
public struct LinkSigner: Sendable {
    let keys: LinkKeyStore

    public init(schema: SchemaName) { keys = LinkKeyStore(schema: schema) }

    /// A token for `purpose` naming `subject` (and `linkIndex` for a click), signed with the current key.
    public func sign(
        _ purpose: LinkPurpose, subject: Int64, linkIndex: Int32? = nil, now: Date, on connection: isolated PGConnection
    ) throws -> String {
        let key = try keys.current(now: now, on: connection)
        return LinkToken(purpose: purpose, keyID: key.id, subject: subject, linkIndex: linkIndex).text(
            secret: key.secret)
    }

    /// The token's content if it is well formed, made for `purpose` and signed by a key that
    /// still verifies at `now`; otherwise the refusal. Nothing is written.
    public func verify(_ text: String, purpose: LinkPurpose, now: Date, on connection: isolated PGConnection) throws
        -> LinkToken
    {
        let unverified = try LinkToken.parse(text)
        guard let secret = try keys.verifying(id: unverified.token.keyID, now: now, on: connection),
            unverified.verify(secret: secret)
        else { throw LinkRefusal.badSignature }
        // Checked after the MAC: a forged token learns nothing about which purposes exist.
        guard unverified.token.purpose == purpose else { throw LinkRefusal.wrongPurpose }
        return unverified.token
    }
}
