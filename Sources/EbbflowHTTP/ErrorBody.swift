// The API's error answer: `{"error": "…", "field": "…"}` in JSON, one shape for every status.
import Foundation
import Hummingbird

/// An error a route answers with. It is its own response (Hummingbird asks `HTTPResponseError`
/// errors for one), so a handler throws it from anywhere and the status, message and headers
/// (`Retry-After`, `WWW-Authenticate`, `Allow`) reach the client as given.
///
/// The message is written for the person reading the client's log: what was wrong and how to
/// do it right. It never holds a key or a password, nor anything the server alone knows.
public struct APIError: Error, HTTPResponseError, CustomStringConvertible {
    public let status: HTTPResponse.Status
    public let message: String
    /// The input field at fault, when one is (a query parameter, a JSON key).
    public let field: String?
    public let headers: HTTPFields

    public init(_ status: HTTPResponse.Status, _ message: String, field: String? = nil, headers: HTTPFields = [:]) {
        self.status = status
        self.message = message
        self.field = field
        self.headers = headers
    }

    public var description: String { "\(status.code) \(message)" + (field.map { " (\($0))" } ?? "") }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = ErrorBody.response(status, message, field: field)
        for header in headers { response.headers.append(header) }
        return response
    }
}

/// Writes the error body. Why by hand: two string fields, always the same shape, on every
/// refused request of a busy ingest endpoint; JSONSerialization escapes them correctly.
public enum ErrorBody {
    public static let contentType = "application/json; charset=utf-8"

    public static func response(_ status: HTTPResponse.Status, _ message: String, field: String? = nil) -> Response {
        var object: [String: String] = ["error": message]
        if let field { object["field"] = field }
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        return Response(
            status: status, headers: [.contentType: contentType],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
