// The `deliver` job's args: the leased send as the dispatcher leased it, and the lease token to finish it with.
import EbbflowEngine
import Foundation
import PostgresClient

/// Why the whole leased send and not just its id: the handler renders from it without reading
/// the send again, and the token makes a job whose lease lapsed (and was leased again by
/// another) skip its send instead of mailing it a second time.
public struct DeliverArgs: Codable, Sendable, Equatable {
    public var send: Int64
    public var token: UUID
    var contact: Int64
    var externalID: String
    var email: String?
    var flow: String
    var step: Int
    var template: String
    var templateVersion: Int?
    var channel: String
    var format: String
    /// The send's variables as JSON text.
    var variables: String
    var experiment: String?
    var variant: String?
    var attempt: Int
    var decidedAt: Date
    var leaseExpiresAt: Date

    enum CodingKeys: String, CodingKey {
        case send, token, contact, email, flow, step, template, channel, format, variables, experiment, variant, attempt
        case externalID = "external_id"
        case templateVersion = "template_version"
        case decidedAt = "decided_at"
        case leaseExpiresAt = "lease_expires_at"
    }

    public init(_ leased: LeasedSend) {
        send = leased.id
        token = leased.leaseToken
        contact = leased.contactID
        externalID = leased.externalID
        email = leased.email
        flow = leased.flow
        step = leased.step
        template = leased.template
        templateVersion = leased.templateVersion
        channel = leased.channel
        format = leased.format
        variables = leased.variables.text
        experiment = leased.experiment
        variant = leased.variant
        attempt = leased.attempt
        decidedAt = leased.decidedAt
        leaseExpiresAt = leased.leaseExpiresAt
    }

    public var leased: LeasedSend {
        LeasedSend(
            id: send, contactID: contact, externalID: externalID, email: email, flow: flow, step: step,
            template: template, templateVersion: templateVersion, channel: channel, format: format,
            variables: PGJSON(variables), experiment: experiment, variant: variant, attempt: attempt,
            decidedAt: decidedAt, leaseToken: token, leaseExpiresAt: leaseExpiresAt)
    }

    /// The args as the jsonb of a job: dates in ISO 8601 to the second, as the queue decodes them.
    public func json() throws -> PGJSON { try PGJSON(encoding: self) }
}
