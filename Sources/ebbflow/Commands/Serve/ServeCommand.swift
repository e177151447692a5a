// `ebbflow serve`: the HTTP API (events in, contacts and the queue out, administration), probes and metrics on one port.
import ArgumentParser
import EbbflowAPI
import EbbflowCore
import EbbflowDashboard
import EbbflowEngine
import EbbflowHTTP
import EbbflowMetrics
import Foundation
import Logging
import PostgresClient
import Prometheus
import ServiceLifecycle

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the HTTP API, /healthz, /readyz and /metrics. SIGTERM/SIGINT: finish requests, exit 0.",
        discussion: """
            Run any number behind a load balancer: each request is one database transaction and the \
            processes share nothing else. Keys: ebbflow keys create NAME --scope ingest|read|admin.
            """)

    @OptionGroup var connection: ConnectionOptions
    @Option(
        help: """
            Address to listen on. Default: $EBBFLOW_HTTP_HOST, else 127.0.0.1 (this machine only; name another \
            interface's address to serve a network).
            """)
    var host: String?
    @Option(help: "Port to listen on (0: any free port, logged). Default: $EBBFLOW_HTTP_PORT, else 8080.")
    var port: Int?
    @Option(help: "Database connections shared by the requests in flight (1...500).") var connections = 20
    @Option(help: "Seconds requests in flight get to finish after SIGTERM (0...3600).") var shutdownTimeout = 30.0
    @Option(
        help: """
            Database lookups a second of API keys this process has not verified before (1...100000); past it \
            such requests get 429, so a flood of made-up keys cannot take the connections of real callers.
            """)
    var keyLookupRate = APIRoutes.defaultKeyLookupRate
    @Flag(help: "Leave the dashboard (/dashboard/) out; EBBFLOW_DASHBOARD=0 does the same.")
    var noDashboard = false
    @Option(help: "Database connections the dashboard's pages may hold at once, of --connections (1...100).")
    var dashboardConnections = 4

    func validate() throws {
        _ = try resolvedHost()
        _ = try resolvedPort()
        guard (1...500).contains(connections) else {
            throw InputError("--connections must be 1...500, got \(connections)")
        }
        guard (1...100_000).contains(keyLookupRate) else {
            throw InputError("--key-lookup-rate must be 1...100000 a second, got \(keyLookupRate)")
        }
        guard (1...100).contains(dashboardConnections) else {
            throw InputError("--dashboard-connections must be 1...100, got \(dashboardConnections)")
        }
        guard (0...3_600).contains(shutdownTimeout) else {
            throw InputError("--shutdown-timeout must be 0...3600 seconds, got \(shutdownTimeout)")
        }
        _ = try StallBound.fromEnvironment()
    }

    private func resolvedHost() throws -> String {
        let (value, source) =
            host.map { ($0, "--host") } ?? ProcessInfo.processInfo.environment["EBBFLOW_HTTP_HOST"].map {
                ($0, "EBBFLOW_HTTP_HOST")
            } ?? ("127.0.0.1", "")
        guard HTTPServer.isExplicitHost(value) else {
            throw InputError("\(source) must name an address, such as 127.0.0.1 (empty would mean every interface)")
        }
        return value
    }

    private func resolvedPort() throws -> Int {
        if let port {
            guard (0...65_535).contains(port) else { throw InputError("--port must be 0...65535, got \(port)") }
            return port
        }
        guard let text = ProcessInfo.processInfo.environment["EBBFLOW_HTTP_PORT"] else { return 8_080 }
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)), (0...65_535).contains(value) else {
            throw InputError("EBBFLOW_HTTP_PORT must be a port 0...65535, got \"\(text.prefix(20))\"")
        }
        return value
    }

    func run() async throws {
        let logger = connection.logger("ebbflow.serve")
        let schema = try connection.schemaName
        let (host, port) = (try resolvedHost(), try resolvedPort())
        // A webhook secret set but malformed stops the start here, in one line; an unset one
        // disables its route (404), said once.
        let webhooks: WebhookConfiguration
        do {
            webhooks = try WebhookConfiguration(environment: ProcessInfo.processInfo.environment)
        } catch let error as WebhookConfigurationError {
            throw InputError("cannot serve: \(error)")
        }
        for note in webhooks.disabledNotes { logger.notice("\(note)") }
        // SES's settings too: a wrong one is refused without a database.
        let ses: SesWebhookConfiguration?
        do {
            ses = try await SesWebhookConfiguration.fromEnvironment(ProcessInfo.processInfo.environment, logger: logger)
        } catch let error as SesConfigurationError {
            throw InputError("cannot serve: \(error)")
        }
        let proxies: TrustedProxies
        do {
            proxies = try TrustedProxies(
                parsing: ProcessInfo.processInfo.environment[TrustedProxies.environmentVariable] ?? "")
        } catch { throw InputError("\(error)") }
        let dashboard: DashboardConfiguration
        do {
            dashboard = try DashboardConfiguration(
                environment: ProcessInfo.processInfo.environment, trustedProxies: proxies)
        } catch { throw InputError("cannot serve: \(error)") }
        try await checkMigrated(schema: schema)
        let pool = PGPool(
            try connection.postgres, maxConnections: connections, acquireTimeout: .seconds(5),
            logger: connection.logger("ebbflow.postgres"))
        let database = APIDatabase(pool: pool, logger: logger)
        let readiness = Readiness()
        // Armed by the first signal: the exit is bounded whatever the database does.
        let watchdog = ShutdownWatchdog(shutdownTimeout: .milliseconds(Int(shutdownTimeout * 1_000)), logger: logger)
        defer { watchdog.finish() }
        let registry = EbbflowMetrics.bootstrapOnce(
            registry: PrometheusCollectorRegistry(),
            help: APIRoutes.metricsHelp.merging(SuppressionCounts.metricsHelp) { first, _ in first }
                .merging(OutboxCounts.metricsHelp) { first, _ in first })
        let counts = SuppressionCounts(schema: schema)
        let outbox = OutboxCounts(schema: schema)
        var routes: [any HTTPRoutes] = [
            ProbeRoutes(readiness: readiness), MetricsRoutes(registry: registry), OpenAPIRoutes(),
            APIRoutes(
                schema: schema, database: database, keyLookupRate: keyLookupRate, webhooks: webhooks,
                trustedProxies: proxies, logger: logger),
        ]
        if dashboard.enabled && !noDashboard {
            routes.append(
                DashboardRoutes(
                    schema: schema, database: database, configuration: dashboard,
                    connections: min(dashboardConnections, connections), logger: logger))
        }
        if let ses {
            routes.append(SesWebhookRoutes(configuration: ses, schema: schema, database: database, logger: logger))
        }
        let server = HTTPServer(
            host: host, port: port, routes: routes,
            logger: logger,
            onListening: { port in logger.notice("listening on \(host):\(port)") })
        // Shut down in reverse order: the readiness probe first (the balancer stops sending),
        // then the server (no new connections; requests in flight finish), the signal guard last.
        var configuration = ServiceGroupConfiguration(
            services: [
                .init(service: SecondSignalExit(logger: logger, watchdog: watchdog)), .init(service: server),
                .init(service: DatabaseReadiness(database: database, readiness: readiness, logger: logger)),
                .init(
                    service: StallWatch(
                        bound: try StallBound.fromEnvironment(), database: try connection.postgres,
                        readiness: readiness,
                        logger: connection.logger("ebbflow.postgres"))),
                .init(
                    service: SuppressionGauge(
                        sample: { try await database.run { try counts.read(on: $0) } }, logger: logger)),
                .init(
                    service: OutboxGauge(
                        sample: { try await database.run { try outbox.read(on: $0) } }, logger: logger)),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = .milliseconds(Int(shutdownTimeout * 1_000))
        let group = ServiceGroup(configuration: configuration)
        do {
            try await group.run()
        } catch let error as HTTPServerError {
            await pool.close()
            throw InputError("cannot serve: \(error)")
        }
        await pool.close()
    }

    /// Refuses to start against a database `ebbflow migrate` has not prepared: every request
    /// would fail otherwise, and the fix is one command.
    private func checkMigrated(schema: SchemaName) async throws {
        let database = try await connection.connect()
        let table = schema.qualified("api_keys")
        let found = try await database.run { connection in
            try connection.query("SELECT to_regclass($1) IS NOT NULL AS found", [table]).rows.first?.decode("found")
                as Bool?
        }
        await database.run { connection in connection.close() }
        guard found == true else {
            throw InputError("the database has no API tables in schema \(schema): run `ebbflow migrate` first")
        }
    }
}
