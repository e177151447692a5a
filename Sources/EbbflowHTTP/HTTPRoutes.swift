// The one way a module serves HTTP: a group of routes it adds to the process's shared router.
import Hummingbird
import NIOCore

/// The request context every route of the process sees: Hummingbird's core storage and, once
/// the API's authenticator has verified a key, who is calling.
public struct HTTPContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by the API's authentication middleware; nil on open routes (probes, metrics).
    public var caller: HTTPCaller?
    /// The socket peer's address (the link routes classify opens by network).
    public var peerAddress: String?
    /// Set by the dashboard's session check; nil outside /dashboard/ and before sign-in.
    public var browserSession: BrowserSession?

    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        caller = nil
        browserSession = nil
        peerAddress = source.channel.remoteAddress?.ipAddress
    }
}

/// The verified key a request came with: its name (for logs; never the key itself) and scope.
public struct HTTPCaller: Sendable, Equatable {
    public let keyName: String
    public let scope: Scope
    /// Requests per second this key may make to one process.
    public let rateLimit: Int

    public init(keyName: String, scope: Scope, rateLimit: Int) {
        self.keyName = keyName
        self.scope = scope
        self.rateLimit = rateLimit
    }

    /// What a key may do. `admin` implies `read`; `ingest` only sends events and reads nothing.
    public enum Scope: String, Sendable, CaseIterable {
        case ingest, read, admin

        /// Whether a key of this scope may use a route that needs `required`.
        public func allows(_ required: Scope) -> Bool {
            switch required {
            case .ingest: self == .ingest || self == .admin
            case .read: self == .read || self == .admin
            case .admin: self == .admin
            }
        }
    }
}

/// A signed-in dashboard browser: which session row (by its token's digest, never the token)
/// and the token its forms must carry against cross-site request forgery.
public struct BrowserSession: Sendable, Equatable {
    public let tokenDigest: [UInt8]
    public let csrfToken: String

    public init(tokenDigest: [UInt8], csrfToken: String) {
        self.tokenDigest = tokenDigest
        self.csrfToken = csrfToken
    }
}

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
    /// A router holding `groups`, answering what they do not match with 404 or 405 (see `RouteMisses`).
    public static func serving(_ groups: [any HTTPRoutes]) -> HTTPRouter {
        // The middleware must be added before the routes it wraps, and the table can only be
        // read after they are all added: so the table is filled once they are, before serving.
        let table = RouteTable()
        let router = HTTPRouter(context: HTTPContext.self)
        router.add(middleware: RouteMisses(table: table))
        for group in groups { group.add(to: router) }
        table.fill(router.routes)
        return router
    }
}
