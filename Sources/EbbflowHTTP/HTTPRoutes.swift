// The one way a module serves HTTP: a group of routes it adds to the process's shared router.
import Hummingbird

/// The request context every route of the process sees. One name, so a later context (an
/// authenticated API caller, issue 16) changes one line, not every route group.
public typealias HTTPContext = BasicRequestContext

/// The router that route groups fill and `HTTPServer` serves.
public typealias HTTPRouter = Router<HTTPContext>

/// Routes that one module contributes: probes, metrics, and later the API of `ebbflow serve`.
///
/// Why a protocol and not one big router function: each module owns its paths and handlers in
/// its own file, and a process chooses which groups it serves (a worker serves probes and
/// metrics; a future `serve` adds the API) without the HTTP layer knowing any of them.
public protocol HTTPRoutes: Sendable {
    func add(to router: HTTPRouter)
}

extension HTTPRouter {
    /// A router holding `groups`, answering what they do not match in plain text (see `PlainTextErrors`).
    public static func serving(_ groups: [any HTTPRoutes]) -> HTTPRouter {
        let router = HTTPRouter()
        router.add(middleware: PlainTextErrors())
        for group in groups { group.add(to: router) }
        return router
    }
}
