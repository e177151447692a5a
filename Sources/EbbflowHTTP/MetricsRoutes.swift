// GET /metrics: the Prometheus registry in text exposition format 0.0.4.
import Hummingbird
import Prometheus

/// Serves the registry that `EbbflowMetrics.bootstrapOnce` installed (or any other, in tests).
public struct MetricsRoutes: HTTPRoutes {
    /// The Prometheus text exposition format, version 0.0.4, which PrometheusCollectorRegistry emits.
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public let registry: PrometheusCollectorRegistry

    public init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    public func add(to router: HTTPRouter) {
        router.get("/metrics") { [registry] _, _ in
            var body: [UInt8] = []
            registry.emit(into: &body)
            return Response(
                status: .ok, headers: [.contentType: Self.contentType],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: body))
            )
        }
    }
}
