// Every route of the API under /v1/, grouped by the scope a key needs, each group behind authentication.
import EbbflowCore
import EbbflowEngine
import EbbflowHTTP
import Hummingbird
import Logging

/// The API as one route group that `ebbflow serve` adds to its router beside the probes, the
/// metrics and the OpenAPI file.
///
/// Why groups by scope: the scope a route needs is declared once, where the route is added,
/// and authentication, scope and rate checks run before any handler code; a route cannot be
/// added without them.
public struct APIRoutes: HTTPRoutes {
    let schema: SchemaName
    let database: APIDatabase
    let keys: KeyVerifier
    let logger: Logger
    let webhooks: WebhookConfiguration
    /// Proxies whose `X-Forwarded-For` the link routes believe (`EBBFLOW_TRUSTED_PROXIES`).
    let proxies: TrustedProxies

    /// `# HELP` texts of the metrics the API records, for `EbbflowMetrics.bootstrapOnce`.
    public static let metricsHelp = RequestMetrics.help.merging(IngestRoutes.help) { first, _ in first }
        .merging(WebhookMetrics.help) { first, _ in first }.merging(LinkRoutes.help) { first, _ in first }

    /// Lookups a second of keys the process has not verified before (see `KeyVerifier.lookupRate`).
    public static let defaultKeyLookupRate = KeyVerifier.defaultLookupRate

    public init(
        schema: SchemaName, database: APIDatabase, keyLookupRate: Int = APIRoutes.defaultKeyLookupRate,
        webhooks: WebhookConfiguration = .disabled, trustedProxies: TrustedProxies = TrustedProxies(),
        logger: Logger
    ) {
        self.proxies = trustedProxies
        self.schema = schema
        self.database = database
        self.keys = KeyVerifier(store: APIKeyStore(schema: schema), database: database, lookupRate: keyLookupRate)
        self.logger = logger
        self.webhooks = webhooks
    }

    public func add(to router: HTTPRouter) {
        let ingest = router.group("v1")
            .add(middleware: RequestMetrics()).add(middleware: InternalErrors(logger: logger))
            .add(middleware: Authenticate(keys: keys, scope: .ingest, acceptsBasic: true))
        IngestRoutes(service: IngestService(schema: schema), database: database).add(to: ingest)
        let read = router.group("v1")
            .add(middleware: RequestMetrics()).add(middleware: InternalErrors(logger: logger))
            .add(middleware: Authenticate(keys: keys, scope: .read, acceptsBasic: false))
        ReadRoutes(schema: schema, database: database).add(to: read)
        let admin = router.group("v1")
            .add(middleware: RequestMetrics()).add(middleware: InternalErrors(logger: logger))
            .add(middleware: Authenticate(keys: keys, scope: .admin, acceptsBasic: false))
        AdminRoutes(schema: schema, database: database).add(to: admin)
        // The providers' webhooks: no API key; each provider's signature or credentials instead.
        WebhookRoutes(schema: schema, configuration: webhooks, database: database, logger: logger).add(to: router)
        // The unsubscribe and tracking links: public, the signed token is their credential.
        let links = router.group()
            .add(middleware: RequestMetrics()).add(middleware: InternalErrors(logger: logger))
        LinkRoutes(events: LinkEvents(schema: schema), database: database, proxies: proxies, logger: logger).add(
            to: links)
    }
}
