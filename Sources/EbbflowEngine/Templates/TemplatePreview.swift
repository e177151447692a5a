// A template rendered for one contact as it would be sent, without a send: `templates preview`.
import EbbflowCore
import Foundation
import PostgresClient

/// Why no send and no write: a preview is a read (the API serves it on a read key), so its
/// links are not tracked (no send to record them on) and the unsubscribe URL is signed only
/// when a signing key exists already. `send.*` variables other than `template` and `version` are absent.
public enum TemplatePreviewError: Error, Sendable, Equatable, CustomStringConvertible {
    case noTemplate(String)
    case noVersion(String, Int)
    case noContact(String)
    case failed(TemplateRenderFailure)

    public var description: String {
        switch self {
        case .noTemplate(let name): "no template named \"\(name)\""
        case .noVersion(let name, let version): "template \(name) has no version \(version)"
        case .noContact(let id): "no contact with external id \"\(id)\""
        case .failed(let failure): failure.description
        }
    }
}

extension TemplateRenderer {
    /// Template `name` (at `version`, else its current one) rendered for the contact with
    /// `externalID`, as `format` (`html` or `plain`).
    public func preview(
        name: String, version: Int?, externalID: String, format: String = "html", on connection: isolated PGConnection
    ) throws -> (message: RenderedMessage, version: Int) {
        if let baseError { throw baseError }
        guard let stored = try TemplateStore(schema: schema).find(name, version: version, on: connection) else {
            if let version, try TemplateStore(schema: schema).find(name, on: connection) != nil {
                throw TemplatePreviewError.noVersion(name, version)
            }
            throw TemplatePreviewError.noTemplate(name)
        }
        guard
            let row = try connection.query(
                "SELECT id, email FROM \(schema.qualified("contacts")) WHERE external_id = $1", [externalID]
            ).rows.first
        else { throw TemplatePreviewError.noContact(externalID) }
        let contactID: Int64 = try row.decode("id")
        let compiled: CompiledTemplate
        do {
            compiled = try CompiledTemplate.compiled(
                schema: schema.name, version: stored.version, definition: stored.definition)
        } catch {
            throw TemplatePreviewError.failed(
                .init(
                    sendID: 0, template: name, version: stored.version,
                    reason: .renderFailed("the stored version does not compile: \(error)")))
        }
        var unsubscribe: String?
        if let base, let key = try LinkKeyStore(schema: schema).readCurrent(on: connection) {
            unsubscribe = base.url(
                UnsubscribeLinks.path(
                    token: LinkToken(purpose: .unsubscribe, keyID: key.id, subject: contactID).text(secret: key.secret))
            )
        }
        let send = LeasedSend(
            id: 0, contactID: contactID, externalID: externalID, email: try row.decode("email"), flow: "preview",
            step: 0, template: name, templateVersion: stored.version, channel: "email", format: format,
            variables: PGJSON("{}"), experiment: nil, variant: nil, attempt: 0, decidedAt: Date(),
            leaseToken: UUID(), leaseExpiresAt: Date())
        let contacts = try self.contacts([contactID], on: connection)
        switch Self.message(for: send, compiled: compiled, contact: contacts[contactID], unsubscribeURL: unsubscribe) {
        case .success(let message): return (message, stored.version)
        case .failure(let failure): throw TemplatePreviewError.failed(failure)
        }
    }
}
