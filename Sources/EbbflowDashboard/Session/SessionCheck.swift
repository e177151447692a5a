// The middleware in front of every dashboard page but sign-in and the assets: a live session, or off to sign in.
import EbbflowAPI
import EbbflowHTTP
import Foundation
import Hummingbird

/// Why a page request without a session is redirected and a fragment's or a form's is
/// refused: a person who opens a bookmark should land on the sign-in form and come back, but a
/// live refresh must not replace part of a page with the sign-in form (its script sees 401 and
/// says "signed out"), and a form's action must not be lost in a redirect it cannot survive.
struct SessionCheck: RouterMiddleware {
    typealias Context = HTTPContext

    let sessions: SessionStore
    let cookie: SessionCookie
    let database: APIDatabase

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let token = cookie.token(in: request, context: context),
            let signedIn = try await sessions.find(token, database: database)
        else {
            if request.method == .get || request.method == .head, !request.uri.path.contains("/fragments/") {
                let next = SafeNext.encode(request.uri.path, query: request.uri.query)
                return Response(status: .seeOther, headers: [.location: "/dashboard/sign-in?next=\(next)"])
            }
            throw APIError(.unauthorized, "you are signed out: sign in again")
        }
        var context = context
        context.caller = signedIn.caller
        context.browserSession = signedIn.session
        return try await next(request, context)
    }
}

/// Where sign-in may send a browser afterwards: a path under /dashboard/ on this server, never
/// another site (an open redirect would make our sign-in page a phishing tool).
enum SafeNext {
    static func encode(_ path: String, query: String?) -> String {
        let target = query.map { "\(path)?\($0)" } ?? path
        return target.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "%2Fdashboard%2F"
    }

    /// `next` if it is a local dashboard path, else the overview.
    static func resolve(_ next: String?) -> String {
        guard let next, next.count <= 2_000, next.hasPrefix("/dashboard/") || next == "/dashboard",
            !next.contains("//"), !next.contains("\\"), !next.contains(".."),
            next.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F })
        else { return NavSection.overview.path }
        return next
    }
}
