// GET/POST /u/{token} (one-click unsubscribe, RFC 8058), GET /t/o/{token} (open pixel), GET /t/c/{token} (tracked click): no API key.
import EbbflowEngine
import EbbflowHTTP
import Foundation
import Hummingbird
import Logging
import Metrics

/// Thin on purpose, like `IngestRoutes`: every rule about tokens and events is the engine's
/// (`LinkEvents`); what is HTTP's stays here: methods, content types, the client's address and
/// user agent, and the answers. Why no key: these URLs are followed from emails by mail
/// clients and people; the signed token is the credential, and a refused token changes
/// nothing. Why GET never unsubscribes: link scanners fetch every URL of a message (Mautic
/// #9798), so only the POST a mail client's one-click or the page's button sends does.
struct LinkRoutes {
    let events: LinkEvents
    let database: APIDatabase
    let proxies: TrustedProxies
    let logger: Logger

    static let help = [
        "ebbflow_link_requests_total":
            "Requests to the unsubscribe and tracking links, by kind (unsubscribe, open, click) and outcome."
    ]

    func add(to group: RouterGroup<HTTPContext>) {
        group.get("u/:token") { request, context in try await unsubscribePage(request, context) }
        group.post("u/:token") { request, context in try await unsubscribe(request, context) }
        group.get("t/o/:token") { request, context in try await open(request, context) }
        group.get("t/c/:token") { request, context in try await click(request, context) }
        // HEAD is declared, not left to the GET route: a scanner's HEAD of a link is a bot's
        // click (recorded and redirected); a HEAD of the pixel is answered and records nothing.
        group.head("t/o/:token") { request, context in try await open(request, context) }
        group.head("t/c/:token") { request, context in try await click(request, context) }
    }

    /// Holds the `X-Forwarded-For` field name (HTTPTypes' name type is reached through `HTTPFields` here).
    static let forwardedFor: HTTPFields = [.init("X-Forwarded-For")!: ""]

    private func token(_ context: HTTPContext) -> String { context.parameters.get("token") ?? "" }

    private func client(_ request: Request, _ context: HTTPContext) -> LinkClient {
        LinkClient(
            address: proxies.client(
                peer: context.peerAddress, forwardedFor: request.headers[values: Self.forwardedFor.first!.name]),
            userAgent: request.headers[.userAgent].map { String($0.prefix(1_024)) }, isHead: request.method == .head)
    }

    private func unsubscribePage(_ request: Request, _ context: HTTPContext) async throws -> Response {
        let text = token(context)
        try await shape("unsubscribe", text)
        let events = self.events
        try await refusing("unsubscribe") {
            try await database.withConnection { try await events.checkUnsubscribe(text, on: $0) }
        }
        return LinkAnswer.page(
            .ok, title: "Unsubscribe",
            paragraphs: ["Press the button to stop receiving these emails. Nothing changes until you do."],
            confirmForm: true)
    }

    private func unsubscribe(_ request: Request, _ context: HTTPContext) async throws -> Response {
        let text = token(context)
        // The token's shape first (no database needed), then the body, then the database.
        try await shape("unsubscribe", text)
        try await OneClickBody.check(request)
        let events = self.events
        let outcome = try await refusing("unsubscribe") {
            try await database.withConnection { try await events.unsubscribe(text, on: $0) }
        }
        count("unsubscribe", outcome == .unsubscribed ? "recorded" : "duplicate")
        return LinkAnswer.page(
            .ok, title: "You are unsubscribed", paragraphs: ["You will receive no more of these emails."])
    }

    private func open(_ request: Request, _ context: HTTPContext) async throws -> Response {
        let (text, client) = (token(context), client(request, context))
        try await shape("open", text)
        // A HEAD loads no image: it is answered and records nothing.
        guard request.method != .head else { return LinkAnswer.pixelResponse() }
        let events = self.events
        let machine = try await refusing("open") {
            try await database.withConnection { try await events.open(text, client: client, on: $0) }
        }
        count("open", machine ? "machine" : "recorded")
        return LinkAnswer.pixelResponse()
    }

    private func click(_ request: Request, _ context: HTTPContext) async throws -> Response {
        let (text, client) = (token(context), client(request, context))
        try await shape("click", text)
        let events = self.events
        let outcome = try await refusing("click") {
            try await database.withConnection { try await events.click(text, client: client, on: $0) }
        }
        count("click", outcome.botReason.map { "bot_\($0)" } ?? "recorded")
        return LinkAnswer.redirect(to: outcome.url)
    }

    /// Refuses (400) a text that is not a token at all before any database work: anyone can
    /// send such a request, and it must not cost a pooled connection and a transaction. A
    /// well-formed token still needs its key, which is in the database (`LinkSigner.verify`).
    private func shape(_ kind: String, _ text: String) async throws {
        _ = try await refusing(kind) { _ = try LinkToken.parse(text) }
    }

    /// Runs `body`, turning a refused token into its page (400 malformed, else 404), counted and logged.
    private func refusing<T: Sendable>(_ kind: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let refusal as LinkRefusal {
            count(kind, "refused")
            logger.info("link refused", metadata: ["kind": "\(kind)", "reason": "\(refusal)"])
            switch refusal {
            case .malformed:
                throw LinkAnswer.error(.badRequest, "This link is not valid. Copy the whole link from the email.")
            case .badSignature, .wrongPurpose, .notFound:
                throw LinkAnswer.error(
                    .notFound, "This link is not valid or has expired. Use the link in a recent email.")
            }
        }
    }

    private func count(_ kind: String, _ outcome: String) {
        Counter(label: "ebbflow_link_requests_total", dimensions: [("kind", kind), ("outcome", outcome)]).increment()
    }
}
