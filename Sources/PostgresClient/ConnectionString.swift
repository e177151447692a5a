// A connection string checked before libpq sees it, and shown with its password masked by position.
import CLibPQ
import Foundation

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
            throw PGError(
                .invalidConfiguration,
                "the connection string is neither a postgresql:// URL nor key=value pairs \(Self.notShown)")
        }
        options = form == .databaseName ? [("dbname", text)] : try Self.parse(text, form: form)
        // In every form (a URL's `?dbname=` and path too): libpq quotes these values whole in
        // its errors (`database "…" does not exist`, `host name "…"`), so one that carries a
        // connection string or credentials would print the password.
        if let misplaced = options.first(where: {
            Self.quotedByLibpq.contains($0.keyword) && Self.looksLikeCredentials($0.value)
        }) {
            throw PGError(
                .invalidConfiguration,
                """
                \(misplaced.keyword)= holds a connection URL, key=value pairs or user:password@host credentials; \
                give them as the connection string itself \(Self.notShown)
                """
            )
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
    static let databaseNameCharacters = Set(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.$".unicodeScalars)

    /// Where libpq ends a URL's user info: it scans for the first `@` or `/` (a `?` does not
    /// stop it, so `u:pa?ss@h` has the password `pa?ss`); the `@`'s index when there is one.
    private static func userInfoEnd(_ text: String) -> String.Index? {
        let rest = text[text.range(of: "://")!.upperBound...]
        guard let stop = rest.firstIndex(where: { $0 == "@" || $0 == "/" }), rest[stop] == "@" else { return nil }
        return stop
    }

    /// A raw `@` or `/` in a password moves the rest of it into the host, port or path, where
    /// errors quote it.
    private static func checkUserInfo(_ text: String) throws(PGError) {
        let afterScheme = text.range(of: "://")!.upperBound
        let hostStart = userInfoEnd(text).map { text.index(after: $0) } ?? afterScheme
        let beforeQuery = text[hostStart...].prefix { $0 != "?" }
        if beforeQuery.contains("@") {
            throw PGError(
                .invalidConfiguration,
                "the connection URL has a raw '@' or '/' in its user name or password; percent-encode them (%40, %2F) \(Self.notShown)"
            )
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
            return options.map {
                "\($0.keyword)=\(Self.secretKeywords.contains($0.keyword) ? "***" : Self.quoted($0.value))"
            }.joined(separator: " ")
        case .url:
            return Self.redactedURL(text)
        }
    }

    private static func quoted(_ value: String) -> String {
        guard value.isEmpty || value.contains(where: { $0 == " " || $0 == "'" || $0 == "\\" }) else { return value }
        return "'" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }

    /// Masks the user info's password (after its first `:`, up to the `@` where libpq ends
    /// it) and the value of every query parameter libpq reads as a secret, its key
    /// percent-decoded as libpq decodes it (`pass%77ord=` is `password=`).
    private static func redactedURL(_ text: String) -> String {
        let afterScheme = text.range(of: "://")!.upperBound
        var head = String(text[..<afterScheme])
        var hostStart = afterScheme
        if let at = userInfoEnd(text) {
            let userInfo = text[afterScheme..<at]
            head += userInfo.firstIndex(of: ":").map { String(userInfo[...$0]) + "***" } ?? String(userInfo)
            head += "@"
            hostStart = text.index(after: at)
        }
        let queryStart = text[hostStart...].firstIndex(of: "?") ?? text.endIndex
        head += text[hostStart..<queryStart]
        guard queryStart < text.endIndex else { return head }
        let query = text[text.index(after: queryStart)...].split(separator: "&", omittingEmptySubsequences: false).map {
            pair in
            let key = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0]
            let decoded = String(key).removingPercentEncoding ?? String(key)
            return secretKeywords.contains(decoded) ? "\(key)=***" : String(pair)
        }
        return head + "?" + query.joined(separator: "&")
    }
}
