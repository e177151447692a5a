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
    /// A password given apart from the connection string (`--database-password-file`), sent
    /// to libpq as its own `password` keyword; never part of `description`. Refused when the
    /// connection string carries a password too (`validate`), so which one is used is never a
    /// guess.
    public var password: String?
    /// Options placed after the connection string, so they win over its own: for the stall
    /// probe's short timeouts, never for anything the user configures.
    var overrides: [(keyword: String, value: String)] = []

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
    public func validate() throws(PGError) {
        let parsed = try ConnectionString(conninfo)
        if password != nil, parsed.password != nil {
            throw PGError(
                .invalidConfiguration,
                "the connection string has a password and a password file is given too; give the password one way only")
        }
    }
}

/// Hides a connection string's password in the messages libpq and the server send back.
///
/// By position, not by substring: libpq quotes the values it complains about (`database "…"`,
/// `host name "…"`), so a quoted value that is exactly a secret (the password, the
/// `sslpassword`, the whole URL or key=value string) or is shaped like credentials
/// (`bob:Secret@db`, `password=…`) is replaced whole, and no other text is touched. Replacing
/// a secret wherever its letters occurred once turned `unsupported` into `unsupp***rted` for
/// the password `o`, and replacing the whole connection string wherever it occurred turned the
/// bare name `ebbflow` inside `"ebbflow_alt.builtin_schedules"` into a placeholder. A bare
/// database name is never a secret. `PGPASSWORD` is not searched for: libpq never prints it.
struct Redactor: Sendable {
    private let secrets: Set<String>

    /// Passwords shorter than this are not looked for in quoted values: a value that short is
    /// as likely a coincidence (`database "crm"`) as a leak.
    static let minimumSecretLength = 4

    init(conninfo: String, password: String? = nil) {
        var found: Set<String> = []
        if let password, password.count >= Self.minimumSecretLength { found.insert(password) }
        if let parsed = try? ConnectionString(conninfo) {
            for option in parsed.options
            where ConnectionString.secretKeywords.contains(option.keyword)
                && option.value.count >= Self.minimumSecretLength
            {
                found.insert(option.value)
            }
            if parsed.form == .url || parsed.form == .keywordValue { found.insert(conninfo) }
        }
        secrets = found
    }

    func redacted(_ text: String) -> String {
        guard text.contains("\"") else { return text }
        var output = ""
        var rest = text[...]
        while let open = rest.firstIndex(of: "\""), let close = rest[rest.index(after: open)...].firstIndex(of: "\"") {
            let value = String(rest[rest.index(after: open)..<close])
            output += rest[..<open]
            output += secrets.contains(value) || Self.holdsCredentials(value) ? "\"***\"" : "\"\(value)\""
            rest = rest[rest.index(after: close)...]
        }
        return output + rest
    }

    /// `user:password@host` or a `password=` pair: what a misplaced connection string carries.
    static func holdsCredentials(_ value: String) -> Bool {
        if value.range(of: "password=", options: .caseInsensitive) != nil { return true }
        guard let colon = value.firstIndex(of: ":") else { return false }
        return value[colon...].contains("@")
    }
}
