// A bounded hand-over of text chunks from one producer task to one consumer task, with backpressure.
import Synchronization

/// Why: an export is written on a database connection's thread while the HTTP response body
/// is written by the server; the producer must wait when the client reads slowly, so a large
/// export holds at most `limit` chunks (64 KiB each) in memory, never the whole document.
/// `finish` ends the stream (with an error, the consumer throws it); `close` tells a waiting
/// producer the consumer is gone (the client hung up), so it throws instead of waiting forever.
final class ChunkChannel: Sendable {
    struct Closed: Error {}

    private struct State {
        var chunks: [String] = []
        var finished = false
        var failure: (any Error)?
        var closed = false
        var consumer: CheckedContinuation<String?, any Error>?
        var producer: CheckedContinuation<Void, any Error>?
    }

    private let state = Mutex(State())
    let limit: Int

    init(limit: Int = 4) { self.limit = max(1, limit) }

    /// Hands `chunk` over; waits while `limit` chunks are waiting to be read.
    func send(_ chunk: String) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let wake: (CheckedContinuation<String?, any Error>?, Bool, Bool) = state.withLock { state in
                if state.closed { return (nil, false, true) }
                if let consumer = state.consumer {
                    state.consumer = nil
                    return (consumer, true, false)
                }
                state.chunks.append(chunk)
                if state.chunks.count < limit { return (nil, true, false) }
                state.producer = continuation
                return (nil, false, false)
            }
            let (consumer, resumeNow, closed) = wake
            if closed {
                continuation.resume(throwing: Closed())
            } else if let consumer {
                consumer.resume(returning: chunk)
                continuation.resume()
            } else if resumeNow {
                continuation.resume()
            }
        }
    }

    /// The next chunk; nil once finished and drained; throws the producer's failure.
    func next() async throws -> String? {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<String?, any Error>) in
            let taken: (String?, CheckedContinuation<Void, any Error>?, Bool, (any Error)?) = state.withLock { state in
                if !state.chunks.isEmpty {
                    let chunk = state.chunks.removeFirst()
                    let producer = state.producer
                    state.producer = nil
                    return (chunk, producer, false, nil)
                }
                if state.finished { return (nil, nil, true, state.failure) }
                state.consumer = continuation
                return (nil, nil, false, nil)
            }
            let (chunk, producer, finished, failure) = taken
            if let chunk {
                producer?.resume()
                continuation.resume(returning: chunk)
            } else if finished {
                if let failure { continuation.resume(throwing: failure) } else { continuation.resume(returning: nil) }
            }
        }
    }

    /// No more chunks: `failure` nil for a complete stream.
    func finish(_ failure: (any Error)?) {
        let consumer = state.withLock { state -> CheckedContinuation<String?, any Error>? in
            state.finished = true
            state.failure = failure
            defer { state.consumer = nil }
            return state.consumer
        }
        if let consumer {
            if let failure { consumer.resume(throwing: failure) } else { consumer.resume(returning: nil) }
        }
    }

    /// The consumer is gone: a waiting or later `send` throws.
    func close() {
        let producer = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            state.closed = true
            defer { state.producer = nil }
            return state.producer
        }
        producer?.resume(throwing: Closed())
    }
}
