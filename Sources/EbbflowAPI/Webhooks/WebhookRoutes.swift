// POST /webhooks/{provider}: verify before anything else, then record through ProviderEventRecorder, counting every outcome.
import EbbflowCore
import EbbflowEngine
import EbbflowHTTP
import Foundation
import Hummingbird
import Logging
import PostgresClient

/// The providers' routes, outside /v1/ and without API keys: each provider proves itself with
/// its own signature or credentials, checked before the body is read as anything but bytes
/// (Mailgun's signature sits inside the body and is the one field read first). Order of
/// refusals: 404 when the provider is not configured, 413 past the body limit, 401 for a bad
/// signature, 400 for a malformed payload, then in the recording transaction 401 for a
/// stale signature or a replayed token; a 200 only after COMMIT. Mailgun's payload is refused
/// (400) only after that transaction spent its token, since Mailgun does not sign the payload.
struct WebhookRoutes: HTTPRoutes {
    let configuration: WebhookConfiguration
    let recorder: ProviderEventRecorder
    let tokens: WebhookTokens
    let database: APIDatabase
    let logger: Logger

    init(schema: SchemaName, configuration: WebhookConfiguration, database: APIDatabase, logger: Logger) {
        self.configuration = configuration
        recorder = ProviderEventRecorder(schema: schema)
        tokens = WebhookTokens(schema: schema)
        self.database = database
        self.logger = logger
    }

    func add(to router: HTTPRouter) {
        let group = router.group("webhooks")
            .add(middleware: RequestMetrics()).add(middleware: InternalErrors(logger: logger))
        let sendGrid = configuration.sendGrid.map(SendGridWebhook.init(key:))
        group.post("sendgrid") { request, _ in
            try await receive("sendgrid", request, variable: "EBBFLOW_SENDGRID_PUBLIC_KEY", sendGrid?.accept)
        }
        let mailgun = configuration.mailgun.map(MailgunWebhook.init(key:))
        group.post("mailgun") { request, _ in
            try await receive("mailgun", request, variable: "EBBFLOW_MAILGUN_SIGNING_KEY", mailgun?.accept)
        }
        let postmark = configuration.postmark.map { PostmarkWebhook(user: $0.user, password: $0.password) }
        group.post("postmark") { request, _ in
            try await receive(
                "postmark", request, variable: "EBBFLOW_POSTMARK_WEBHOOK_USER and _PASSWORD", postmark?.accept)
        }
    }

    /// One provider request: verified and parsed by `accept`, then recorded.
    func receive(
        _ provider: String, _ request: Request, variable: String,
        _ accept: (@Sendable (HTTPFields, [UInt8]) throws(WebhookRefusal) -> WebhookDelivery)?
    ) async throws -> Response {
        guard let accept else {
            WebhookMetrics.count(provider, "disabled")
            throw APIError(.notFound, "webhooks/\(provider) is not enabled on this server (\(variable) not set)")
        }
        let report: ProviderEventReport
        let delivery: WebhookDelivery
        do {
            let body: [UInt8]
            do {
                body = try await RequestBody.bytes(request, limit: WebhookLimits.maxBodyBytes)
            } catch let error as APIError where error.status == .contentTooLarge {
                WebhookMetrics.count(provider, "too_large")
                throw error
            }
            delivery = try accept(request.headers, body)
            let check = tokens.check(provider: provider, delivery: delivery)
            let recorder = self.recorder
            let events = delivery.events
            report = try await database.withConnection { connection in
                try await recorder.record(events, on: connection, first: check)
            }
            // Recorded nothing but the token (Mailgun's unsigned event-data was refused).
            if let refusal = delivery.payloadRefusal { throw refusal }
        } catch let refusal as WebhookRefusal {
            WebhookMetrics.count(provider, refusal.outcome)
            logger.warning(
                "webhook refused",
                metadata: [
                    "provider": "\(provider)", "outcome": "\(refusal.outcome)", "status": "\(refusal.status.code)",
                    "reason": "\(refusal.message)",
                ])
            throw refusal.apiError
        }
        WebhookMetrics.count(provider, report, ignored: delivery.ignored)
        let reasons = report.reasons
        if !reasons.isEmpty {
            logger.info(
                "webhook events not applied",
                metadata: [
                    "provider": "\(provider)", "count": "\(reasons.count)",
                    "reasons": "\(reasons.prefix(5).joined(separator: "; "))",
                ])
        }
        return try Self.answer(report, ignored: delivery.ignored)
    }

    /// `{"received": N, "stored": …, "duplicate": …, "unmatched": …, "rejected": …, "invalid": …, "ignored": …}`.
    static func answer(_ report: ProviderEventReport, ignored: Int) throws -> Response {
        let object: [String: Int] = [
            "received": report.outcomes.count + ignored, "stored": report.stored, "duplicate": report.duplicates,
            "unmatched": report.unmatched, "rejected": report.rejected, "invalid": report.invalid, "ignored": ignored,
        ]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
