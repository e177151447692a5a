// POST /webhooks/ses: Amazon SES events over Amazon SNS, each message's signature verified with a pinned certificate before anything is stored.
import EbbflowCore
import EbbflowEngine
import EbbflowHTTP
import Foundation
import Hummingbird
import Logging

/// The order of the checks is the point: the body is parsed (400), then the signature is
/// verified with the certificate the operator pinned for its `SigningCertURL` (401), then the
/// topic must be allowed (403), and only then is the database touched: its clock judges the
/// message's age and the certificate's dates (401), and the message is recorded. So a forged or
/// foreign message costs no database work and stores nothing.
public struct SesWebhookRoutes: HTTPRoutes {
    let configuration: SesWebhookConfiguration
    let schema: SchemaName
    let database: APIDatabase
    let logger: Logger

    /// SNS messages are at most 256 KB, and the envelope escapes the message's JSON once more
    /// (every quote gains a backslash), so twice that and some.
    static let maxBodyBytes = 1_024 * 1_024
    /// How old a message may be. Why 2 hours: SNS keeps a message's `Timestamp` and signature
    /// through its retries, and an HTTP/S delivery policy may retry for at most 3,600 seconds
    /// (AWS's hard limit; the default policy retries 3 times, 20 s apart); the second hour covers
    /// throttled deliveries and clocks that disagree. A replay inside it stores nothing twice
    /// (the MessageId is each event's provider id).
    static let maximumAge: TimeInterval = 2 * 3_600
    /// How far ahead of the database clock a `Timestamp` may be: clocks differ a little.
    static let futureSkew: TimeInterval = 5 * 60

    static let media = MediaTypes(accepted: ["text/plain", "application/json"])

    public init(configuration: SesWebhookConfiguration, schema: SchemaName, database: APIDatabase, logger: Logger) {
        self.configuration = configuration
        self.schema = schema
        self.database = database
        self.logger = logger
    }

    public func add(to router: HTTPRouter) {
        let group = router.group("webhooks")
            .add(middleware: RequestMetrics()).add(middleware: InternalErrors(logger: logger))
        group.post("ses") { request, _ in try await receive(request) }
    }

    private func receive(_ request: Request) async throws -> Response {
        do {
            _ = try Self.media.check(request)
            let body = try await RequestBody.bytes(request, limit: Self.maxBodyBytes)
            let message = try SnsMessage.parse(body)
            if let declared = request.headers.first(where: { $0.name.canonicalName == "x-amz-sns-message-type" })?
                .value, declared != message.kind.rawValue
            {
                throw SnsMalformed(
                    "the x-amz-sns-message-type header says \(declared.prefix(40)), the body \(message.kind.rawValue)",
                    field: "x-amz-sns-message-type")
            }
            guard let sentAt = SnsTimestamp.parse(message.timestamp) else {
                throw SnsMalformed(
                    "Timestamp must be an ISO 8601 time such as 2026-12-07T10:00:00.000Z", field: "Timestamp")
            }
            let pinned = try verify(message)
            switch message.kind {
            case .notification:
                let mapped = try SesEventMapping.map(message: message.message, messageID: message.messageID)
                return try await notification(message, mapped, sentAt: sentAt, pinned: pinned)
            case .subscriptionConfirmation:
                return try await subscriptionConfirmation(message, sentAt: sentAt, pinned: pinned)
            case .unsubscribeConfirmation:
                _ = try await database.run { connection in
                    try Self.check(sentAt, pinned, now: try DatabaseClock(schema: schema).now(on: connection))
                }
                logger.notice(
                    "webhooks/ses: SNS unsubscribed this endpoint from a topic",
                    metadata: ["topic": "\(message.topicARN)", "message_id": "\(message.messageID)"])
                WebhookMetrics.count("ses", "unsubscribe_confirmation")
                return Self.answer(["received": "UnsubscribeConfirmation"])
            }
        } catch let error as SnsMalformed {
            WebhookMetrics.count("ses", "malformed")
            logger.info("webhooks/ses: malformed", metadata: ["reason": "\(error.reason)"])
            throw APIError(.badRequest, error.reason, field: error.field)
        } catch let refusal as SnsRefusal {
            WebhookMetrics.count("ses", refusal.outcome)
            logger.warning(
                "webhooks/ses: refused", metadata: ["outcome": "\(refusal.outcome)", "reason": "\(refusal.reason)"])
            throw APIError(refusal.status, refusal.reason)
        } catch let error as APIError where error.status.code < 500 {
            WebhookMetrics.count("ses", error.status == .contentTooLarge ? "too_large" : "malformed")
            throw error
        }
    }

    /// The pinned certificate whose key signed `message`, after checking the URL naming it and
    /// the topic; else the refusal. No database, no network.
    private func verify(_ message: SnsMessage) throws -> SesPinnedCertificate {
        let fileName = try SnsURL.certificateFileName(message.signingCertURL).get()
        guard let pinned = configuration.certificates.certificate(named: fileName) else {
            throw SnsRefusal.certificateNotPinned(
                "no certificate is pinned for \(fileName) (download \(message.signingCertURL) into EBBFLOW_SES_CERTIFICATES)"
            )
        }
        if let refusal = SnsSignature.refusal(message, key: pinned.key) { throw refusal }
        guard configuration.topics.contains(message.topicARN) else {
            throw SnsRefusal.topic("TopicArn \(message.topicARN.prefix(300)) is not in EBBFLOW_SES_TOPIC_ARNS")
        }
        return pinned
    }

    /// The message's age and the certificate's dates against the database clock.
    static func check(_ sentAt: Date, _ pinned: SesPinnedCertificate, now: Date) throws {
        if now.timeIntervalSince(sentAt) > maximumAge {
            throw SnsRefusal.stale("Timestamp is more than \(Int(maximumAge / 3_600)) hours old")
        }
        if sentAt.timeIntervalSince(now) > futureSkew {
            throw SnsRefusal.stale("Timestamp is more than \(Int(futureSkew / 60)) minutes ahead of the clock")
        }
        if let refusal = pinned.datesRefusal(at: now) { throw refusal }
    }

    private func subscriptionConfirmation(_ message: SnsMessage, sentAt: Date, pinned: SesPinnedCertificate)
        async throws -> Response
    {
        guard let url = message.subscribeURL, SnsURL.isConfirmationURL(url) else {
            throw SnsMalformed(
                "SubscribeURL must be https://sns.<region>.amazonaws.com/?Action=ConfirmSubscription&…",
                field: "SubscribeURL")
        }
        let store = SesSubscriptionConfirmations(schema: schema)
        let schema = self.schema
        let isNew = try await database.run { connection in
            let now = try DatabaseClock(schema: schema).now(on: connection)
            try Self.check(sentAt, pinned, now: now)
            return try store.keep(message, sentAt: sentAt, receivedAt: now, on: connection)
        }
        // The operator confirms by opening this URL (ebbflow fetches none); it holds a token that
        // only confirms this subscription, which is why it may be logged.
        logger.notice(
            "webhooks/ses: SNS asks to confirm a subscription; open the SubscribeURL to confirm it",
            metadata: [
                "topic": "\(message.topicARN)", "subscribe_url": "\(url)", "message_id": "\(message.messageID)",
                "repeat": "\(!isNew)",
            ])
        WebhookMetrics.count("ses", "subscription_confirmation")
        return Self.answer(["received": "SubscriptionConfirmation"])
    }

    /// The age and certificate checks run first in the recorder's transaction, with the clock it
    /// reads once, so nothing is stored when they fail and one clock judges both.
    private func notification(
        _ message: SnsMessage, _ mapped: SesMappedEvents, sentAt: Date, pinned: SesPinnedCertificate
    ) async throws -> Response {
        let schema = self.schema
        guard !mapped.events.isEmpty else {
            _ = try await database.run { connection in
                try Self.check(sentAt, pinned, now: try DatabaseClock(schema: schema).now(on: connection))
            }
            WebhookMetrics.count("ses", "ignored")
            logger.info(
                "webhooks/ses: event ignored",
                metadata: ["reason": "\(mapped.ignored ?? "-")", "message_id": "\(message.messageID)"])
            return Self.answer(["received": "Notification", "ignored": mapped.ignored ?? ""])
        }
        let recorder = ProviderEventRecorder(schema: schema)
        let events = mapped.events
        let report = try await database.withConnection { connection in
            try await recorder.record(events, on: connection) { _, now in try Self.check(sentAt, pinned, now: now) }
        }
        WebhookMetrics.count("ses", report)
        if !report.reasons.isEmpty {
            logger.info(
                "webhooks/ses: events not applied",
                metadata: [
                    "message_id": "\(message.messageID)", "reasons": "\(report.reasons.joined(separator: "; "))",
                ])
        }
        return Self.answer([
            "received": "Notification", "stored": report.stored, "duplicate": report.duplicates,
            "unmatched": report.unmatched, "rejected": report.rejected, "invalid": report.invalid,
        ])
    }

    static func answer(_ object: [String: Any]) -> Response {
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
