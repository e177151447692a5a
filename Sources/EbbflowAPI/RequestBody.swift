// Reads a request's body within a size limit and a declared content type, answering 413 and 415 as the API promises.
import EbbflowHTTP
import Hummingbird
import NIOCore
import NIOHTTP1

/// The limits of Segment's HTTP tracking API, which its clients are built to respect: a
/// message at most 32 KB, a request at most 500 KB (KB of 1,024 bytes, the larger reading).
public enum BodyLimit {
    public static let message = 32 * 1_024
    public static let request = 500 * 1_024
}

/// Media types a route takes, without parameters, lower-cased.
struct MediaTypes: Sendable {
    let accepted: [String]
    static let json = MediaTypes(accepted: ["application/json"])
    static let ndjson = MediaTypes(accepted: ["application/x-ndjson", "application/jsonl", "application/json-lines"])
    /// Documents (policy, streams): YAML or JSON, as the CLI reads them.
    static let document = MediaTypes(
        accepted: ["application/json", "application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"])

    /// The request's media type if this route takes it, else 415 naming what it takes.
    func check(_ request: Request) throws -> String {
        let declared = request.headers[.contentType] ?? ""
        let type = declared.split(separator: ";", maxSplits: 1).first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        guard let type, accepted.contains(type) else {
            throw APIError(
                .unsupportedMediaType,
                declared.isEmpty
                    ? "no Content-Type; send \(accepted[0])"
                    : "Content-Type \"\(declared.prefix(100))\" is not taken here; send \(accepted.joined(separator: " or "))",
                field: "Content-Type")
        }
        return type
    }
}

enum RequestBody {
    /// The whole body as bytes, or 413 once it passes `limit`. The rest is never read: the 413
    /// says `Connection: close`, so the connection ends after it (see `ClosingResponses`) rather
    /// than read to its end an upload of any size (a chunked one declares none). A body that is
    /// not well-formed HTTP (a bad chunk) is the client's fault: 400, and the connection ends too,
    /// since nothing after it can be read as a request.
    static func bytes(_ request: Request, limit: Int) async throws -> [UInt8] {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw tooLarge(limit)
        }
        do {
            let buffer = try await request.body.collect(upTo: limit)
            return Array(buffer.readableBytesView)
        } catch is NIOTooManyBytesError {
            // What `collect(upTo:)` throws past the limit (Hummingbird would answer it with an empty 413).
            throw tooLarge(limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw tooLarge(limit)
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as HTTPParserError {
            throw unreadable("\(error)")
        } catch let error as HTTPError {
            throw unreadable(error.body ?? error.status.reasonPhrase)
        } catch {
            // The connection failed under the body (the client went away or reset it): nothing
            // of the server's doing, and an answer nobody may read.
            throw unreadable("the connection ended before the whole body arrived")
        }
    }

    static func tooLarge(_ limit: Int) -> APIError {
        APIError(
            .contentTooLarge, "the request body is larger than \(limit / 1_024) KB; send fewer messages per request",
            headers: [.connection: "close"])
    }

    static func unreadable(_ reason: String) -> APIError {
        APIError(.badRequest, "the request body could not be read: \(reason)", headers: [.connection: "close"])
    }
}
