// The last guard of every /v1/ route: Hummingbird's refusals in JSON, and any other error a logged 500 in JSON, its details in the log.
import EbbflowHTTP
import Hummingbird
import Logging

/// Why: a route's answers are `APIError`s; anything else escaping a handler is a bug or a
/// failure the handler did not expect, and the client must get the API's JSON shape without
/// the server's internals (a SQL text, a file path), while the operator gets all of it.
struct InternalErrors: RouterMiddleware {
    typealias Context = HTTPContext

    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as HTTPError {
            // Hummingbird's own refusals answer in the API's shape too, status and headers kept.
            throw APIError(error.status, error.body ?? error.status.reasonPhrase, headers: error.headers)
        } catch let error as any HTTPResponseError {
            throw error
        } catch {
            logger.error(
                "request failed",
                metadata: [
                    "method": "\(request.method.rawValue)", "path": "\(request.uri.path)", "error": "\(error)",
                    "key": "\(context.caller?.keyName ?? "-")",
                ])
            throw APIError(.internalServerError, "the server failed to answer; the error is in its log")
        }
    }
}
