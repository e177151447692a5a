// What `ebbflow worker` adds when delivery is configured: the `deliver` handler, the dispatcher, and the transport's shutdown.
import EbbflowCore
import EbbflowMail
import EbbflowQueue
import Foundation
import Logging
import NIOPosix
import PostgresClient
import ServiceLifecycle

/// Built once per process from the checked configuration. Why the worker and not a separate
/// command: delivery is queue work like any other (rate limits, leases, retries, metrics,
/// graceful shutdown), so a deployment that already runs workers needs only the environment.
public struct DeliveryRuntime: Sendable {
    public let handler: DeliverJob
    /// A service that closes the transport when the worker stops.
    let closer: any Service
    public let dispatcher: DeliveryDispatcher
    public let transport: any DeliveryTransport

    /// What runs beside the worker: the closer, and the periodic dispatcher unless the worker
    /// drains (a draining worker dispatches through `dispatcher.drainFeed` when it runs dry).
    public func services(draining: Bool) -> [any Service] {
        draining ? [closer] : [closer, dispatcher]
    }

    /// Nil when no transport is configured (the outbox is then for an external sender).
    /// `settings` overrides the configuration's own (`EBBFLOW_DELIVERY_*`, `EBBFLOW_SMTP_CONNECTIONS`).
    public static func make(
        configuration: DeliveryConfiguration, database: PGConfiguration, schema: SchemaName,
        settings: DeliverySettings? = nil, logger: Logger
    ) throws -> DeliveryRuntime? {
        guard let from = configuration.from else { return nil }
        let settings = settings ?? configuration.settings
        let transport: any DeliveryTransport
        switch configuration.transport {
        case .none: return nil
        case .smtp(let smtp):
            transport = SMTPTransport(
                clients: (0..<settings.smtpConnections).map { _ in
                    SMTPClient(
                        configuration: smtp, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger)
                })
        case .webhook(let url, let secret):
            transport = WebhookTransport(
                url: url, secret: secret,
                timeout: .milliseconds(Int64((configuration.webhookTimeoutSeconds * 1_000).rounded())),
                logger: logger)
        }
        // Chunks renew, render and finish on these while the queue's own transaction waits.
        let pool = PGPool(database, maxConnections: settings.connections, logger: logger)
        let deliverer = Deliverer(
            pool: pool, schema: schema, publicURL: configuration.publicURL,
            assembly: MessageAssembly(defaultFrom: from, unsubscribeMailto: configuration.unsubscribeMailto),
            transport: transport, leaseSeconds: settings.leaseSeconds, logger: logger)
        return DeliveryRuntime(
            handler: DeliverJob(deliverer: deliverer, chunkSize: settings.chunkSize),
            closer: TransportCloser(transport: transport, pool: pool),
            dispatcher: DeliveryDispatcher(database: database, schema: schema, settings: settings, logger: logger),
            transport: transport)
    }
}

/// Waits for the worker's shutdown, then says QUIT to the relay and closes the pool. Started
/// first of delivery's services, so it is stopped after the claim loop has finished its chunks.
struct TransportCloser: Service {
    let transport: any DeliveryTransport
    let pool: PGPool

    func run() async throws {
        try? await gracefulShutdown()
        await transport.close()
        await pool.close()
    }
}
