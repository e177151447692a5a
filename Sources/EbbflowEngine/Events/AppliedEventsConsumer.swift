// What reacts to applied events in their own transaction: one protocol, so the applier names none of them.
import EbbflowCore
import Foundation
import PostgresClient

/// A batch of events the applier has just applied, as its consumers see it.
public struct AppliedEventBatch: Sendable {
    /// What each applied event did, in the order applied.
    public var applied: [AppliedEvent]
    /// The same events as stream decision points (kind, segment, status after, time).
    var points: [StreamEventPoint]
    /// The database clock of the transaction.
    public var now: Date
}

/// Work that must happen in the events' own transaction once they are applied. Why a protocol
/// and a list: the applier keeps one job, the rule of an event; whatever follows from an applied
/// event (pending jobs that no longer apply, stream entries and exits, and later deliveries and
/// webhooks) is a consumer wired once in `EngineEventConsumers`, so adding one touches no applier
/// code, and each commits or rolls back with the events it reacts to.
public protocol AppliedEventsConsumer: Sendable {
    /// Called once per applied batch (never for an empty one), after the contacts, transitions
    /// and applied marks are written, on the applier's connection and transaction.
    func eventsApplied(_ batch: AppliedEventBatch, on connection: isolated PGConnection) throws
}
