// Every refusal and failure under /dashboard/ as an HTML page: the message for a person, the details in the log.
import EbbflowEngine
import EbbflowHTTP
import EbbflowOperations
import Hummingbird
import Logging

/// Why: the API's errors are JSON for programs; a browser needs a page with the reason and a
/// way back. Operations' refusals keep their words (they are made from the input, safe to
/// show); anything unexpected is a 500 whose details (a SQL text, a path) go only to the log.
struct DashboardErrors: RouterMiddleware {
    typealias Context = HTTPContext

    let renderer: Renderer
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return page(error.status, error.message, headers: error.headers)
        } catch let error as OperationError {
            let status: HTTPResponse.Status =
                switch error {
                case .notFound: .notFound
                case .invalid: .badRequest
                case .conflict: .conflict
                }
            return page(status, error.message)
        } catch let error as DashboardInputError {
            return page(.badRequest, error.description)
        } catch let error as HTTPError {
            return page(error.status, error.body ?? error.status.reasonPhrase, headers: error.headers)
        } catch {
            logger.error(
                "dashboard request failed",
                metadata: [
                    "method": "\(request.method.rawValue)", "path": "\(request.uri.path)", "error": "\(error)",
                    "key": "\(context.caller?.keyName ?? "-")",
                ])
            return page(.internalServerError, "the server failed to answer; the error is in its log")
        }
    }

    private func page(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) -> Response {
        let html =
            (try? renderer.render(
                "error",
                [
                    "status": "\(status.code)", "reason": status.reasonPhrase, "message": message,
                    "css": renderer.assets.stylesheet.path,
                ])) ?? "\(status.code) \(status.reasonPhrase)"
        var response = DashboardKit.html(status, html)
        for header in headers where header.name != .contentType { response.headers.append(header) }
        // Thrown past SecurityHeaders (which sits inside this middleware): an error page gets them here.
        SecurityHeaders.apply(to: &response.headers)
        return response
    }
}
