// Bounded waits for a server that vanished: TCP keepalives, tcp_user_timeout and connect_timeout unless the user sets them.
import Foundation

extension PGConfiguration {
    /// Options ebbflow sets unless the connection string (or the environment) sets its own, so
    /// that a primary that vanished without closing its connections (power off, a network
    /// partition, a failover that moved the address) is noticed in tens of seconds instead of the
    /// kernel's two hours of keepalive silence:
    ///
    /// - `keepalives_idle` 10 s, `keepalives_interval` 5 s, `keepalives_count` 3: an idle
    ///   connection whose peer is gone is dropped after about 25 s;
    /// - `tcp_user_timeout` 30 s: one with data sent and not acknowledged (a statement on its
    ///   way, a commit) is dropped after 30 s;
    /// - `connect_timeout` 10 s per host: a connect to an address nobody answers fails, and a
    ///   multi-host string tries its next host.
    ///
    /// A statement waiting for a lock or a synchronous standby on a live server is not touched:
    /// the server's kernel answers the probes. Unix-socket connections ignore all but
    /// `connect_timeout`.
    public static let connectionDefaults: KeyValuePairs<String, String> = [
        "keepalives": "1", "keepalives_idle": "10", "keepalives_interval": "5", "keepalives_count": "3",
        "tcp_user_timeout": "30000", "connect_timeout": "10",
    ]

    /// The keywords and values handed to `PQconnectdbParams` with `expand_dbname`, in order.
    ///
    /// libpq processes them in order and a later value replaces an earlier one; the connection
    /// string, passed as `dbname`, is expanded in its place. So the defaults come first and
    /// whatever the string sets wins. A default is also left out when libpq would otherwise take
    /// the user's value from elsewhere, which an explicit entry would override: `connect_timeout`
    /// when `PGCONNECT_TIMEOUT` is set, and every default when a service file is named
    /// (`service=` or `PGSERVICE`), whose settings apply only to options left unset.
    public func connectParameters(environment: [String: String] = ProcessInfo.processInfo.environment)
        -> [(keyword: String, value: String)]
    {
        let usesService =
            !(environment["PGSERVICE"] ?? "").isEmpty
            || ((try? ConnectionString(conninfo))?.options.contains { $0.keyword == "service" } ?? false)
        var parameters: [(keyword: String, value: String)] = []
        if !usesService {
            for (keyword, value) in Self.connectionDefaults
            where !(keyword == "connect_timeout" && !(environment["PGCONNECT_TIMEOUT"] ?? "").isEmpty) {
                parameters.append((keyword, value))
            }
        }
        parameters += [
            ("dbname", conninfo), ("fallback_application_name", applicationName), ("client_encoding", "UTF8"),
        ]
        // A password from a file (`--database-password-file`): `validate` refuses a connection
        // string that carries one too, so this never overrides the user's.
        if let password { parameters.append(("password", password)) }
        return parameters + overrides
    }
}
