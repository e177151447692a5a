// A complete HTTP/1.1 response and its bytes on the wire; every one closes the connection.
/// One response. Always sent with `Content-Length` and `Connection: close`: the endpoint
/// serves one request per connection, which keeps the server a loop with no keep-alive state.
struct HTTPResponse: Sendable {
    var status: Int
    var reason: String
    var contentType: String
    var body: [UInt8]
    var extraHeaders: [(String, String)] = []

    static let plainText = "text/plain; charset=utf-8"
    /// The Prometheus text exposition format, version 0.0.4, which PrometheusCollectorRegistry emits.
    static let prometheusText = "text/plain; version=0.0.4; charset=utf-8"

    static func text(_ status: Int, _ reason: String, _ body: String) -> HTTPResponse {
        HTTPResponse(status: status, reason: reason, contentType: plainText, body: Array(body.utf8))
    }

    /// The status line, headers and body, ready for `send`.
    func serialized() -> [UInt8] {
        var head = "HTTP/1.1 \(status) \(reason)\r\n"
        head += "Content-Type: \(contentType)\r\n"
        head += "Content-Length: \(body.count)\r\n"
        for (name, value) in extraHeaders {
            head += "\(name): \(value)\r\n"
        }
        head += "Connection: close\r\n\r\n"
        var bytes = Array(head.utf8)
        bytes.reserveCapacity(bytes.count + body.count)
        bytes.append(contentsOf: body)
        return bytes
    }
}
