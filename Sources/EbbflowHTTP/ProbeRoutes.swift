// GET /healthz (the process answers) and GET /readyz (it can take work), for orchestrator probes.
import Hummingbird

/// `/healthz` is 200 "ok" whenever the server can answer at all: that is the signal. `/readyz`
/// is 200 "ready" or 503 "not ready", from `Readiness`, which the owner sets.
public struct ProbeRoutes: HTTPRoutes {
    public let readiness: Readiness

    public init(readiness: Readiness) {
        self.readiness = readiness
    }

    public func add(to router: HTTPRouter) {
        router.get("/healthz") { _, _ in PlainText.response(.ok, "ok") }
        router.get("/readyz") { [readiness] _, _ in
            readiness.isReady ? PlainText.response(.ok, "ready") : PlainText.response(.serviceUnavailable, "not ready")
        }
    }
}
