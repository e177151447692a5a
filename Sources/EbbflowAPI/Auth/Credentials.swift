// Reads the key a request presents: `Authorization: Bearer KEY`, or Segment's HTTP Basic with the key as user name.
import Foundation
import Hummingbird

/// Why two forms: ebbflow's own clients send a bearer token; Segment's libraries and
/// pipelines (RudderStack too) send their write key as the Basic user name with an empty
/// password, and the ingest routes must take them unchanged. Anything else is no key at all.
enum Credentials {
    /// The longest Authorization header read: a key is 60 bytes; Basic adds little.
    static let maxHeaderBytes = 512

    /// The presented key's text, or nil when the request carries none in a form this route takes.
    static func key(in request: Request, acceptsBasic: Bool) -> Substring? {
        guard let header = request.headers[.authorization], header.utf8.count <= maxHeaderBytes else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2 else { return nil }
        let scheme = parts[0].lowercased()
        let value = parts[1].trimmingCharacters(in: .whitespaces)
        if scheme == "bearer" { return Substring(value) }
        guard acceptsBasic, scheme == "basic", let data = Data(base64Encoded: value),
            let pair = String(data: data, encoding: .utf8), let colon = pair.firstIndex(of: ":")
        else { return nil }
        // Segment sends the write key as the user name and nothing as the password; a password
        // means someone meant another scheme, and is refused rather than ignored.
        guard pair[pair.index(after: colon)...].isEmpty else { return nil }
        return pair[..<colon]
    }
}
