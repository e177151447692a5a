// EBBFLOW_PUBLIC_URL: the absolute http(s) base that every signed link starts with, checked once.
import Foundation

/// Why checked strictly: every link in every email starts with it, and a mistake (a missing
/// scheme, a query string, a relative path) would only show when people click. Absolute
/// `http` or `https`, a host, no query, fragment or user info; a trailing slash is dropped, so
/// `https://mail.example.com/` and `https://mail.example.com` make the same links.
public struct PublicBaseURL: Sendable, Equatable {
    /// Without a trailing slash: `https://mail.example.com` or `https://example.com/ebbflow`.
    public let text: String

    public static let environmentVariable = "EBBFLOW_PUBLIC_URL"
    public static let maxBytes = 512

    public init(_ raw: String) throws(LinkInputError) {
        let value = raw.trimmingCharacters(in: .whitespaces)
        let name = Self.environmentVariable
        guard !value.isEmpty else { throw LinkInputError("\(name) is empty; set it to https://your.host") }
        guard value.utf8.count <= Self.maxBytes else {
            throw LinkInputError("\(name) is longer than \(Self.maxBytes) bytes")
        }
        guard let components = URLComponents(string: value), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else {
            throw LinkInputError(
                "\(name) must be an absolute http or https URL such as https://mail.example.com, got \"\(value.prefix(80))\""
            )
        }
        guard components.query == nil, components.fragment == nil, components.user == nil,
            components.password == nil, !value.contains("?"), !value.contains("#")
        else {
            throw LinkInputError("\(name) must have no query, fragment or user info: links add their own path")
        }
        var text = value
        while text.hasSuffix("/") { text.removeLast() }
        self.text = text
    }

    /// From the environment; a clear error when it is unset or not such a URL.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(LinkInputError) -> PublicBaseURL
    {
        guard let value = environment[environmentVariable] else {
            throw LinkInputError(
                "\(environmentVariable) is not set: set it to the public address of `ebbflow serve`, such as https://mail.example.com"
            )
        }
        return try PublicBaseURL(value)
    }

    /// The base followed by `path` (which starts with "/").
    public func url(_ path: String) -> String { text + path }
}

/// A link setting or argument that cannot be used, in words for the operator.
public struct LinkInputError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
