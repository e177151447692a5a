// One event an email provider reported (SendGrid, Mailgun, Postmark, SES), in ebbflow's words, before it is matched to a contact.
import Foundation

/// What every provider webhook turns its payload into after its signature is verified. Why one
/// type: the four providers differ in how they sign and name things, not in what an event is,
/// so matching (send id, else email address, else kept as unmatched), recording and applying
/// are written once (`ProviderEventRecorder`) and each webhook only translates.
public struct ProviderEvent: Sendable, Equatable {
    /// The provider, lower case (`sendgrid`, `mailgun`, `postmark`, `ses`): the event's source.
    public var provider: String
    /// The provider's own id of this event (`sg_event_id`, Mailgun's event id, ...): a repeat
    /// delivery of the same id is stored once.
    public var providerEventID: String
    /// An ebbflow event kind: `open`, `click`, `bounce`, `complaint`, `unsubscribe`,
    /// `resubscribe` or `delivered`.
    public var kind: String
    /// When the provider says it happened; nil means when it was received.
    public var occurredAt: Date?
    /// ebbflow's send id, when the message carried it (a header or the provider's custom
    /// arguments): the surest way to the contact.
    public var sendID: Int64?
    /// The recipient's address, used when no send id came with the event.
    public var email: String?
    /// An open the provider flags as made by a machine (SendGrid's `sg_machine_open`, Apple Mail
    /// Privacy Protection): kept and scored 0.
    public var machineOpen: Bool
    /// A click the provider flags as made by a bot or link scanner: kept and scored 0.
    public var bot: Bool
    /// The clicked URL, for a click.
    public var url: String?
    /// What else the engine needs, as JSON text of an object: for a bounce `{"type": "hard"}` or
    /// `{"type": "soft"}`, and the provider's words (`reason`, `provider_type`) for the record.
    public var properties: String

    public init(
        provider: String, providerEventID: String, kind: String, occurredAt: Date? = nil, sendID: Int64? = nil,
        email: String? = nil, machineOpen: Bool = false, bot: Bool = false, url: String? = nil,
        properties: String = "{}"
    ) {
        self.provider = provider
        self.providerEventID = providerEventID
        self.kind = kind
        self.occurredAt = occurredAt
        self.sendID = sendID
        self.email = email
        self.machineOpen = machineOpen
        self.bot = bot
        self.url = url
        self.properties = properties
    }
}
