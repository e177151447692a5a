// The public /metrics, /healthz and /readyz server: start, stop, readiness, bound port.
import Glibc
import Logging
import Prometheus
import Synchronization

/// A tiny HTTP/1.1 server for Prometheus scrapes and orchestrator probes.
///
/// Routes: `GET /metrics` (the registry in Prometheus text format 0.0.4), `GET /healthz`
/// (200 "ok" while the process can answer), `GET /readyz` (200 "ready" or 503 "not ready",
/// from `setReady(_:)`); any other path is 404 and any other method 405. Each connection
/// carries one request and is closed after the response (`Connection: close`).
///
/// ## Why a dedicated thread
/// The accept loop runs on its own pthread, blocked in `poll(2)`, never on Swift's cooperative
/// pool. That pool has one thread per core (two here); a blocking loop there would take half
/// the machine's async capacity for the life of the process. The reverse matters as much:
/// `/healthz` must still answer when the pool is saturated or stuck, because that is exactly
/// when an orchestrator should be told the truth, and a probe served by the pool would time
/// out for unrelated reasons. The cost is one mostly sleeping thread and no async API.
///
/// ## Why no SwiftNIO
/// Serving a scrape every few seconds needs no event loop group; plain sockets keep the
/// build small and the behaviour easy to reason about.
///
/// ## Thread safety
/// `Sendable`: lifecycle state sits behind a `Mutex`, readiness in an atomic. `stop()` and
/// `deinit` join the thread, so no request is in flight once they return. Do not call
/// `stop()` from inside the accept thread (nothing in this type would).
public final class MetricsEndpoint: Sendable {
    /// The registry served at `/metrics`.
    public let registry: PrometheusCollectorRegistry
    /// The host given at init: "0.0.0.0" for every IPv4 interface, "127.0.0.1" for loopback only.
    public let host: String
    /// The port asked for; 0 lets the kernel choose. See `boundPort` for the one in use.
    public let requestedPort: Int

    private let readiness = ReadinessFlag()
    private let maxHeadBytes: Int
    private let requestTimeout: Duration
    private let logger: Logger
    private let state = Mutex<State>(.idle)

    private struct Running: Sendable {
        var thread: pthread_t
        var listenFD: Int32
        var stopRead: Int32
        var stopWrite: Int32
        var port: Int
    }

    private enum State: Sendable {
        case idle
        case running(Running)
        case stopped
    }

    /// - Parameters:
    ///   - registry: what `/metrics` emits; usually the one passed to `EbbflowMetrics.bootstrapOnce`.
    ///   - host: address or name to bind; loopback by default, so metrics are never exposed
    ///     beyond the machine unless asked: "0.0.0.0" lets a scraper on another host reach it.
    ///   - port: TCP port; 0 for an ephemeral one (tests), read back from `boundPort`.
    ///   - maxHeadBytes: a request line plus headers larger than this is answered 431.
    ///   - requestTimeout: the whole request head must arrive within it, or the answer is 408.
    ///     Short, because connections are served one at a time.
    public init(
        registry: PrometheusCollectorRegistry,
        host: String = "127.0.0.1",
        port: Int,
        maxHeadBytes: Int = 8 * 1024,
        requestTimeout: Duration = .seconds(2),
        logger: Logger = Logger(label: "ebbflow.metrics")
    ) {
        self.registry = registry
        self.host = host
        self.requestedPort = port
        self.maxHeadBytes = max(maxHeadBytes, 64)
        self.requestTimeout = requestTimeout
        self.logger = logger
    }

    deinit {
        stop()
    }

    /// The port the socket is bound to while running (the kernel's choice when `port` was 0); else nil.
    public var boundPort: Int? {
        state.withLock { state in
            if case .running(let running) = state { return running.port }
            return nil
        }
    }

    /// Sets what `/readyz` answers: 200 "ready" (true) or 503 "not ready" (false).
    /// Starts false: an owner says ready only once its database and workers are up.
    public func setReady(_ ready: Bool) {
        readiness.set(ready)
    }

    /// Whether `/readyz` currently answers 200.
    public var isReady: Bool { readiness.isReady }

    /// Binds, listens and starts the accept thread. Returns the bound port.
    ///
    /// Synchronous on purpose: once it returns the port accepts connections, and a bind
    /// failure surfaces here as a typed error such as `.portInUse(port: 9090)`
    /// ("port 9090 is already in use") rather than later in a log.
    @discardableResult
    public func start() throws(MetricsEndpointError) -> Int {
        try state.withLock { state throws(MetricsEndpointError) -> Int in
            guard case .idle = state else { throw .alreadyStarted }
            let (listenFD, port) = try PosixSocket.listen(host: host, port: requestedPort)
            let stopPipe: (read: Int32, write: Int32)
            do throws(MetricsEndpointError) {
                stopPipe = try PosixSocket.wakePipe()
            } catch {
                close(listenFD)
                throw error
            }
            let loop = AcceptLoop(
                listenFD: listenFD, stopFD: stopPipe.read,
                router: MetricsRouter(registry: registry, readiness: readiness),
                maxHeadBytes: maxHeadBytes, requestTimeout: requestTimeout, logger: logger
            )
            let context = Unmanaged.passRetained(loop).toOpaque()
            var thread = pthread_t()
            let status = pthread_create(&thread, nil, { context in
                let loop = Unmanaged<AcceptLoop>.fromOpaque(context!).takeRetainedValue()
                loop.run()
                return nil
            }, context)
            guard status == 0 else {
                Unmanaged<AcceptLoop>.fromOpaque(context).release()
                close(listenFD)
                close(stopPipe.read)
                close(stopPipe.write)
                throw .system(operation: "pthread_create", errno: status, message: String(cString: strerror(status)))
            }
            state = .running(
                Running(thread: thread, listenFD: listenFD, stopRead: stopPipe.read, stopWrite: stopPipe.write, port: port)
            )
            logger.info("metrics endpoint listening", metadata: ["host": "\(host)", "port": "\(port)"])
            return port
        }
    }

    /// Stops accepting, abandons any request in progress, joins the thread and closes the socket.
    /// Idempotent; returns within milliseconds. An endpoint cannot be started again after it.
    public func stop() {
        let running: Running? = state.withLock { state in
            defer { state = .stopped }
            if case .running(let running) = state { return running }
            return nil
        }
        guard let running else { return }
        var byte: UInt8 = 1
        _ = write(running.stopWrite, &byte, 1)
        pthread_join(running.thread, nil)
        // Closed only after the join, so the thread never polls a descriptor number reused elsewhere.
        close(running.listenFD)
        close(running.stopRead)
        close(running.stopWrite)
        logger.info("metrics endpoint stopped", metadata: ["port": "\(running.port)"])
    }
}
