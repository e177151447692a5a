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

    /// The connection string with its password replaced by `***` where libpq reads it; a
    /// string that cannot be parsed is not shown at all (it may hold a password anywhere).
    public var description: String {
        (try? ConnectionString(conninfo))?.redacted ?? "(a connection string that could not be parsed; not shown)"
    }

    /// Checks the connection string as libpq will read it, without connecting: refuses a
    /// mistyped URL, a raw `@` or `/` in a URL's password, a URL given as `dbname=`, or
    /// anything libpq cannot parse, with one line that never shows the string.
    public func validate() throws(PGError) { _ = try ConnectionString(conninfo) }
}

/// Hides a connection string's password in the messages libpq and the server send back.
///
/// By position, not by substring: libpq quotes the values it complains about (`database "…"`,
/// `host name "…"`), so a quoted value that holds the password is replaced whole, and no other
/// text is touched. Replacing the password wherever its letters occurred once turned
/// `unsupported` into `unsupp***rted` for the password `o`. `PGPASSWORD` is not searched for:
/// libpq never prints it. A string libpq could not parse never reaches a connection
/// (`ConnectionString` refuses it first), so there is nothing of it to hide here.
struct Redactor: Sendable {
    private let secrets: [String]
    private let conninfo: String

    /// Passwords shorter than this are not looked for inside quoted values: a value as short
    /// as that is as likely a coincidence as a leak, and libpq only quotes it if it was put in
    /// a field other than the password, which `ConnectionString` already refuses for URLs.
    static let minimumSecretLength = 4

    init(conninfo: String) {
        self.conninfo = conninfo
        var found: [String] = []
        if let parsed = try? ConnectionString(conninfo), let password = parsed.password, password.count >= Self.minimumSecretLength {
            found.append(password)
        }
        secrets = found
    }

    func redacted(_ text: String) -> String {
        var result = text
        // The whole string, where a message quotes it (libpq read it as a database name).
        if !conninfo.isEmpty, result.contains(conninfo) {
            result = result.replacingOccurrences(of: conninfo, with: "(the connection string)")
        }
        guard !secrets.isEmpty, secrets.contains(where: { result.contains($0) }) else { return result }
        // Each "…" value holding a secret, replaced whole.
        var output = ""
        var rest = result[...]
        while let open = rest.firstIndex(of: "\""), let close = rest[rest.index(after: open)...].firstIndex(of: "\"") {
            let value = rest[rest.index(after: open)..<close]
            output += rest[..<open]
            output += secrets.contains(where: { value.contains($0) }) ? "\"***\"" : "\"\(value)\""
            rest = rest[rest.index(after: close)...]
        }
        return output + rest
    }
}
