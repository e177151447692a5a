// Turns router misses and method mismatches into short plain-text answers: 404 "not found", 405 with Allow.
import Hummingbird

/// Why: Hummingbird answers an unknown path with an empty 404 and a known path asked with
/// another method with the same 404; the endpoint always said what went wrong in a word, and
/// a probe or scraper sent with the wrong method must learn that only GET is served (405 and
/// `Allow: GET`), as before. The routes served here are all GET, so any other method is 405.
struct PlainTextErrors: RouterMiddleware {
    typealias Context = HTTPContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard request.method == .get else {
            var response = PlainText.response(.methodNotAllowed, "method not allowed")
            response.headers[.allow] = "GET"
            return response
        }
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            return PlainText.response(.notFound, "not found")
        }
    }
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
