// Bodies HTTP clients rarely send: a chunked upload past the limit is cut at it, a broken chunk is the client's 400.
import EbbflowTestSupport
import Foundation
import Testing

@Suite struct RequestFramingTests {
    /// The head of a chunked POST to `path` with `key`.
    static func chunkedHead(_ path: String, key: String) -> String {
        "POST \(path) HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer \(key)\r\n"
            + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    }

    @Test func aChunkedUploadPastTheLimitIsAnswered413AndNotReadToItsEnd() async throws {
        try await ServeProcess.with { server in
            let key = try await server.createKey("site", scope: "ingest")
            let connection = try RawHTTPConnection(port: server.port)
            #expect(await connection.send(Self.chunkedHead("/v1/batch", key: key)))
            // 64 KB chunks, up to 64 MB: far past 500 KB, and more than any socket buffers hold.
            let chunk =
                Array("10000\r\n".utf8) + [UInt8](repeating: UInt8(ascii: " "), count: 65_536) + Array("\r\n".utf8)
            var sent = 0
            while sent < 1_024, await connection.send(chunk) { sent += 1 }
            let response = await connection.responseAfterEnd()
            #expect(response.hasPrefix("HTTP/1.1 413"), "\(response.prefix(300))")
            #expect(response.lowercased().contains("connection: close"))
            #expect(response.contains("larger than 500 KB"))
            // The server stopped reading and ended the connection long before the 64 MB were sent.
            #expect(sent < 1_024, "the server read all 64 MB of the refused body")
        }
    }

    @Test func aBrokenChunkIsTheClients400InJSON() async throws {
        try await ServeProcess.with { server in
            let key = try await server.createKey("site", scope: "ingest")
            let connection = try RawHTTPConnection(port: server.port)
            #expect(await connection.send(Self.chunkedHead("/v1/track", key: key) + "zz\r\n{}\r\n0\r\n\r\n"))
            let response = await connection.responseAfterEnd()
            #expect(response.hasPrefix("HTTP/1.1 400"), "\(response.prefix(300))")
            #expect(response.contains("{\"error\":\"the request body could not be read"))
            #expect(!server.log.contains("request failed"))
        }
    }
}
