// The process's HTTP server as a lifecycle Service: Hummingbird over the shared router, off the cooperative pool.
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// Serves a set of route groups on one address until the service group shuts it down
/// gracefully (in-flight requests finish, then the socket closes).
///
/// Concurrent: every connection is its own task, so idle keep-alive connections delay no one
/// (the socket server it replaced served one connection at a time: 5 idle connections held
/// `/healthz` back 10.5 s). Its tasks run on `HTTPExecutor`, so it answers while the
/// cooperative pool is saturated by jobs.
public struct HTTPServer: Service {
    /// Loopback by default, so nothing is exposed beyond the machine unless asked: only an
    /// address the caller names (another interface's, or the any-address) reaches further.
    public let host: String
    /// 0 lets the kernel choose (tests); `onListening` is told the port in use.
    public let port: Int
    /// A connection with no request in progress for this long is closed, so idle or stalled
    /// clients cannot hold sockets for ever (they no longer hold anyone else up).
    public let idleTimeout: Duration
    private let routes: [any HTTPRoutes]
    private let logger: Logger
    private let onListening: @Sendable (Int) async -> Void

    public init(
        host: String = "127.0.0.1", port: Int, routes: [any HTTPRoutes], idleTimeout: Duration = .seconds(60),
        logger: Logger, onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) {
        self.host = host
        self.port = port
        self.routes = routes
        self.idleTimeout = idleTimeout
        self.logger = logger
        self.onListening = onListening
    }

    /// Whether `host` names an address. An empty or blank one is refused: the resolver reads it
    /// as the wildcard, which would listen on every interface without anyone asking for it.
    public static func isExplicitHost(_ host: String) -> Bool {
        !host.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
    }

    public func run() async throws {
        let (host, port, logger, onListening) = (self.host, self.port, self.logger, self.onListening)
        guard Self.isExplicitHost(host) else {
            throw HTTPServerError(
                host: host, port: port, reason: "no address named (an empty host would mean every interface)")
        }
        let listening = Atomic<Bool>(false)
        let application = Application(
            router: HTTPRouter.serving(routes),
            server: .http1(
                configuration: .init(
                    additionalChannelHandlers: [ClosingResponses()],
                    idleTimeout: .nanoseconds(Self.nanoseconds(idleTimeout)))),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port)),
            onServerRunning: { channel in
                listening.store(true, ordering: .releasing)
                // Hummingbird logs the address itself.
                await onListening(channel.localAddress?.port ?? port)
            },
            logger: logger
        )
        do {
            try await withTaskExecutorPreference(HTTPExecutor.shared) {
                try await application.run()
            }
        } catch  where !listening.load(ordering: .acquiring) {
            throw HTTPServerError(host: host, port: port, reason: "\(error)")
        }
    }
}

extension HTTPServer {
    static func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }
}

/// The server could not start listening (the port is taken, the host is not this machine's).
public struct HTTPServerError: Error, CustomStringConvertible {
    public let host: String
    public let port: Int
    public let reason: String

    public var description: String { "cannot listen on \(host):\(port): \(reason)" }
}
