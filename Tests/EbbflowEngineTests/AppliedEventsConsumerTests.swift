// What follows an applied event is a list of consumers, run once per batch in the events' own transaction.
import EbbflowCore
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@testable import EbbflowEngine

/// Leaves the batch's size in a transaction-local setting, so the test sees it only from
/// inside the applier's transaction.
private struct RecordingConsumer: AppliedEventsConsumer {
    func eventsApplied(_ batch: AppliedEventBatch, on connection: isolated PGConnection) throws {
        let seen =
            Int(
                try connection.query("SELECT current_setting('ebbflow_test.seen', true) AS v").first!.decode(
                    "v", as: String?.self) ?? "") ?? 0
        try connection.execute("SELECT set_config('ebbflow_test.seen', $1, true)", ["\(seen + batch.applied.count)"])
    }
}

@Suite struct AppliedEventsConsumerTests {
    /// The engine wires job cancellation, then streams, then the suppressed contacts' cleanup
    /// (last: it ends what the streams may just have started); the applier names none.
    @Test func theEngineWiresCancellationThenStreamsThenSuppression() throws {
        let consumers = EngineEventConsumers.afterEventsApplied(schema: try SchemaName("s"))
        #expect(consumers.count == 3)
        #expect(consumers.first is ContactJobCancellation)
        #expect(consumers[1] is StreamEventConsumer)
        #expect(consumers.last is SuppressionConsumer)
    }

    /// A consumer added to the list runs once per applied batch, in the applier's transaction,
    /// and not at all for a batch with nothing applied.
    @Test func anAddedConsumerRunsInTheEventsTransaction() async throws {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            let store = EventStore(schema: schema)
            let applier = EventApplier(
                schema: schema,
                consumers: EngineEventConsumers.afterEventsApplied(schema: schema) + [RecordingConsumer()])
            let policies = try await connection.run { try PolicyStore(schema: schema).load(on: $0) }
            let seen: [String?] = try await connection.withTransaction { connection in
                let now = try store.now(on: connection)
                try store.upsertContact(externalID: "c", email: nil, segment: "retail", now: now, on: connection)
                let events = (0..<3).map {
                    IncomingEvent(externalID: "c", kind: "open", occurredAt: now, providerEventID: "e\($0)")
                }
                let ids = try store.record(events, now: now, on: connection).map(\.id)
                try applier.apply(eventIDs: ids, policies: policies, now: now, on: connection)
                let first: String? = try connection.query("SELECT current_setting('ebbflow_test.seen', true) AS v")
                    .first!.decode("v")
                // applied already: no batch
                try applier.apply(eventIDs: ids, policies: policies, now: now, on: connection)
                let second: String? = try connection.query("SELECT current_setting('ebbflow_test.seen', true) AS v")
                    .first!.decode("v")
                return [first, second]
            }
            #expect(seen == ["3", "3"])
        }
    }
}
