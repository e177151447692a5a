// Why one send could not be rendered: its template or version is missing, its contact has no address, or its text failed.
import Foundation

/// A failure of one send only: the rest of its batch renders. Delivery records `description` as
/// the send's error. `retryable` says whether another attempt could succeed without anyone
/// changing the send itself (a template applied later, an email added to the contact).
public struct TemplateRenderFailure: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Reason: Error, Sendable, Equatable {
        /// No template of that name in ebbflow (the send was decided for a template rendered elsewhere).
        case templateNotDefined
        /// The send's version of the template is not stored.
        case versionMissing(Int)
        /// The contact has no email address, or one that cannot be a recipient.
        case noEmail(String)
        /// The stored text did not compile, or the rendered message broke a bound.
        case renderFailed(String)
    }

    public var sendID: Int64
    public var template: String
    public var version: Int?
    public var reason: Reason

    public init(sendID: Int64, template: String, version: Int?, reason: Reason) {
        self.sendID = sendID
        self.template = template
        self.version = version
        self.reason = reason
    }

    public var description: String {
        // A preview has no send (id 0).
        let which =
            (sendID != 0 ? "send \(sendID): " : "") + "template \(template)" + (version.map { " version \($0)" } ?? "")
        return switch reason {
        case .templateNotDefined:
            "\(which): no such template in ebbflow (define it with ebbflow templates apply)"
        case .versionMissing(let version): "\(which): version \(version) of the template is not stored"
        case .noEmail(let why): "\(which): \(why)"
        case .renderFailed(let why): "\(which): \(why)"
        }
    }

    /// Whether a later attempt may succeed: a missing template or address can be supplied; a
    /// stored version that does not render never will.
    public var retryable: Bool {
        switch reason {
        case .templateNotDefined, .noEmail: true
        case .versionMissing, .renderFailed: false
        }
    }
}
