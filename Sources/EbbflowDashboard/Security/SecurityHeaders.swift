// The headers every dashboard answer carries: a strict Content-Security-Policy, no sniffing, no framing, no caching.
import EbbflowHTTP
import HTTPTypes
import Hummingbird

/// Why so strict: the pages show what contacts and providers sent (names, attributes, error
/// texts). Escaping keeps that from becoming markup; the policy is the second wall: no inline
/// script or style runs even if escaping were ever missed, no other origin is loaded or
/// posted to, and no site can frame a page to trick a click. HTML is `no-store`: a shared
/// computer's back button must not show an audience after sign-out.
struct SecurityHeaders: RouterMiddleware {
    typealias Context = HTTPContext

    let cookie: SessionCookie

    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var response = try await next(request, context)
        Self.apply(to: &response.headers)
        if cookie.isSecure(request, context: context) {
            // Browsers that once reached the dashboard over TLS never try plain HTTP again.
            response.headers[HTTPField.Name("Strict-Transport-Security")!] = "max-age=31536000"
        }
        return response
    }

    static func apply(to headers: inout HTTPFields) {
        headers[.contentSecurityPolicy] = contentSecurityPolicy
        headers[.xContentTypeOptions] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        headers[HTTPField.Name("Cross-Origin-Opener-Policy")!] = "same-origin"
        if headers[.cacheControl] == nil { headers[.cacheControl] = "no-store" }
    }
}
