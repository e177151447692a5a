// Open-loop requests at a fixed rate: each has a scheduled send time, and its latency counts from that time.
import Foundation

/// Request `i` is due at `start + i × interval`. A free connection thread takes the next
/// request, sleeps until it is due and sends it; its latency runs from the *scheduled* time to
/// the end of its answer. So a slow answer is not hidden (no coordinated omission): the
/// requests that should have gone out while every connection was busy are counted late from
/// their schedule, as a client sending at that rate would see them.
struct OpenLoopLoad {
    let port: UInt16
    let requests: [[UInt8]]
    let intervalNanoseconds: UInt64
    let connections: Int
    /// Told of each 200 as soon as it is read (request number, monotonic time), on the
    /// generator's thread: it must return at once.
    let answered: @Sendable (Int, UInt64) -> Void

    struct Outcome {
        /// Milliseconds from schedule to answer, by request number.
        var latencies: [Double]
        /// Milliseconds from schedule to the first byte sent: how late the generator itself was.
        var sendLags: [Double]
        var reconnects: Int
    }

    func run() async throws -> Outcome {
        let (requests, interval, port, answered) = (self.requests, intervalNanoseconds, self.port, self.answered)
        let counter = RequestCounter()
        let clients = try (0..<connections).map { _ in SendableConnection(try HTTPLoadConnection(port: port)) }
        let start = Monotonic.now() + 50_000_000
        let perThread = try await LoadThreads.run(connections, name: "track") {
            thread -> (samples: [(index: Int, latency: UInt64, lag: UInt64)], reconnects: Int) in
            let connection = clients[thread].connection
            var samples: [(index: Int, latency: UInt64, lag: UInt64)] = []
            samples.reserveCapacity(requests.count / connections + 1)
            while let index = counter.take(below: requests.count) {
                let scheduled = start + UInt64(index) * interval
                Monotonic.sleep(until: scheduled)
                let sent = Monotonic.now()
                let answer = try connection.exchange(requests[index])
                let done = Monotonic.now()
                guard answer.status == 200 else {
                    throw BenchError("/v1/track request \(index) answered \(answer.status): \(answer.text.prefix(300))")
                }
                answered(index, done)
                samples.append((index, done - scheduled, sent - scheduled))
            }
            return (samples, connection.reconnects)
        }
        var latencies = [Double](repeating: .nan, count: requests.count)
        var lags = [Double](repeating: .nan, count: requests.count)
        for (samples, _) in perThread {
            for sample in samples {
                latencies[sample.index] = Monotonic.milliseconds(sample.latency)
                lags[sample.index] = Monotonic.milliseconds(sample.lag)
            }
        }
        return Outcome(latencies: latencies, sendLags: lags, reconnects: perThread.reduce(0) { $0 + $1.reconnects })
    }
}

/// Percentiles of a list of milliseconds (nearest rank).
struct Percentiles {
    private let sorted: [Double]
    init(_ values: some Sequence<Double>) { sorted = values.sorted() }
    var count: Int { sorted.count }
    func at(_ fraction: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let rank = Int((fraction * Double(sorted.count)).rounded(.up))
        return sorted[Swift.min(sorted.count - 1, Swift.max(0, rank - 1))]
    }
    var max: Double { sorted.last ?? .nan }
}
