// Maps a parsed request to its response: /metrics, /healthz, /readyz, 404 and 405.
import Prometheus
import Synchronization

/// The readiness the owner reports through `MetricsEndpoint.setReady(_:)`.
/// An atomic, not a lock: the accept thread reads it on every /readyz and must never wait.
final class ReadinessFlag: Sendable {
    private let value = Atomic<Bool>(false)

    func set(_ ready: Bool) { value.store(ready, ordering: .releasing) }
    var isReady: Bool { value.load(ordering: .acquiring) }
}

/// Pure routing, kept apart from sockets so it can be reasoned about (and tested) alone.
struct MetricsRouter: Sendable {
    let registry: PrometheusCollectorRegistry
    let readiness: ReadinessFlag

    func respond(to request: HTTPRequestHead) -> HTTPResponse {
        guard request.method == "GET" else {
            var response = HTTPResponse.text(405, "Method Not Allowed", "method not allowed")
            response.extraHeaders = [("Allow", "GET")]
            return response
        }
        switch request.path {
        case "/metrics":
            var body: [UInt8] = []
            registry.emit(into: &body)
            return HTTPResponse(status: 200, reason: "OK", contentType: HTTPResponse.prometheusText, body: body)
        case "/healthz":
            // Answering at all is the signal: the accept thread is alive.
            return .text(200, "OK", "ok")
        case "/readyz":
            return readiness.isReady
                ? .text(200, "OK", "ready")
                : .text(503, "Service Unavailable", "not ready")
        default:
            return .text(404, "Not Found", "not found")
        }
    }
}
