// How the shared operations answer over HTTP: documents as JSON, OperationError as 404, 400 or 409, query parameters read strictly.
import EbbflowHTTP
import EbbflowOperations
import Foundation
import Hummingbird
import PostgresClient

/// Why one place: the read and admin routes are the CLI's operations, so they answer with the
/// documents `--json` prints and refuse with the messages the CLI prints; only the status
/// codes are HTTP's, and they are chosen here once.
enum OperationAnswers {
    static func json(_ document: JSONDocument, status: HTTPResponse.Status = .ok) throws -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(data: try document.encodedData())))
    }

    /// Runs `body`, turning an `OperationError` into the API's error answer.
    static func answering(_ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch let error as OperationError {
            throw apiError(error)
        } catch let error as PGError where error.kind == .server && (error.sqlState ?? "").hasPrefix("22") {
            // A data exception is about a value the client sent (the checks above should have
            // refused it first): the client's 400, never a 500.
            throw APIError(.badRequest, "a value in the request cannot be used: \(error.message)")
        }
    }

    /// Reads input with an operation's own checks (a path id, a query number), refusing as it does.
    static func input<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as OperationError { throw apiError(error) }
    }

    static func apiError(_ error: OperationError) -> APIError {
        switch error {
        case .notFound: APIError(.notFound, error.message, field: error.field)
        case .invalid: APIError(.badRequest, error.message, field: error.field)
        case .conflict: APIError(.conflict, error.message, field: error.field)
        }
    }
}

/// A request's query parameters, read strictly: each named at most once, none unknown.
struct QueryParameters {
    private var values: [String: String] = [:]

    /// Refuses (400) a parameter not in `known`, a repeated one, and an over-long value.
    init(_ request: Request, known: Set<String>) throws {
        for (name, value) in request.uri.queryParameters {
            let key = String(name)
            guard known.contains(key) else {
                throw APIError(
                    .badRequest,
                    "unknown query parameter \"\(key.prefix(64))\"; this endpoint takes \(known.sorted().joined(separator: ", "))",
                    field: key)
            }
            guard values[key] == nil else {
                throw APIError(.badRequest, "query parameter \(key) is given twice", field: key)
            }
            guard !value.utf8.contains(0) else {
                throw APIError(.badRequest, "query parameter \(key) contains a NUL byte", field: key)
            }
            guard value.utf8.count <= 1_024 else {
                throw APIError(.badRequest, "query parameter \(key) is longer than 1024 bytes", field: key)
            }
            values[key] = String(value)
        }
    }

    subscript(_ name: String) -> String? { values[name] }
}

extension Request {
    /// A path parameter the router matched (always present on the routes that read it),
    /// percent-decoded: Hummingbird hands path pieces over as they arrived, so a contact named
    /// `jane@example.com` comes as `jane%40example.com`. Public for the dashboard's routes.
    public func pathParameter(_ name: String, _ context: HTTPContext) throws -> String {
        guard let value = context.parameters.get(name) else {
            throw APIError(.badRequest, "the path has no \(name)", field: name)
        }
        let decoded = value.removingPercentEncoding ?? value
        guard !decoded.utf8.contains(0) else {
            throw APIError(.badRequest, "the path's \(name) contains a NUL byte", field: name)
        }
        return decoded
    }
}
