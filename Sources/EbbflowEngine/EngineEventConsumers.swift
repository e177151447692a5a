// The engine's one wiring of what follows an applied event, in the events' own transaction.
import EbbflowCore

/// The consumers `EventApplier` runs after every applied batch, in this order. Why one list in
/// one place: a new reaction to events (delivery, webhooks) is one line here, not an edit of
/// the applier, and nothing else decides what runs in an event's transaction.
enum EngineEventConsumers {
    static func afterEventsApplied(schema: SchemaName) -> [any AppliedEventsConsumer] {
        [ContactJobCancellation(schema: schema), StreamEventConsumer(schema: schema)]
    }
}
