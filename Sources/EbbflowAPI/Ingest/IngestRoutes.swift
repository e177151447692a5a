// POST /v1/track, /v1/identify, /v1/page, /v1/batch (Segment's HTTP tracking API) and /v1/events (NDJSON): events in.
import EbbflowEngine
import EbbflowHTTP
import Foundation
import Hummingbird
import Metrics

/// Thin on purpose: the body's bytes go to `IngestService`, which owns every rule about
/// messages and answers only after its transaction committed, so a 200 never acknowledges
/// what a crash could lose. What is HTTP's stays here: the content type (415), the request
/// size (413), and turning the report or the refusal into the API's JSON.
struct IngestRoutes {
    let service: IngestService
    let database: APIDatabase

    static let help = [
        "ebbflow_ingest_messages_total":
            "Messages received on the ingest endpoints, by endpoint and outcome (accepted, duplicate, rejected).",
        "ebbflow_ingest_requests_refused_total":
            "Ingest requests refused whole (nothing stored), by endpoint and status code.",
    ]

    func add(to group: RouterGroup<HTTPContext>) {
        for endpoint in IngestEndpoint.allCases {
            group.post(RouterPath(stringLiteral: endpoint.rawValue)) { request, _ in
                try await ingest(endpoint, request)
            }
        }
    }

    private func ingest(_ endpoint: IngestEndpoint, _ request: Request) async throws -> Response {
        let report: IngestReport
        do {
            _ = try (endpoint == .events ? MediaTypes.ndjson : MediaTypes.json).check(request)
            let body = try await RequestBody.bytes(request, limit: IngestService.maxRequestBytes)
            let service = self.service
            report = try await database.withConnection { connection in
                try await service.ingest(IngestRequest(endpoint: endpoint, body: body), on: connection)
            }
        } catch let error as IngestError {
            let status: HTTPResponse.Status =
                switch error {
                case .malformed: .badRequest
                case .messageTooLarge: .contentTooLarge
                }
            refused(endpoint, status)
            throw APIError(status, error.reason, field: error.field)
        } catch let error as APIError {
            refused(endpoint, error.status)
            throw error
        }
        count(endpoint, "accepted", report.accepted - report.duplicates)
        count(endpoint, "duplicate", report.duplicates)
        count(endpoint, "rejected", report.rejected.count)
        return try IngestAnswer.response(report)
    }

    private func count(_ endpoint: IngestEndpoint, _ outcome: String, _ value: Int) {
        guard value > 0 else { return }
        Counter(
            label: "ebbflow_ingest_messages_total", dimensions: [("endpoint", endpoint.rawValue), ("outcome", outcome)]
        )
        .increment(by: value)
    }

    private func refused(_ endpoint: IngestEndpoint, _ status: HTTPResponse.Status) {
        Counter(
            label: "ebbflow_ingest_requests_refused_total",
            dimensions: [("endpoint", endpoint.rawValue), ("status", "\(status.code)")]
        ).increment()
    }
}

/// The 200 answer: `{"accepted": N, "rejected": [{"index": i, "messageId": "…", "reason": "…"}]}`.
enum IngestAnswer {
    static func response(_ report: IngestReport) throws -> Response {
        let rejected: [[String: Any]] = report.rejected.map { rejection in
            var item: [String: Any] = ["index": rejection.index, "reason": rejection.reason]
            if let id = rejection.messageID { item["messageId"] = id }
            return item
        }
        let data = try JSONSerialization.data(
            withJSONObject: ["accepted": report.accepted, "rejected": rejected] as [String: Any],
            options: [.sortedKeys, .withoutEscapingSlashes])
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
