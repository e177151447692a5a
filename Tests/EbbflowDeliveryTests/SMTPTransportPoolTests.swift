// The SMTP transport spreads chunks over its clients: the least busy one takes the next chunk.
import EbbflowEngine
import EbbflowMail
import EbbflowTestSupport
import Foundation
import Logging
import NIOPosix
import PostgresClient
import Testing

@testable import EbbflowDelivery

@Suite(.timeLimit(.minutes(5))) struct SMTPTransportPoolTests {
    private func item(_ number: Int) -> DeliveryItem {
        DeliveryItem(
            send: LeasedSend(
                id: Int64(number), contactID: Int64(number), externalID: "c\(number)", email: "c\(number)@example.org",
                flow: "pool", step: 1, template: "t", templateVersion: 1, channel: "email", format: "html",
                variables: PGJSON(bytes: Data("{}".utf8)), experiment: nil, variant: nil, attempt: 1, decidedAt: Date(),
                leaseToken: UUID(), leaseExpiresAt: Date()),
            message: MailMessage(
                from: "Ebbflow <news@ebbflow.example.com>", to: "c\(number)@example.org", subject: "Pool \(number)",
                html: nil, text: "Hello \(number)\n", messageID: "pool-\(number)@ebbflow.example.com", date: Date(),
                headers: [MailHeader("X-Ebbflow-Send-ID", "\(number)")]))
    }

    private func clients(_ count: Int, port: Int) throws -> [SMTPClient] {
        let configuration = try SMTPConfiguration(
            url: "smtp://127.0.0.1:\(port)?tls=none", ehloName: "pool.ebbflow.test")
        return (0..<count).map { _ in
            SMTPClient(
                configuration: configuration, eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
                logger: Logger(label: "pool"))
        }
    }

    /// Each chunk takes the client with the fewest chunks in flight (the first of equals), so
    /// chunks running at once never queue behind one connection while another is idle.
    @Test func theLeastBusyClientTakesTheNextChunk() throws {
        let transport = SMTPTransport(clients: try clients(3, port: 1))
        let first: [Int] = [transport.acquire(), transport.acquire(), transport.acquire()]
        #expect(first == [0, 1, 2])
        #expect(transport.acquire() == 0)
        transport.release(1)
        #expect(transport.acquire() == 1)
        transport.release(0)
        transport.release(0)
        #expect(transport.acquire() == 0)
    }

    /// Chunks submitted at once over several clients: every message accepted once, over at
    /// most as many connections as clients, and the clients reconnect after `close`.
    @Test func concurrentChunksAreAllDelivered() async throws {
        let server = try await SMTPTestServer.start()
        let transport = SMTPTransport(clients: try clients(3, port: server.port))
        let results = await withTaskGroup(of: [DeliveryOutcome].self) { group in
            for chunk in 0..<3 {
                group.addTask { await transport.submit((0..<40).map { item(chunk * 100 + $0) }) }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
        await transport.close()
        let later = await transport.submit([item(999)])
        await transport.close()
        let received = try server.messages()
        await server.stop()
        #expect(results.count == 120)
        let accepted = (results + later).filter { outcome in
            if case .accepted = outcome { return true }
            return false
        }
        #expect(accepted.count == 121)
        #expect(received.count == 121)
        #expect(Set(received.map { $0.metadata.connection }).count <= 4)
    }
}
