// Keeps each verified SNS SubscriptionConfirmation (its SubscribeURL) in `ses_subscription_confirmations`, once per MessageId.
import EbbflowCore
import Foundation
import PostgresClient

struct SesSubscriptionConfirmations: Sendable {
    let schema: SchemaName

    /// True when the row is new, false for a repeat delivery of the same message.
    func keep(_ message: SnsMessage, sentAt: Date, receivedAt: Date, on connection: isolated PGConnection) throws
        -> Bool
    {
        let table = schema.qualified("ses_subscription_confirmations")
        let inserted = try connection.query(
            """
            INSERT INTO \(table) (message_id, topic_arn, subscribe_url, sent_at, received_at)
            VALUES ($1, $2, $3, $4, $5) ON CONFLICT (message_id) DO NOTHING RETURNING message_id
            """, [message.messageID, message.topicARN, message.subscribeURL ?? "", sentAt, receivedAt])
        return !inserted.rows.isEmpty
    }
}
