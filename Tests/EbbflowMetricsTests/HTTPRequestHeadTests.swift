// The request-head parser alone: complete, partial, bare-LF and malformed inputs.
@testable import EbbflowMetrics
import Testing

@Suite struct HTTPRequestHeadTests {
    private func parse(_ text: String) -> HTTPRequestHeadParse { .parse(Array(text.utf8)) }

    @Test func parsesRequestLineAndStripsQuery() {
        #expect(
            parse("GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\n\r\n")
                == .complete(HTTPRequestHead(method: "GET", path: "/metrics", version: "HTTP/1.1"))
        )
        #expect(parse("GET /healthz HTTP/1.0\n\n") == .complete(HTTPRequestHead(method: "GET", path: "/healthz", version: "HTTP/1.0")))
    }

    @Test func waitsForTheBlankLine() {
        #expect(parse("") == .incomplete)
        #expect(parse("GET /metrics HTTP/1.1\r\n") == .incomplete)
        #expect(parse("GET /metrics HTTP/1.1\r\nHost: a\r\n") == .incomplete)
    }

    @Test(arguments: ["\r\n\r\n", "GET /metrics\r\n\r\n", "GET metrics HTTP/1.1\r\n\r\n", "GET /metrics SPDY/3\r\n\r\n", "GET  /metrics HTTP/1.1\r\n\r\n"])
    func rejectsMalformedRequestLines(_ text: String) {
        #expect(parse(text) == .malformed)
    }
}
