// Where to connect and how: a libpq connection string plus client options, printable without secrets.
import Foundation

/// How to reach the database.
///
/// `conninfo` is handed to libpq unchanged (as `dbname` with `expand_dbname`), so everything
/// libpq understands works: a `postgres://` URL, a `key=value` string, or an empty string that
/// means "libpq's defaults": the `PG*` environment variables, `~/.pgpass` and service files.
public struct PGConfiguration: Sendable, CustomStringConvertible {
    public var conninfo: String
    /// Named prepared statements (the fast path). Turn off behind pgbouncer in transaction
    /// pooling mode (1.18, Debian's), which does not keep them across transactions.
    public var preparedStatements: Bool
    /// Shown in `pg_stat_activity` unless the connection string sets its own.
    public var applicationName: String

    public init(conninfo: String = "", preparedStatements: Bool = true, applicationName: String = "ebbflow") {
        self.conninfo = conninfo
        self.preparedStatements = preparedStatements
        self.applicationName = applicationName
    }

    /// The usual order: an explicit value (a `--database-url` flag), then `DATABASE_URL`,
    /// then nothing, which lets libpq read `PGHOST`, `PGDATABASE`, `PGSERVICE`, … itself.
    public static func resolve(
        explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> PGConfiguration {
        if let explicit, !explicit.isEmpty { return PGConfiguration(conninfo: explicit) }
        if let url = environment["DATABASE_URL"], !url.isEmpty { return PGConfiguration(conninfo: url) }
        return PGConfiguration(conninfo: "")
    }

    /// The connection string with any password replaced by `***`.
    public var description: String { Redactor(conninfo: conninfo).redacted(conninfo) }
}

/// Removes a connection string's password from any text built from it.
///
/// libpq itself never echoes a password, but a malformed URL can come back quoted in a parse
/// error, so every message that leaves the client passes through here.
struct Redactor: Sendable {
    private let secrets: [String]

    init(conninfo: String) {
        var found: [String] = []
        // URL form: scheme://user:password@host...
        if let schemeEnd = conninfo.range(of: "://") {
            let rest = conninfo[schemeEnd.upperBound...]
            let authority = rest.prefix { $0 != "/" && $0 != "?" }
            if let at = authority.lastIndex(of: "@") {
                let userInfo = authority[..<at]
                if let colon = userInfo.firstIndex(of: ":") {
                    let password = String(userInfo[userInfo.index(after: colon)...])
                    if !password.isEmpty {
                        found.append(password)
                        if let decoded = password.removingPercentEncoding, decoded != password { found.append(decoded) }
                    }
                }
            }
        }
        // key=value form, and ?password= in URLs.
        for marker in ["password=", "password ="] {
            var searchStart = conninfo.startIndex
            while let range = conninfo.range(of: marker, options: .caseInsensitive, range: searchStart..<conninfo.endIndex) {
                var valueStart = range.upperBound
                while valueStart < conninfo.endIndex, conninfo[valueStart] == " " { valueStart = conninfo.index(after: valueStart) }
                var value = ""
                if valueStart < conninfo.endIndex, conninfo[valueStart] == "'" {
                    var index = conninfo.index(after: valueStart)
                    while index < conninfo.endIndex, conninfo[index] != "'" {
                        if conninfo[index] == "\\", conninfo.index(after: index) < conninfo.endIndex {
                            index = conninfo.index(after: index)
                        }
                        value.append(conninfo[index])
                        index = conninfo.index(after: index)
                    }
                } else {
                    value = String(conninfo[valueStart...].prefix { $0 != " " && $0 != "&" })
                }
                if !value.isEmpty {
                    found.append(value)
                    if let decoded = value.removingPercentEncoding, decoded != value { found.append(decoded) }
                }
                searchStart = range.upperBound
            }
        }
        if let envPassword = ProcessInfo.processInfo.environment["PGPASSWORD"], !envPassword.isEmpty {
            found.append(envPassword)
        }
        // Longest first, so a password that contains another is removed whole.
        secrets = found.sorted { $0.count > $1.count }
    }

    func redacted(_ text: String) -> String {
        var result = text
        for secret in secrets where secret.count >= 1 {
            result = result.replacingOccurrences(of: secret, with: "***")
        }
        return result
    }
}
