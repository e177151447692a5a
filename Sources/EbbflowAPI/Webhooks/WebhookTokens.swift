// The checks of a webhook request that need the database clock: the signature's age, and a one-time token not seen before.
import EbbflowCore
import Foundation
import PostgresClient

/// Why the database clock: it is the project's one clock (`clock_now()`), read once in the
/// recording transaction, so every `serve` process behind a balancer judges a signature's age
/// by the same time whatever its own host's clock says.
struct WebhookTokens: Sendable {
    let schema: SchemaName

    /// The recorder's first step for `delivery`: refuses a stale signature, then records the
    /// token (pruning those past the tolerance) and refuses one seen before.
    func check(provider: String, delivery: WebhookDelivery) -> @Sendable (isolated PGConnection, Date) throws -> Void {
        let table = schema.qualified("webhook_tokens")
        let (signedAt, tolerance, token) = (delivery.signedAt, delivery.tolerance, delivery.replayToken)
        return { connection, now in
            if let signedAt {
                let skew = now.timeIntervalSince(signedAt)
                guard abs(skew) <= tolerance else {
                    throw WebhookRefusal.stale(
                        "the signature's timestamp is \(Int(skew.rounded())) s from the server's clock; at most \(Int(tolerance)) s either way is accepted"
                    )
                }
            }
            guard let token, let signedAt else { return }
            try connection.execute(
                "DELETE FROM \(table) WHERE provider = $1 AND signed_at < $2",
                [provider, now.addingTimeInterval(-tolerance)])
            let fresh = try connection.query(
                "INSERT INTO \(table) (provider, token, signed_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING token",
                [provider, token, signedAt])
            guard fresh.first != nil else {
                throw WebhookRefusal.replay("this signature's token was used before: a request is accepted once")
            }
        }
    }
}
