// A send under a consumer's lease: what delivery needs to render and address it, and the token to finish it with.
import Foundation
import PostgresClient

/// A send a consumer holds until `leaseExpiresAt`: ebbflow's own delivery (`deliver` jobs) or a
/// team's sender (`sends lease`). Finishing it (sent, failed) names the lease token, so a holder
/// whose lease lapsed and was taken by another cannot finish the other's attempt.
public struct LeasedSend: Sendable, Equatable {
    public var id: Int64
    public var contactID: Int64
    public var externalID: String
    public var email: String?
    public var flow: String
    public var step: Int
    public var template: String
    /// The template version the send was decided with (nil: not a template ebbflow holds).
    public var templateVersion: Int?
    public var channel: String
    /// `html` (multipart/alternative with the text part) or `plain` (text only).
    public var format: String
    /// What the deciding code left for the template (for reactivation emails, the last activity).
    public var variables: PGJSON
    public var experiment: String?
    public var variant: String?
    /// This attempt, from 1.
    public var attempt: Int
    /// When the send was decided (`sends.at`).
    public var decidedAt: Date
    public var leaseToken: UUID
    public var leaseExpiresAt: Date

    public init(
        id: Int64, contactID: Int64, externalID: String, email: String?, flow: String, step: Int, template: String,
        templateVersion: Int?, channel: String, format: String, variables: PGJSON, experiment: String?,
        variant: String?, attempt: Int, decidedAt: Date, leaseToken: UUID, leaseExpiresAt: Date
    ) {
        self.id = id
        self.contactID = contactID
        self.externalID = externalID
        self.email = email
        self.flow = flow
        self.step = step
        self.template = template
        self.templateVersion = templateVersion
        self.channel = channel
        self.format = format
        self.variables = variables
        self.experiment = experiment
        self.variant = variant
        self.attempt = attempt
        self.decidedAt = decidedAt
        self.leaseToken = leaseToken
        self.leaseExpiresAt = leaseExpiresAt
    }
}
