// Bulk job actions: fixed to the confirmed highest id, at most 10,000 a call in batches, skipping jobs that changed state.
import EbbflowCore
import EbbflowOperations
import EbbflowQueue
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct JobBulkOperationsTests {
    /// Finished jobs `first...last` in `state`, kind `k`, queue `q`, finished in id order.
    static func finished(
        _ state: String, _ first: Int, _ last: Int, kind: String = "k", schema: SchemaName, on connection: PGConnection
    ) async throws {
        try await connection.execute(
            """
            INSERT INTO \(schema.quoted).finished_jobs (id, state, queue, kind, args, priority, run_at, attempt, max_attempts,
                                                         errors, created_at, finished_at)
            SELECT g, $1::text::\(schema.quoted).job_state, 'q', $4, '{}', 0, now(), 1, 1, '[]', now(),
                   timestamptz '2026-01-01' + g * interval '1 second'
            FROM generate_series($2::int8, $3::int8) g
            """, [state, first, last, kind])
        // Later enqueues must not reuse these ids.
        try await connection.execute(
            "SELECT setval(pg_get_serial_sequence('\(schema.quoted).jobs', 'id'), $1::int8)", [last + 1_000_000])
    }

    static func count(_ connection: PGConnection, _ schema: SchemaName, _ table: String, _ condition: String)
        async throws
        -> Int
    {
        try await MigratedSchema.count(connection, "SELECT 1 FROM \(schema.quoted).\(table) WHERE \(condition)")
    }

    @Test func retryOfDiscardedJobsStopsAtTheConfirmedIDAndGoesInBatches() async throws {
        try await MigratedSchema.with { connection, schema in
            try await Self.finished("discarded", 1, 30, schema: schema, on: connection)
            let operations = JobBulkOperations(schema: schema)
            let filter = try JobBulkOperations.filter(state: "discarded", queue: "q", kind: "")
            let confirmation = try await operations.confirmation(.retry, filter, on: connection)
            #expect(confirmation.maxID == 30 && confirmation.count == CappedCount(value: 30, capped: false))
            // Confirmed up to id 25: 26…30 arrive "later" and are left alone.
            let first = try await operations.perform(
                .retry, matching: filter, maxID: 25, limit: 10, batchSize: 4, on: connection)
            #expect(first.chosen == 10 && first.done == 10 && first.skipped == 0)
            #expect(first.hasMore && first.remaining == CappedCount(value: 15, capped: false))
            let second = try await operations.perform(.retry, matching: filter, maxID: 25, on: connection)
            #expect(second.done == 15 && !second.hasMore && second.remaining.value == 0)
            #expect(try await Self.count(connection, schema, "jobs", "state = 'available'") == 25)
            #expect(try await Self.count(connection, schema, "finished_jobs", "state = 'discarded'") == 5)
            #expect(try await Self.count(connection, schema, "finished_jobs", "state = 'discarded' AND id > 25") == 5)
            // Newest first: the first call took 25…16.
            #expect(try await Self.count(connection, schema, "jobs", "id BETWEEN 16 AND 25 AND max_attempts = 2") == 10)
        }
    }

    /// A call stops at 10,000 jobs and says how many remain.
    @Test func oneCallTakesAtMostTenThousand() async throws {
        try await MigratedSchema.with { connection, schema in
            try await Self.finished("completed", 1, 10_050, schema: schema, on: connection)
            let operations = JobBulkOperations(schema: schema)
            let filter = try JobBulkOperations.filter(state: "completed", queue: nil, kind: nil)
            let confirmation = try await operations.confirmation(.delete, filter, on: connection)
            #expect(confirmation.count == CappedCount(value: 10_000, capped: true))
            let result = try await operations.perform(
                .delete, matching: filter, maxID: confirmation.maxID, on: connection)
            #expect(result.chosen == 10_000 && result.done == 10_000)
            #expect(result.hasMore && result.remaining == CappedCount(value: 50, capped: false))
            #expect(try await Self.count(connection, schema, "finished_jobs", "true") == 50)
        }
    }

    /// Jobs chosen by a batch that a worker claimed (or that otherwise moved) are skipped and
    /// counted; the others are acted on.
    @Test func jobsThatChangedStateAreSkippedAndCounted() async throws {
        try await MigratedSchema.with { connection, schema in
            let store = JobStore(schema: schema)
            let ids = try await connection.withTransaction { connection in
                try (0..<6).map { _ in try store.enqueue(NewJob(kind: "noop", queue: "q"), on: connection).id }
            }
            // Chosen while available; then a worker claims two of them.
            let claimed = try await connection.run {
                try store.claim(queues: ["q"], limit: 2, worker: "w-1", leaseSeconds: 60, metered: false, on: $0)
            }
            let cancelled = try await connection.withTransaction {
                try store.apply(.cancel, to: ids, in: .available, on: $0)
            }
            #expect(Set(cancelled) == Set(ids).subtracting(claimed.rows.map(\.id)))
            #expect(try await Self.count(connection, schema, "jobs", "state = 'running'") == 2)
            // Through a batch: a row locked by another transaction is skipped, not waited for.
            try await Self.finished("discarded", 100, 103, schema: schema, on: connection)
            let locker = try await TestDatabase.connect()
            try await locker.simpleQuery("BEGIN")
            try await locker.execute("SELECT 1 FROM \(schema.quoted).finished_jobs WHERE id = 101 FOR UPDATE")
            let batch = try await connection.withTransaction {
                try store.bulkBatch(.delete, try JobFilter(tab: .discarded), maxID: 1_000, on: $0)
            }
            try await locker.simpleQuery("ROLLBACK")
            await locker.close()
            #expect(batch.chosen == 4 && batch.done == 3 && batch.skipped == 1)
            #expect(try await Self.count(connection, schema, "finished_jobs", "state = 'discarded'") == 1)
        }
    }

    /// Scheduled and retryable jobs retried become available now and wake their queue.
    @Test func retryOfScheduledJobsMakesThemAvailableAndNotifies() async throws {
        try await MigratedSchema.with { connection, schema in
            let store = JobStore(schema: schema)
            let ids = try await connection.withTransaction { connection in
                try (0..<3).map { _ in
                    try store.enqueue(NewJob(kind: "noop", queue: "later", delay: 3_600), on: connection).id
                }
            }
            let listener = try await TestDatabase.connect()
            try await listener.listen("\(schema.name)_jobs")
            let operations = JobBulkOperations(schema: schema)
            let result = try await operations.perform(
                .retry, matching: try JobBulkOperations.filter(state: "scheduled", queue: "later", kind: "noop"),
                maxID: ids.max()!, on: connection)
            #expect(result.done == 3 && !result.hasMore)
            var woken: [String] = []
            while woken.isEmpty { // a hang guard only: the notification was sent at commit
                woken += try await listener.waitForNotifications(timeout: .seconds(600)).map(\.payload)
            }
            #expect(woken == ["later"])
            await listener.close()
            #expect(try await Self.count(connection, schema, "jobs", "state = 'available' AND run_at <= now()") == 3)
        }
    }

    @Test func oneJobActionsUseJobOperationsMessages() async throws {
        try await MigratedSchema.with { connection, schema in
            let store = JobStore(schema: schema)
            let id = try await connection.run { try store.enqueue(NewJob(kind: "noop", queue: "q"), on: $0).id }
            let operations = JobBulkOperations(schema: schema)
            await #expect(throws: OperationError.conflict("job \(id) is available; cannot retry it")) {
                try await operations.perform(.retry, id: id, on: connection)
            }
            try await operations.perform(.cancel, id: id, on: connection)
            #expect(try await Self.count(connection, schema, "finished_jobs", "state = 'cancelled'") == 1)
            try await operations.perform(.retry, id: id, on: connection)
            try await connection.run {
                _ = try store.claim(queues: ["q"], limit: 1, worker: "w", leaseSeconds: 60, metered: false, on: $0)
            }
            await #expect(throws: OperationError.conflict("job \(id) is running; cannot delete it")) {
                try await operations.perform(.delete, id: id, on: connection)
            }
            await #expect(throws: OperationError.notFound("no job with id 999999")) {
                try await operations.perform(.delete, id: 999_999, on: connection)
            }
        }
    }

    @Test func badInputIsRefusedNamingTheField() throws {
        #expect(
            throws: OperationError.invalid(
                "state must be one of running, available, scheduled, retryable, completed, discarded, cancelled; got done",
                field: "state")
        ) {
            _ = try JobBulkOperations.filter(state: "done", queue: nil, kind: nil)
        }
        #expect(throws: OperationError.self) {
            _ = try JobBulkOperations.filter(state: "completed", queue: " q", kind: nil)
        }
        #expect((try? JobBulkOperations.filter(state: "completed", queue: "a,b", kind: nil)) == nil)
        do {
            _ = try JobBulkOperations.filter(state: "completed", queue: nil, kind: String(repeating: "k", count: 300))
            Issue.record("an overlong kind was accepted")
        } catch { #expect(error.field == "kind") }
        do {
            _ = try JobBulkOperations.cursor("bm90IG1pbmU", tab: .completed)
            Issue.record("a foreign cursor was accepted")
        } catch { #expect(error.field == "cursor") }
        #expect(try JobBulkOperations.cursor("", tab: .completed) == nil)
        #expect(throws: OperationError.invalid("max_id \"0\" is not a positive whole number", field: "max_id")) {
            _ = try JobBulkOperations.maxID("0")
        }
        #expect(throws: OperationError.self) { _ = try JobBulkOperations.action("purge") }
        #expect(throws: OperationError.self) { try JobBulkOperations.check(.cancel, .completed) }
        #expect(throws: OperationError.self) { try JobBulkOperations.check(.retry, .running) }
    }
}
