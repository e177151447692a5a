// The dashboard's settings, read once from the environment by `ebbflow serve`.
import EbbflowAPI

/// What an operator can change, each with a safe default: served (unless `EBBFLOW_DASHBOARD=0`),
/// cookies marked `Secure` only when the browser is known to reach the server over TLS, and
/// live parts of pages refreshed every ten seconds.
public struct DashboardConfiguration: Sendable, Equatable {
    /// `EBBFLOW_DASHBOARD`: `0` leaves /dashboard/ out (404), `1` (default) serves it.
    public var enabled: Bool
    /// `EBBFLOW_DASHBOARD_SECURE=1`: browsers reach this server over TLS (a terminating proxy
    /// in front), so the session cookie is `Secure` and `__Host-` prefixed. Without it the same
    /// holds per request when a trusted proxy says `X-Forwarded-Proto: https`.
    public var secureCookies: Bool
    /// `EBBFLOW_DASHBOARD_REFRESH_SECONDS` (1...3600, default 10): how often a page's live
    /// parts reload while it is visible.
    public var refreshSeconds: Int
    /// `EBBFLOW_TRUSTED_PROXIES`: whose `X-Forwarded-Proto` is believed (the link routes' setting).
    public var trustedProxies: TrustedProxies

    public static let defaultRefreshSeconds = 10

    public init(
        enabled: Bool = true, secureCookies: Bool = false, refreshSeconds: Int = defaultRefreshSeconds,
        trustedProxies: TrustedProxies = TrustedProxies()
    ) {
        self.enabled = enabled
        self.secureCookies = secureCookies
        self.refreshSeconds = refreshSeconds
        self.trustedProxies = trustedProxies
    }

    /// The settings in `environment`; a malformed value is an error naming the variable.
    public init(environment: [String: String], trustedProxies: TrustedProxies) throws(DashboardConfigurationError) {
        self.init(trustedProxies: trustedProxies)
        enabled = try Self.flag(environment, "EBBFLOW_DASHBOARD", default: true)
        secureCookies = try Self.flag(environment, "EBBFLOW_DASHBOARD_SECURE", default: false)
        if let text = environment["EBBFLOW_DASHBOARD_REFRESH_SECONDS"] {
            guard let value = Int(text), (1...3_600).contains(value) else {
                throw DashboardConfigurationError(
                    "EBBFLOW_DASHBOARD_REFRESH_SECONDS must be 1...3600 seconds, got \"\(text.prefix(20))\"")
            }
            refreshSeconds = value
        }
    }

    private static func flag(_ environment: [String: String], _ name: String, default value: Bool)
        throws(DashboardConfigurationError) -> Bool
    {
        switch environment[name] {
        case nil, "": value
        case "1", "true", "yes": true
        case "0", "false", "no": false
        case let text?: throw DashboardConfigurationError("\(name) must be 0 or 1, got \"\(text.prefix(20))\"")
        }
    }
}

/// A setting the dashboard cannot use, in one line naming the variable.
public struct DashboardConfigurationError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
