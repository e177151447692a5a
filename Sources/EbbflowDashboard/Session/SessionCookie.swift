// The session cookie's name and flags, and reading it back from a request.
import EbbflowHTTP
import Foundation
import HTTPTypes
import Hummingbird

/// Why two names: a cookie named `__Host-…` is refused by browsers unless it is `Secure`, has
/// `Path=/` and no `Domain`, so on TLS the name itself guarantees nobody on a sibling host or
/// on plain HTTP can set or overwrite it. Over plain HTTP (a laptop, loopback) that prefix
/// cannot be used, and the cookie is limited to /dashboard instead. Both are `HttpOnly` (no
/// script reads it) and `SameSite=Strict` (no other site's page or form sends it).
struct SessionCookie: Sendable {
    static let secureName = "__Host-ebbflow_session"
    static let plainName = "ebbflow_session"

    let configuration: DashboardConfiguration

    /// Whether this request reached us over TLS, as far as the server can know: it never
    /// terminates TLS itself, so only the operator's setting or a trusted proxy can say so.
    func isSecure(_ request: Request, context: HTTPContext) -> Bool {
        if configuration.secureCookies { return true }
        guard configuration.trustedProxies.trusts(peer: context.peerAddress),
            let proto = request.headers[HTTPField.Name("X-Forwarded-Proto")!]
        else { return false }
        return proto.split(separator: ",").first.map { String($0).trimmingCharacters(in: .whitespaces).lowercased() }
            == "https"
    }

    func setting(_ token: SessionToken, secure: Bool) -> Cookie {
        Cookie(
            name: secure ? Self.secureName : Self.plainName, value: token.text,
            maxAge: Int(SessionStore.lifetime.components.seconds), path: secure ? "/" : "/dashboard",
            secure: secure, httpOnly: true, sameSite: .strict)
    }

    /// A cookie that makes the browser forget the session.
    func clearing(secure: Bool) -> Cookie {
        Cookie(
            name: secure ? Self.secureName : Self.plainName, value: "", maxAge: 0,
            path: secure ? "/" : "/dashboard", secure: secure, httpOnly: true, sameSite: .strict)
    }

    /// The session token the request carries, if any well-formed one. Over TLS only the
    /// `__Host-` cookie counts: a plain-named one could have been planted by a sibling host or
    /// over plain HTTP (to sign a victim in as the attacker), which the prefix rules out.
    func token(in request: Request, context: HTTPContext) -> SessionToken? {
        let names = isSecure(request, context: context) ? [Self.secureName] : [Self.secureName, Self.plainName]
        for name in names {
            if let value = request.cookies[name]?.value, let token = SessionToken(text: value) { return token }
        }
        return nil
    }
}
