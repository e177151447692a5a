// A connection string checked before libpq sees it, and shown with its password masked by position.
import CLibPQ

/// What libpq will read from a connection string, known before connecting.
///
/// Why: libpq reads anything that is neither a `postgresql://` URL nor `key=value` pairs as a
/// database name, so a mistyped URL (`postgresql//bob:Secret@db/app`, `postgresql:/…`) or a URL
/// given as `dbname=` came back whole, password included, in `database "…" does not exist`;
/// and a raw `@` or `/` in a URL's password made libpq read part of it as a host or port and
/// quote that fragment. Such strings are refused here with a message that never shows them.
/// Secrets are then found by where libpq reads them (the URL's user info, `password=`), never
/// by searching other text for a substring: a one-letter password once garbled every message.
struct ConnectionString: Sendable {
    enum Form: Sendable { case empty, url, keywordValue, databaseName }

    let text: String
    let form: Form
    /// The options the string sets, as libpq parsed them (URL parts percent-decoded).
    let options: [(keyword: String, value: String)]

    /// The password libpq will send, when the string gives one.
    var password: String? { options.first { $0.keyword == "password" }?.value }

    /// The options whose values are secrets: masked wherever shown.
    static let secretKeywords: Set<String> = ["password", "sslpassword"]

    static let notShown = "(not shown: it may hold a password)"

    init(_ text: String) throws(PGError) {
        self.text = text
        if text.isEmpty {
            form = .empty
            options = []
            return
        }
        // libpq's own test (recognized_connection_string): a URI prefix, else any `=`.
        if text.hasPrefix("postgresql://") || text.hasPrefix("postgres://") {
            form = .url
            try Self.checkUserInfo(text)
        } else if text.contains("=") {
            form = .keywordValue
        } else if text.unicodeScalars.allSatisfy({ Self.databaseNameCharacters.contains($0) }) {
            form = .databaseName
        } else {
            throw PGError(.invalidConfiguration,
                          "the connection string is neither a postgresql:// URL nor key=value pairs \(Self.notShown)")
        }
        options = form == .databaseName ? [("dbname", text)] : try Self.parse(text, form: form)
        // In every form (a URL's `?dbname=` and path too): libpq quotes these values whole in
        // its errors (`database "…" does not exist`, `host name "…"`), so one that carries a
        // connection string or credentials would print the password.
        if let misplaced = options.first(where: { Self.quotedByLibpq.contains($0.keyword) && Self.looksLikeCredentials($0.value) }) {
            throw PGError(.invalidConfiguration,
                          "\(misplaced.keyword)= holds a connection URL, key=value pairs or user:password@host credentials; give them as the connection string itself \(Self.notShown)")
        }
    }

    /// The options libpq names in its connection errors, quoting their values.
    static let quotedByLibpq: Set<String> = ["dbname", "user", "host", "hostaddr", "port"]

    /// A value shaped like a connection string or credentials: `://`, an `=`, or `:` then `@`
    /// (`bob:Secret@db/app`). No database, user, host or port name legitimately has these
    /// (an IPv6 host has colons but no `@`; a user `alice@corp` has no colon before the `@`).
    static func looksLikeCredentials(_ value: String) -> Bool {
        if value.contains("://") || value.contains("=") { return true }
        guard let colon = value.firstIndex(of: ":") else { return false }
        return value[colon...].contains("@")
    }

    /// A bare database name as libpq would take it: nothing that looks like a mistyped URL.
    static let databaseNameCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.$".unicodeScalars)

    /// libpq ends a URL's user info at the first `@` (or at a `/` before any `@`): a raw `@` or
    /// `/` in a password moves the rest of it into the host, port or path, where errors quote it.
    private static func checkUserInfo(_ text: String) throws(PGError) {
        let rest = text[text.range(of: "://")!.upperBound...]
        let beforeQuery = rest.prefix { $0 != "?" }
        let ats = beforeQuery.filter { $0 == "@" }.count
        let slashBeforeAt = beforeQuery.firstIndex(of: "@").map { at in beforeQuery[..<at].contains("/") } ?? false
        if ats > 1 || slashBeforeAt {
            throw PGError(.invalidConfiguration,
                          "the connection URL has a raw '@' or '/' in its user name or password; percent-encode them (%40, %2F) \(Self.notShown)")
        }
    }

    /// libpq's parse, or a refusal that does not pass on libpq's message (it quotes the string).
    private static func parse(_ text: String, form: Form) throws(PGError) -> [(keyword: String, value: String)] {
        var message: UnsafeMutablePointer<CChar>?
        guard let parsed = PQconninfoParse(text, &message) else {
            if let message { PQfreemem(message) }
            let what = form == .url ? "the connection URL" : "the key=value connection string"
            throw PGError(.invalidConfiguration, "\(what) could not be parsed \(Self.notShown)")
        }
        defer { PQconninfoFree(parsed) }
        var found: [(keyword: String, value: String)] = []
        var option = parsed
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val { found.append((String(cString: keyword), String(cString: value))) }
            option += 1
        }
        return found
    }

    /// The string with its password replaced by `***` where libpq reads it.
    var redacted: String {
        switch form {
        case .empty, .databaseName:
            return text
        case .keywordValue:
            return options.map { "\($0.keyword)=\($0.keyword == "password" ? "***" : Self.quoted($0.value))" }.joined(separator: " ")
        case .url:
            return Self.redactedURL(text)
        }
    }

    private static func quoted(_ value: String) -> String {
        guard value.isEmpty || value.contains(where: { $0 == " " || $0 == "'" || $0 == "\\" }) else { return value }
        return "'" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }

    /// Masks the user info's password (after its first `:`, up to the `@` libpq ends it at)
    /// and every `password=` query parameter's value.
    private static func redactedURL(_ text: String) -> String {
        let afterScheme = text.range(of: "://")!.upperBound
        let queryStart = text[afterScheme...].firstIndex(of: "?") ?? text.endIndex
        var head = String(text[..<queryStart])
        let rest = head[afterScheme...]
        if let at = rest.firstIndex(of: "@"), let colon = rest[..<at].firstIndex(of: ":") {
            head = String(head[...colon]) + "***" + String(head[at...])
        }
        guard queryStart < text.endIndex else { return head }
        let query = text[text.index(after: queryStart)...].split(separator: "&", omittingEmptySubsequences: false).map { pair in
            pair.lowercased().hasPrefix("password=") ? "password=***" : String(pair)
        }
        return head + "?" + query.joined(separator: "&")
    }
}
