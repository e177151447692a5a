// The native ingest body (POST /v1/events): NDJSON with the fields of `events import`, read line by line.
import Foundation

/// Why through `RecordReader` and `EventLine`: an event posted here and the same line given to
/// `events import` must be read alike, field for field, bound for bound; only the default
/// source differs ("api").
enum NativeEvents {
    static let source = "api"

    /// The body's events, each with its 0-based line index, and its refused lines. A body with
    /// no line but blank ones is malformed.
    static func read(_ body: [UInt8], accepted: Set<String>) throws -> (
        items: [IngestItem], rejected: [IngestRejection]
    ) {
        var items: [IngestItem] = []
        var rejected: [IngestRejection] = []
        do {
            let lines = try RecordReader.lines(
                .bytes(body), format: .ndjson, as: EventLine.self, userInfo: [.acceptedEventKinds: accepted])
            while let item = try lines.next() {
                switch item {
                case .rejected(let line):
                    rejected.append(IngestRejection(index: line.line - 1, messageID: nil, reason: line.reason))
                case .line(let number, let line):
                    var event = line.event
                    if line.source == nil { event.source = source }
                    let timing: SegmentTiming = event.occurredAt.map { .at($0) } ?? .received
                    items.append(
                        IngestItem(
                            index: number - 1, messageID: event.providerEventID,
                            action: .event(event, timing: timing, isPage: false)))
                }
            }
        } catch let error as ImportError {
            throw IngestError.malformed(reason: error.description, field: nil)
        } catch {
            // Reading bytes in memory fails in no other way; whatever it were, it is the body's.
            throw IngestError.malformed(reason: "the body cannot be read as NDJSON: \(error)", field: nil)
        }
        guard !items.isEmpty || !rejected.isEmpty else {
            throw IngestError.malformed(reason: "the body holds no events (one JSON object a line)", field: nil)
        }
        return (items, rejected)
    }
}
