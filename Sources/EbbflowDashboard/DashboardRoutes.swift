// The dashboard as one route group of `ebbflow serve`, under /dashboard/: sign-in, assets, then every page behind a session.
import EbbflowAPI
import EbbflowCore
import EbbflowHTTP
import Hummingbird
import Logging

/// Why one group with its middleware declared here: every page inherits, in this order, the
/// request metrics, HTML error pages, the security headers and (past sign-in and the assets)
/// the session check; a page cannot be added outside them.
public struct DashboardRoutes: HTTPRoutes {
    let kit: DashboardKit

    /// `connections`: how many of `serve`'s pooled connections dashboards may hold at once.
    public init(
        schema: SchemaName, database: APIDatabase, configuration: DashboardConfiguration, connections: Int = 4,
        logger: Logger
    ) {
        kit = DashboardKit(
            schema: schema, database: DashboardDatabase(database: database, connections: connections),
            renderer: .embedded, configuration: configuration, sessions: SessionStore(schema: schema),
            cookie: SessionCookie(configuration: configuration), logger: logger)
    }

    public func add(to router: HTTPRouter) {
        let open = router.group("dashboard")
            .add(middleware: RequestMetrics())
            .add(middleware: ServerTiming())
            .add(middleware: DashboardErrors(renderer: kit.renderer, logger: kit.logger))
            .add(middleware: SecurityHeaders(cookie: kit.cookie))
        AssetRoutes(assets: kit.renderer.assets).add(to: open)
        let signIn = SignInRoutes(kit: kit)
        signIn.add(to: open)
        let pages = open.group()
            .add(middleware: SessionCheck(sessions: kit.sessions, cookie: kit.cookie, database: kit.database.database))
        signIn.addSignOut(to: pages)
        pages.get { _, _ in Response(status: .seeOther, headers: [.location: NavSection.overview.path]) }
        OverviewRoutes(kit: kit).add(to: pages)
        SchedulesRoutes(kit: kit).add(to: pages)
        ExperimentsRoutes(kit: kit).add(to: pages)
        ContactsRoutes(kit: kit).add(to: pages)
        StreamsRoutes(kit: kit).add(to: pages)
        JobsRoutes(kit: kit).add(to: pages)
        WorkersRoutes(kit: kit).add(to: pages)
    }
}
