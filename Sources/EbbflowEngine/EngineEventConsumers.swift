// The engine's one wiring of what follows an applied event, in the events' own transaction.
import EbbflowCore

/// The consumers `EventApplier` runs after every applied batch, in this order. Why one list in
/// one place: a new reaction to events (delivery, webhooks) is one line here, not an edit of
/// the applier, and nothing else decides what runs in an event's transaction. The order is the
/// one the applier had inline (cancellation, then streams; both now after the applied marks,
/// which neither reads) and does not matter between these two: they cancel disjoint kinds (flow
/// and reactivation steps here, stream steps in `StreamRuntime`), so neither cancels a step the
/// other enqueues. A consumer added later that does must say where it goes and why.
/// `SuppressionConsumer` cancels every kind the two others handle, for contacts left
/// suppressed: it goes last, so a stream step the stream consumer enqueued, or a membership it
/// made, for a contact a later event of the same batch suppressed is ended too.
enum EngineEventConsumers {
    static func afterEventsApplied(schema: SchemaName) -> [any AppliedEventsConsumer] {
        [
            ContactJobCancellation(schema: schema), StreamEventConsumer(schema: schema),
            SuppressionConsumer(schema: schema),
        ]
    }
}
