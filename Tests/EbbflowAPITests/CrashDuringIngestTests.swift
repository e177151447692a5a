// A server killed with SIGKILL mid-batch loses no message it acknowledged: a 200 comes only after COMMIT.
import EbbflowTestSupport
import Foundation
import Synchronization
import Testing

@Suite struct CrashDuringIngestTests {
    @Test func sigkillMidBatchLosesNoAcknowledgedMessage() async throws {
        try await ServeProcess.with { server in
            let client = APIClient(server: server)
            let key = try await server.createKey("site", scope: "ingest")
            let tally = Tally()
            // Two clients post batches of 200 until the server dies under them.
            let senders = (0..<2).map { sender in
                Task {
                    for round in 0..<10_000 {
                        let ids = (0..<200).map { "k-\(sender)-\(round)-\($0)" }
                        let batch = ids.map {
                            ["type": "track", "userId": "c-\($0.hashValue & 63)", "event": "click", "messageId": $0]
                        }
                        do {
                            let answer = try await client.post("/v1/batch", key: key, json: ["batch": batch])
                            guard answer.status == 200 else { break }
                            #expect(answer.json["accepted"] as? Int == 200)
                            tally.acknowledged.withLock { $0 += ids }
                        } catch {
                            tally.failed.withLock { $0 += 1 }
                            break
                        }
                    }
                }
            }
            // Kill once a few batches are in, while both clients have one in flight.
            while tally.acknowledged.withLock({ $0.count }) < 2_000 { try await Task.sleep(for: .milliseconds(5)) }
            await server.kill(SIGKILL)
            for sender in senders { await sender.value }
            let acked = tally.acknowledged.withLock { $0 }
            #expect(tally.failed.withLock { $0 } >= 1, "the kill should have cut a request short")
            #expect(try await IngestHTTPTests.storedCount(server, messageIDs: acked) == acked.count)
        }
    }
}

/// What the clients saw, shared by their tasks.
private final class Tally: Sendable {
    let acknowledged = Mutex<[String]>([])
    let failed = Mutex(0)
}
