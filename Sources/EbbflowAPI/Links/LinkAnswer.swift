// The answers of the link routes: small self-contained HTML pages, the 1x1 GIF, the redirect, each with headers that keep them private.
import EbbflowHTTP
import Foundation
import Hummingbird

/// Why these headers on every answer: the pages are reached from emails, by people and by
/// scanners. `Cache-Control: no-store` so no proxy or browser keeps a page or a redirect that
/// belongs to one person; `Referrer-Policy: no-referrer` so the token in the URL never leaves
/// in a `Referer`; a `Content-Security-Policy` that loads nothing from anywhere (no script,
/// no style, no image: the page is plain HTML) and lets the form post only to this origin.
enum LinkAnswer {
    static let privateHeaders: HTTPFields = [
        .cacheControl: "no-store", .init("Referrer-Policy")!: "no-referrer",
        .contentSecurityPolicy: "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        .init("X-Content-Type-Options")!: "nosniff",
    ]

    /// A page: a title and paragraphs (escaped here), and optionally the confirm form.
    static func page(_ status: HTTPResponse.Status, title: String, paragraphs: [String], confirmForm: Bool = false)
        -> Response
    {
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="robots" content="noindex, nofollow">
            <title>\(escape(title))</title></head>
            <body><h1>\(escape(title))</h1>

            """
        for paragraph in paragraphs { html += "<p>\(escape(paragraph))</p>\n" }
        if confirmForm {
            // No action: the form posts to this page's own URL, the token included.
            html += """
                <form method="post" enctype="application/x-www-form-urlencoded">
                <input type="hidden" name="List-Unsubscribe" value="One-Click">
                <button type="submit">Unsubscribe</button>
                </form>

                """
        }
        html += "</body></html>\n"
        var headers = privateHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    /// A refusal as a page, thrown from anywhere in a link route.
    static func error(_ status: HTTPResponse.Status, _ message: String) -> LinkPageError {
        LinkPageError(status: status, message: message)
    }

    /// The transparent 1x1 GIF (43 bytes) of the open pixel.
    static let pixel: [UInt8] = Array(
        Data(base64Encoded: "R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")!)

    static func pixelResponse() -> Response {
        var headers = privateHeaders
        headers[.contentType] = "image/gif"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: pixel)))
    }

    static func redirect(to url: String) -> Response {
        var headers = privateHeaders
        headers[.location] = url
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: .found, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: "")))
    }

    /// Text made safe for HTML content and attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}

/// A link route's refusal, answered as a small page with the private headers.
struct LinkPageError: Error, HTTPResponseError {
    let status: HTTPResponse.Status
    let message: String

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let title = status.code == 404 ? "Link not found" : "This request cannot be served"
        return LinkAnswer.page(status, title: title, paragraphs: [message])
    }
}
