// `flows remove` while a step or an end-of-flow wait is already running: nothing happens after it.
import EbbflowCore
import EbbflowEngine
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

extension SendFlowTests {
    /// A step already running (here waiting for its contact, locked by another connection)
    /// when `flows remove` committed once still sent and enqueued its next step. It now finds
    /// the flow gone: no send, no next step.
    @Test func aStepRunningWhenItsFlowIsRemovedDoesNothing() async throws {
        try await withContacts(["held"]) { connection, schema, day in
            _ = try await connection.withTransaction {
                try FlowStore(schema: schema).start(
                    FlowDefinition(name: "welcome", segment: "retail", template: "welcome_1"), on: $0)
            }
            try await removeWhileHeld("welcome", "held", connection, schema) { try await day(0) }
            #expect(try await sends(connection, schema, "held") == 0, "a send after the flow was removed")
            #expect(
                try await MigratedSchema.count(
                    connection, "SELECT 1 FROM \(schema.quoted).jobs WHERE kind IN ('flow_step', 'flow_wait_end')")
                    == 0,
                "a next step enqueued after the flow was removed")
        }
    }

    /// The wait after the last send, running when its flow is removed, once still made the
    /// contact `inactive` (the README says a removed flow cannot). It now leaves it as it is.
    @Test func anEndOfFlowWaitRunningWhenItsFlowIsRemovedChangesNothing() async throws {
        try await withContacts(["held"]) { connection, schema, day in
            _ = try await connection.withTransaction {
                try FlowStore(schema: schema).start(
                    FlowDefinition(name: "welcome", segment: "retail", template: "welcome_1"), on: $0)
            }
            for step in [0.0, 3, 6] { try await day(step) }
            #expect(try await sends(connection, schema, "held") == 3)
            try await removeWhileHeld("welcome", "held", connection, schema) { try await day(9) }
            let status: String = try await connection.query(
                "SELECT campaign_status::text AS s FROM \(schema.quoted).contacts"
            ).first!.decode("s")
            #expect(status == "active", "made inactive by a flow removed before its wait ended")
            #expect(
                try await MigratedSchema.count(
                    connection, "SELECT 1 FROM \(schema.quoted).transitions WHERE to_status = 'inactive'") == 0)
        }
    }

    /// Runs `work` (a worker draining the due steps) while contact `contact` is locked by another
    /// connection; once the worker waits for that lock, removes flow `flow` (committed), then
    /// releases the contact and lets the worker finish.
    func removeWhileHeld(
        _ flow: String, _ contact: String, _ connection: PGConnection, _ schema: SchemaName,
        _ work: @escaping @Sendable () async throws -> Void
    ) async throws {
        let holder = try await TestDatabase.connect()
        try await holder.simpleQuery(
            "BEGIN; SELECT 1 FROM \(schema.quoted).contacts WHERE external_id = '\(contact)' FOR UPDATE")
        let worker = Task { try await work() }
        var waiting = 0
        for _ in 0..<1_500 where waiting == 0 {
            waiting = try await MigratedSchema.count(
                connection,
                """
                SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%' || $1 || '%contacts%' AND pid <> pg_backend_pid()
                """, [schema.name])
            if waiting == 0 { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(waiting == 1, "the worker never waited for the contact's lock")
        let removed = try await connection.withTransaction { try FlowStore(schema: schema).remove(flow, on: $0) }
        #expect(removed != nil)
        try await holder.simpleQuery("COMMIT")
        try await worker.value
    }
}
