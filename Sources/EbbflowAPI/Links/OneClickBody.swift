// The body of an RFC 8058 one-click POST: `List-Unsubscribe=One-Click`, form-urlencoded or multipart/form-data.
import EbbflowHTTP
import Foundation
import Hummingbird

/// Why both encodings: RFC 8058 §3.1 lets the mail client send the POST as
/// `application/x-www-form-urlencoded` or `multipart/form-data`; anything else is refused (415).
/// The body is small (a mail client sends one field), so it is read whole within `maxBytes`.
enum OneClickBody {
    static let maxBytes = 8 * 1_024

    /// Nothing, or the refusal: 415 for another content type, 400 without the field.
    static func check(_ request: Request) async throws {
        let declared = request.headers[.contentType] ?? ""
        let parts = declared.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        let type = parts.first?.lowercased() ?? ""
        guard type == "application/x-www-form-urlencoded" || type == "multipart/form-data" else {
            throw LinkAnswer.error(
                .unsupportedMediaType,
                "Send the form as application/x-www-form-urlencoded or multipart/form-data with List-Unsubscribe=One-Click."
            )
        }
        let body = try await RequestBody.bytes(request, limit: maxBytes)
        let found: Bool
        if type == "multipart/form-data" {
            let boundary = parts.dropFirst().first { $0.lowercased().hasPrefix("boundary=") }.map {
                String($0.dropFirst("boundary=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
            guard let boundary, (1...70).contains(boundary.utf8.count) else {
                throw LinkAnswer.error(.badRequest, "A multipart/form-data body needs its boundary.")
            }
            found = multipartHasOneClick(body, boundary: boundary)
        } else {
            found = formHasOneClick(body)
        }
        guard found else {
            throw LinkAnswer.error(.badRequest, "The form must carry List-Unsubscribe=One-Click.")
        }
    }

    /// Whether a urlencoded body has the field `List-Unsubscribe` with the value `One-Click`.
    static func formHasOneClick(_ body: [UInt8]) -> Bool {
        let text = String(decoding: body, as: UTF8.self)
        return text.split(separator: "&").contains { pair in
            let field = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map {
                $0.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            return field.count == 2 && field[0] == "List-Unsubscribe" && field[1] == "One-Click"
        }
    }

    /// Whether a multipart body has a part named `List-Unsubscribe` whose content is `One-Click`.
    static func multipartHasOneClick(_ body: [UInt8], boundary: String) -> Bool {
        let text = String(decoding: body, as: UTF8.self)
        for part in text.components(separatedBy: "--" + boundary).dropFirst() {
            guard let split = part.range(of: "\r\n\r\n") ?? part.range(of: "\n\n") else { continue }
            let head = part[..<split.lowerBound].lowercased()
            let content = part[split.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines)
            guard head.contains("content-disposition: form-data"),
                head.contains("name=\"list-unsubscribe\"") || head.contains("name=list-unsubscribe")
            else { continue }
            if content == "One-Click" { return true }
        }
        return false
    }
}
