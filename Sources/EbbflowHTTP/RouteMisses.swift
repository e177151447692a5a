// Answers requests no route takes: 404 when the path is unknown, 405 with Allow when only the method is wrong.
import Hummingbird
import Synchronization

/// Why: Hummingbird answers both an unknown path and a known path asked with another method
/// with an empty 404. A caller must learn which mistake it made: a probe sent with POST, or an
/// API client that GETs an action, gets 405 and the methods the path takes (`Allow`). The API's
/// paths (under `/v1/`) answer in JSON like every API error; the others (probes, metrics, the
/// OpenAPI file) in a word of plain text, as they always have.
struct RouteMisses: RouterMiddleware {
    typealias Context = HTTPContext

    let table: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && context.endpointPath == "NotFound" {
            let path = request.uri.path
            let json = APIPaths.isAPI(path)
            let allowed = table.methods(matching: path)
            let dashboard = path == "/dashboard" || path.hasPrefix("/dashboard/")
            guard !allowed.isEmpty else {
                if dashboard { return DashboardMiss.response(.notFound, "The dashboard has no such page.") }
                return json
                    ? ErrorBody.response(.notFound, "no such endpoint: \(path)")
                    : PlainText.response(.notFound, "not found")
            }
            let allow = allowed.map(\.rawValue).sorted().joined(separator: ", ")
            var response =
                dashboard
                ? DashboardMiss.response(
                    .methodNotAllowed, "This address takes \(allow) only: actions are forms, sent by POST.")
                : json
                    ? ErrorBody.response(
                        .methodNotAllowed, "\(request.method.rawValue) is not served here; use \(allow)")
                    : PlainText.response(.methodNotAllowed, "method not allowed")
            response.headers[.allow] = allow
            return response
        }
    }
}

/// The paths and methods the router serves, filled once after every group added its routes.
/// Why filled later and not built first: the middleware that reads it has to be on the router
/// before the routes, and building the routes twice (once to list them) ran every group's
/// set-up twice.
final class RouteTable: Sendable {
    private struct Route: Sendable {
        /// Path components; nil where the route captures a parameter.
        let components: [String?]
        let method: HTTPRequest.Method
    }

    private let routes = Mutex<[Route]>([])

    init() {}

    /// Records the router's routes; called once, before the server starts.
    func fill(_ descriptions: [HTTPRouter.RouteDescription]) {
        let described = descriptions.map { description in
            Route(
                components: "\(description.path)".split(separator: "/").map { part in
                    part.hasPrefix(":") || part.hasPrefix("{") || part.hasPrefix("*") ? nil : String(part)
                }, method: description.method)
        }
        routes.withLock { $0 = described }
    }

    /// The methods of the routes whose path template matches `path`.
    func methods(matching path: String) -> [HTTPRequest.Method] {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        var methods: [HTTPRequest.Method] = []
        for route in routes.withLock({ $0 }) where route.components.count == parts.count {
            if zip(route.components, parts).allSatisfy({ $0 == nil || $0! == $1 }), !methods.contains(route.method) {
                methods.append(route.method)
            }
        }
        return methods
    }
}

/// A miss under /dashboard/ as a page a browser shows, with a way back and the dashboard's
/// security headers (the dashboard's own error pages live in its module; this one answers
/// before any of its routes matched).
enum DashboardMiss {
    static func response(_ status: HTTPResponse.Status, _ message: String) -> Response {
        let title = "\(status.code) \(status.reasonPhrase)"
        let html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>\(title) · ebbflow</title>\
            <link rel="icon" href="data:,"></head><body><main><h1>\(title)</h1>\
            <p>\(message)</p><p><a href="/dashboard/overview">Back to the overview</a></p>\
            </main></body></html>
            """
        return Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                .contentSecurityPolicy: "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
                .xContentTypeOptions: "nosniff",
            ], body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }
}

/// Which paths belong to the JSON API.
public enum APIPaths {
    public static func isAPI(_ path: String) -> Bool { path == "/v1" || path.hasPrefix("/v1/") }
}

/// Small text answers with an explicit content type, as the probes have always sent.
enum PlainText {
    static let contentType = "text/plain; charset=utf-8"

    static func response(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(
            status: status, headers: [.contentType: contentType],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text))
        )
    }
}
