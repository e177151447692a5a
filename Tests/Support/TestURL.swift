// A test database URL taken apart into scheme, user info, host, database and query, and put back together.
import Foundation

/// A `postgresql://` URL split into its parts, so a test can change one part (the database, the
/// user and password) without touching the others.
///
/// Why: tests once made a bad URL by replacing the word `ebbflow` in the whole string, which
/// also rewrote the socket path (`?host=/home/me/ebbflow/.ebbflow/...`) when the repository was
/// cloned into a folder named `ebbflow`, and the tests failed for a newcomer.
public struct TestURL: Sendable, Equatable, CustomStringConvertible {
    public var scheme: String
    /// `user` or `user:password`, percent-encoded as in the URL; empty when absent.
    public var userInfo: String
    /// `host`, `host:port`, or empty (a Unix socket given in the query).
    public var hostPort: String
    public var database: String
    /// Everything after `?`, untouched; empty when absent.
    public var query: String

    public init?(_ text: String) {
        guard let schemeEnd = text.range(of: "://") else { return nil }
        scheme = String(text[..<schemeEnd.lowerBound])
        var rest = text[schemeEnd.upperBound...]
        if let questionMark = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: questionMark)...])
            rest = rest[..<questionMark]
        } else {
            query = ""
        }
        let authority = rest.prefix { $0 != "/" }
        database = rest.count > authority.count ? String(rest.dropFirst(authority.count + 1)) : ""
        if let at = authority.lastIndex(of: "@") {
            userInfo = String(authority[..<at])
            hostPort = String(authority[authority.index(after: at)...])
        } else {
            userInfo = ""
            hostPort = String(authority)
        }
    }

    public var description: String {
        let credentials = userInfo.isEmpty ? "" : userInfo + "@"
        return "\(scheme)://\(credentials)\(hostPort)/\(database)" + (query.isEmpty ? "" : "?\(query)")
    }

    /// The same URL for another database.
    public func with(database: String) -> TestURL {
        var copy = self
        copy.database = database
        return copy
    }

    /// The same URL as another user with a password (both percent-encoded here).
    public func with(user: String, password: String) -> TestURL {
        var copy = self
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        copy.userInfo =
            (user.addingPercentEncoding(withAllowedCharacters: allowed) ?? user) + ":"
            + (password.addingPercentEncoding(withAllowedCharacters: allowed) ?? password)
        return copy
    }
}

extension TestDatabase {
    /// `DATABASE_URL` in parts.
    public static var parts: TestURL {
        get throws {
            let url = try url
            guard let parts = TestURL(url) else {
                throw TestURLError(reason: "DATABASE_URL is not a postgresql:// URL")
            }
            return parts
        }
    }
}

public struct TestURLError: Error, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}
