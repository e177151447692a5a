// Closed-loop ingest over keep-alive connections: pre-built /v1/batch requests, as fast as serve answers them.
import Foundation

/// Each of `connections` threads takes the next request, sends it, and waits for its answer
/// before the next (as a pipeline's HTTP client does): the throughput is the server's, at that
/// concurrency. Every answer must be 200 with every message accepted and none rejected.
struct BatchLoad {
    let port: UInt16
    let requests: [[UInt8]]
    let eventsPerRequest: [Int]
    let connections: Int
    let servePID: Int32

    struct Outcome {
        var seconds: Double
        var accepted: Int
        var reconnects: Int
        /// CPU seconds of the serve process and of this generator during the load.
        var serveCPU: Double
        var generatorCPU: Double
    }

    func run() async throws -> Outcome {
        let counter = RequestCounter()
        let (requests, expected, port) = (self.requests, self.eventsPerRequest, self.port)
        let clients = try (0..<connections).map { _ in SendableConnection(try HTTPLoadConnection(port: port)) }
        let cpuBefore = (ProcessCPU.seconds(pid: servePID) ?? .nan, ProcessCPU.seconds(pid: getpid()) ?? .nan)
        let started = Monotonic.now()
        let totals = try await LoadThreads.run(connections, name: "batch") {
            thread -> (accepted: Int, reconnects: Int) in
            let connection = clients[thread].connection
            var accepted = 0
            while let index = counter.take(below: requests.count) {
                let answer = try connection.exchange(requests[index])
                guard answer.status == 200 else {
                    throw BenchError("/v1/batch request \(index) answered \(answer.status): \(answer.text.prefix(300))")
                }
                guard let count = Self.accepted(in: answer.body), count == expected[index] else {
                    throw BenchError(
                        "/v1/batch request \(index) did not accept all \(expected[index]) messages: \(answer.text.prefix(300))"
                    )
                }
                accepted += count
            }
            return (accepted, connection.reconnects)
        }
        let seconds = Double(Monotonic.now() - started) / 1e9
        return Outcome(
            seconds: seconds, accepted: totals.reduce(0) { $0 + $1.accepted },
            reconnects: totals.reduce(0) { $0 + $1.reconnects },
            serveCPU: (ProcessCPU.seconds(pid: servePID) ?? .nan) - cpuBefore.0,
            generatorCPU: (ProcessCPU.seconds(pid: getpid()) ?? .nan) - cpuBefore.1)
    }

    /// N of `{"accepted": N, "rejected": []}`; nil for any other answer (a rejected message included).
    static func accepted(in body: [UInt8]) -> Int? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let rejected = object["rejected"] as? [Any], rejected.isEmpty
        else { return nil }
        return object["accepted"] as? Int
    }
}

/// A connection handed to exactly one generator thread.
///
/// Why unchecked: `HTTPLoadConnection` is a plain class with a socket and a buffer; it is
/// created here and then used by the one thread given its index, never by two at once.
struct SendableConnection: @unchecked Sendable {
    let connection: HTTPLoadConnection
    init(_ connection: HTTPLoadConnection) { self.connection = connection }
}
