// What the `deliver` handler hands messages to: SMTP or the team's webhook, one per process.
import EbbflowEngine
import EbbflowMail

/// One message of a chunk, with the send it delivers.
public struct DeliveryItem: Sendable {
    public var send: LeasedSend
    public var message: MailMessage

    public init(send: LeasedSend, message: MailMessage) {
        self.send = send
        self.message = message
    }
}

/// Why a protocol: the handler's lease, render and finish steps are the same for both ways
/// out; only the submission and how its answers map to outcomes differ. A transport never
/// throws: each message gets an outcome (a lost connection is a transient outcome for every
/// message it did not settle), so one bad message cannot fail its chunk's others.
public protocol DeliveryTransport: Sendable {
    /// The `transport` label of the delivery metrics (`smtp`, `webhook`).
    var name: String { get }
    /// One outcome per item, in order.
    func submit(_ items: [DeliveryItem]) async -> [DeliveryOutcome]
    /// Closes connections at shutdown.
    func close() async
}
