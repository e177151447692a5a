// Stream entries and exits decided at each applied event, in the events' own transaction.
import EbbflowCore
import Foundation
import PostgresClient

/// Hands the applied events to `StreamRuntime` as decision points (see StreamRuntime.swift).
struct StreamEventConsumer: AppliedEventsConsumer {
    let schema: SchemaName

    func eventsApplied(_ batch: AppliedEventBatch, on connection: isolated PGConnection) throws {
        try StreamRuntime(schema: schema).decide(at: batch.points, now: batch.now, on: connection)
    }
}
