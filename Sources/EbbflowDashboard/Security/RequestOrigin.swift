// Refuses a form posted from another site: the Origin and Sec-Fetch-Site headers, when a browser sends them.
import EbbflowAPI
import EbbflowHTTP
import HTTPTypes
import Hummingbird

/// Why on top of the CSRF token: defence in depth. Every current browser sends `Origin` with a
/// POST and `Sec-Fetch-Site` with every request; a cross-site form is refused by them before
/// the token is even looked at, and the sign-in form (which has no session, hence no token
/// yet) relies on them alone. Absent headers (an old browser, curl) leave the token to decide.
enum RequestOrigin {
    static func checkSameOrigin(_ request: Request) throws {
        if let site = request.headers[HTTPField.Name("Sec-Fetch-Site")!], site != "same-origin" {
            throw APIError(.forbidden, "this form was sent from another site (Sec-Fetch-Site: \(site.prefix(20)))")
        }
        guard let origin = request.headers[.origin] else { return }
        guard let host = request.head.authority,
            origin == "http://\(host)" || origin == "https://\(host)"
        else {
            throw APIError(.forbidden, "this form was sent from another origin (\(origin.prefix(80)))")
        }
    }

    /// The CSRF check of a signed-in form: the same origin, and the session's token in `_csrf`.
    static func checkForm(_ form: FormFields, request: Request, session: BrowserSession) throws {
        try checkSameOrigin(request)
        guard let presented = form["_csrf"],
            constantTimeEqual(Array(presented.utf8), Array(session.csrfToken.utf8))
        else {
            throw APIError(
                .forbidden, "this form is stale or was not made by this dashboard: reload the page and try again")
        }
    }
}
