// A webhook receiver that accepts the connection and never answers fails its send transiently after the timeout; the worker does not hang.
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A loopback socket that listens and never accepts: the kernel completes each connection and
/// takes the request's bytes, and no answer ever comes. With `headersOnly`, it accepts each
/// connection and answers a status line and headers promising a body that never comes.
final class SilentListener: Sendable {
    let descriptor: Int32
    let port: Int

    init(headersOnly: Bool = false) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && listen(descriptor, 64) == 0
                    && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
        try #require(descriptor >= 0 && bound, "a listening socket on loopback")
        if headersOnly {
            // Ends when the listening socket is closed (accept fails); the answered ones close then.
            Thread.detachNewThread {
                var accepted: [Int32] = []
                let head = Array(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{".utf8)
                while true {
                    let connection = accept(descriptor, nil, nil)
                    if connection < 0 { break }
                    accepted.append(connection)
                    _ = head.withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
                }
                for connection in accepted { close(connection) }
            }
        }
    }

    deinit {
        // shutdown first: on Linux a close alone does not wake a thread blocked in accept.
        shutdown(descriptor, Int32(SHUT_RDWR))
        close(descriptor)
    }
}

@Suite(.serialized) struct WebhookTimeoutTests {
    /// `headersOnly`: the receiver answers its headers and stalls the body, which the client's
    /// own deadline (over once the headers arrived) did not bound.
    @Test(arguments: [false, true])
    func aReceiverThatNeverAnswersFailsTheSendTransiently(headersOnly: Bool) async throws {
        try await DeliveryHarness.with { harness in
            try await DeliveryEndToEndTests().prepare(harness, ["ann": "ann@example.org", "ben": "ben@example.org"])
            let listener = try SilentListener(headersOnly: headersOnly)
            let drained = try await harness.ebbflow(
                ["worker", "--drain"],
                environment: [
                    "EBBFLOW_DELIVERY_WEBHOOK_URL": "http://127.0.0.1:\(listener.port)/deliver",
                    "EBBFLOW_DELIVERY_WEBHOOK_SECRET": WebhookDeliveryTests.secret, "EBBFLOW_FROM": "news@example.com",
                    "EBBFLOW_DELIVERY_WEBHOOK_TIMEOUT": "1s",
                ])
            let states = try await harness.sendStates()
            #expect(states == ["ann": "failed", "ben": "failed"], "\(states)\n\(drained.output)")
            let errors = try await harness.query(
                "SELECT error, permanent FROM \(harness.table("send_errors")) ORDER BY send_id")
            #expect(errors.count == 2)
            for row in errors {
                #expect(try row.decode("error") as String == "webhook request failed: timed out")
                #expect(try !(row.decode("permanent") as Bool), "retried with backoff")
            }
            withExtendedLifetime(listener) {}
        }
    }
}
