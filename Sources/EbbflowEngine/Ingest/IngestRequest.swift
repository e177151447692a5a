// One ingest request as the HTTP layer hands it over: which endpoint, and the body's bytes.
import Foundation

/// The ingest endpoints: Segment's four (`POST /v1/track`, `/v1/identify`, `/v1/page`,
/// `/v1/batch`) and the native NDJSON one (`POST /v1/events`).
public enum IngestEndpoint: String, Sendable, CaseIterable {
    case track, identify, page, batch
    /// NDJSON, one `events import` line a line.
    case events

    /// Whether the body is one Segment message (so any fault in it refuses the request).
    public var isSingleMessage: Bool { self == .track || self == .identify || self == .page }
}

/// What `IngestService.ingest` reads. Why the raw bytes: the library decodes them itself, so
/// the HTTP layer holds no rule about messages and every client input meets the same checks.
public struct IngestRequest: Sendable {
    public var endpoint: IngestEndpoint
    public var body: [UInt8]

    public init(endpoint: IngestEndpoint, body: [UInt8]) {
        self.endpoint = endpoint
        self.body = body
    }

    public init(endpoint: IngestEndpoint, body: String) {
        self.init(endpoint: endpoint, body: Array(body.utf8))
    }
}
