// "Promptly applied": after a track's 200, its contact read on a connection of the benchmark's own must show the event.
import EbbflowCore
import Foundation
import PostgresClient

/// The API applies an event in the transaction that stores it and answers 200 after the
/// commit, so a reader on any other connection must see the contact's new score at once. The
/// sampled tracks each go to a contact that received nothing else in the run (score 0 before):
/// the event is visible when the contact has a score and its `last_engagement_at` is the
/// track's timestamp. Each read also records how long after the 200 it was sent.
actor AppliedCheck {
    private let connection: PGConnection
    private let contacts: String
    private(set) var checked = 0
    private(set) var visible = 0
    private(set) var readDelays: [Double] = []
    private(set) var firstMiss: String?

    init(connection: PGConnection, schema: SchemaName) {
        self.connection = connection
        self.contacts = schema.qualified("contacts")
    }

    func check(externalID: String, timestamp: Date, answeredAt: UInt64) async {
        let sql =
            "SELECT engagement_score AS score, last_engagement_at AS at, campaign_status::text AS status FROM \(contacts) WHERE external_id = $1"
        let outcome: Result<(score: Double, at: Date?, delay: UInt64), any Error>
        do {
            outcome = .success(
                try await connection.run { connection in
                    let delay = Monotonic.now() - answeredAt
                    guard let row = try connection.query(sql, [externalID]).rows.first else {
                        throw BenchError("contact \(externalID) not found")
                    }
                    return (try row.decode("score", as: Double.self), try row.decode("at", as: Date?.self), delay)
                })
        } catch {
            outcome = .failure(error)
        }
        checked += 1
        switch outcome {
        case .success(let read):
            readDelays.append(Monotonic.milliseconds(read.delay))
            if read.score > 0, let at = read.at, abs(at.timeIntervalSince(timestamp)) < 0.000_5 {
                visible += 1
            } else if firstMiss == nil {
                firstMiss =
                    "\(externalID): score \(read.score), last_engagement_at \(read.at.map { "\($0)" } ?? "null")"
            }
        case .failure(let error):
            if firstMiss == nil { firstMiss = "\(externalID): \(error)" }
        }
    }
}
