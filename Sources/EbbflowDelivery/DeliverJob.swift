// The `deliver` job kind: a chunk of leased sends rendered and submitted together over one connection.
import EbbflowEngine
import EbbflowQueue
import PostgresClient

/// Why one job per send, run as chunks: the queue's rate limit (`ebbflow queues limit deliver
/// --rate 14/s`) counts jobs, so one job per message makes it a limit on messages; the chunk
/// lets many of them share one SMTP transaction stream (pipelined) and one finish statement.
/// The chunk's own transaction only completes the jobs (see `Deliverer` for why).
public struct DeliverJob: ChunkJobHandler {
    public static let kind = "deliver"
    /// The queue the dispatcher enqueues to and rate limits apply to.
    public static let queue = "deliver"
    public typealias Args = DeliverArgs

    public let chunkSize: Int
    let deliverer: Deliverer

    public init(deliverer: Deliverer, chunkSize: Int = 200) {
        self.deliverer = deliverer
        self.chunkSize = chunkSize
    }

    public func run(_ jobs: [Job<DeliverArgs>], context: JobContext, connection: isolated PGConnection) async throws {
        try await deliverer.deliver(jobs.map(\.args))
    }
}
