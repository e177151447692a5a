// A relay's "no such mailbox" at submission, recorded as a hard bounce through the engine's provider-event path.
import EbbflowCore
import EbbflowEngine
import Foundation
import PostgresClient

/// Why the provider-event path (`ProviderEventRecorder`) and not a suppression written here:
/// a hard bounce from the relay is the same fact as one from SendGrid's webhook, so it is
/// stored as an event of the contact (source `smtp`), applied by the engine's rules (the
/// contact is suppressed, with its audit row) and shown in the timeline like any other.
struct BounceRecorder: Sendable {
    let recorder: ProviderEventRecorder

    /// The event source, the `provider` of the event.
    static let source = "smtp"

    init(schema: SchemaName) { recorder = ProviderEventRecorder(schema: schema) }

    /// One event per item; its id names the send and the attempt, so a re-run of the same
    /// attempt (after a crash before the finish) stores nothing new.
    static func event(for item: DeliveryItem, reply: String) -> ProviderEvent {
        var properties: [String: String] = ["type": "hard", "reason": String(reply.prefix(1_000))]
        properties["message_id"] = item.message.messageID
        let json = (try? JSONSerialization.data(withJSONObject: properties, options: [.sortedKeys])).map {
            String(decoding: $0, as: UTF8.self)
        }
        return ProviderEvent(
            provider: source, providerEventID: "bounce-\(item.send.id)-\(item.send.attempt)", kind: "bounce",
            sendID: item.send.id, email: item.message.to, properties: json ?? #"{"type":"hard"}"#)
    }

    func record(_ bounces: [(item: DeliveryItem, reply: String)], pool: PGPool) async throws {
        let events = bounces.map { Self.event(for: $0.item, reply: $0.reply) }
        _ = try await pool.withConnection { connection in try await recorder.record(events, on: connection) }
    }
}
