// GET and POST /dashboard/sign-in (an API key in, a session cookie out) and POST /dashboard/sign-out.
import EbbflowHTTP
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// Why a key and not a password: the API's keys already have scopes, revocation and an
/// audit of their use; a read key sees the dashboard, an admin key may act. The key is sent
/// once, in a form, and never stored in the browser: the session cookie stands for it after.
struct SignInRoutes: Sendable {
    let kit: DashboardKit
    let attempts = SignInAttempts()

    func add(to group: RouterGroup<HTTPContext>) {
        group.get("sign-in") { request, context in try await self.form(request, context, error: nil, status: .ok) }
        group.post("sign-in") { request, context in try await self.signIn(request, context) }
    }

    func addSignOut(to group: RouterGroup<HTTPContext>) {
        group.post("sign-out") { request, context in
            var request = request
            _ = try await kit.actionFormAnyScope(&request, context)
            let secure = kit.cookie.isSecure(request, context: context)
            if let session = context.browserSession {
                try await kit.sessions.end(digest: session.tokenDigest, database: kit.database.database)
            }
            var response = Response(status: .seeOther, headers: [.location: "/dashboard/sign-in"])
            response.setCookie(kit.cookie.clearing(secure: secure))
            return response
        }
    }

    private func form(
        next: String? = nil, _ request: Request, _ context: HTTPContext, error: String?, status: HTTPResponse.Status
    ) async throws -> Response {
        let next = next ?? SafeNext.resolve(request.uri.queryParameters["next"].map(String.init))
        let secure = kit.cookie.isSecure(request, context: context)
        let loopback = ["127.0.0.1", "::1"].contains(client(request, context))
        var data: [String: any Sendable] = [
            "next": next, "css": kit.renderer.assets.stylesheet.path,
            "plainWarning": !secure && !loopback,
        ]
        data["error"] = error
        let html = try kit.renderer.render("sign-in", data)
        return DashboardKit.html(status, html)
    }

    /// The browser's address: the socket peer, or behind a trusted proxy the address it forwarded
    /// (else one client could spend every person's sign-in attempts, all seen as the proxy).
    private func client(_ request: Request, _ context: HTTPContext) -> String {
        let forwarded = request.headers[values: HTTPField.Name("X-Forwarded-For")!]
        return kit.configuration.trustedProxies.client(peer: context.peerAddress, forwardedFor: forwarded)
            .map { "\($0)" } ?? context.peerAddress ?? "?"
    }

    private func signIn(_ request: Request, _ context: HTTPContext) async throws -> Response {
        var request = request
        try RequestOrigin.checkSameOrigin(request)
        if let wait = attempts.take(peer: client(request, context)) {
            throw APIError(
                .tooManyRequests, "too many sign-in attempts from this address; wait \(wait) s",
                headers: [.retryAfter: "\(wait)"])
        }
        let form = try await FormFields.read(&request)
        let key = (form["key"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let next = SafeNext.resolve(form["next"])
        let store = kit.sessions
        let made =
            key.isEmpty
            ? nil : try await kit.database.write { connection in try store.signIn(key: key, on: connection) }
        guard let made else {
            return try await self.form(
                next: next, request, context,
                error: "That key is not an active read or admin key (unknown, revoked, an ingest key, or mistyped).",
                status: .unauthorized)
        }
        let secure = kit.cookie.isSecure(request, context: context)
        var response = Response(status: .seeOther, headers: [.location: next])
        response.setCookie(kit.cookie.setting(made.token, secure: secure))
        return response
    }
}

/// Five sign-in attempts a second per client address: enough for a person, too few to guess
/// keys (which are 256-bit random anyway) or to spend the pool on lookups.
final class SignInAttempts: Sendable {
    private let buckets = Mutex<[String: (tokens: Double, at: ContinuousClock.Instant)]>([:])
    static let perSecond = 5.0

    /// nil when an attempt may go ahead, else the seconds to wait.
    func take(peer: String) -> Int? {
        let now = ContinuousClock.now
        return buckets.withLock { buckets in
            if buckets.count > 10_000 { buckets.removeAll(keepingCapacity: true) }
            var (tokens, at) = buckets[peer] ?? (Self.perSecond, now)
            let elapsed = Double((now - at).components.seconds) + Double((now - at).components.attoseconds) / 1e18
            tokens = min(Self.perSecond, tokens + elapsed * Self.perSecond)
            guard tokens >= 1 else {
                buckets[peer] = (tokens, now)
                return 1
            }
            buckets[peer] = (tokens - 1, now)
            return nil
        }
    }
}
