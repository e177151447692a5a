// Jobs through the operations: keyset pages over unfinished and finished jobs, show, retry and cancel of one job.
import EbbflowCore
import EbbflowOperations
import EbbflowQueue
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct JobOperationsTests {
    /// Enqueues `count` noop jobs; returns their ids, oldest first.
    static func enqueue(_ count: Int, kind: String = "noop", schema: SchemaName, on database: PGConnection) async throws
        -> [Int64]
    {
        let store = JobStore(schema: schema)
        return try await database.withTransaction { connection in
            try (0..<count).map { _ in try store.enqueue(NewJob(kind: kind), on: connection).id }
        }
    }

    @Test func pagesCoverUnfinishedAndFinishedJobsNewestFirst() async throws {
        try await MigratedSchema.with { database, schema in
            let ids = try await Self.enqueue(25, schema: schema, on: database)
            let operations = JobOperations(schema: schema)
            // Every third job cancelled: it moves to finished_jobs and keeps its id.
            for id in ids.enumerated().filter({ $0.offset % 3 == 0 }).map(\.element) {
                try await operations.cancel(id: id, on: database)
            }
            var seen: [Int64] = [], cursor: String? = nil, pages = 0
            repeat {
                let page = try await operations.list(
                    state: nil, queue: nil, kind: nil, cursor: cursor, limit: 10, on: database)
                seen += page.items.compactMap { $0["id"]?.integerValue }
                cursor = page.nextCursor
                pages += 1
            } while cursor != nil && pages < 10
            #expect(pages == 3)
            #expect(seen == ids.reversed())
            let cancelled = try await operations.list(state: "cancelled", queue: nil, kind: nil, limit: 5, on: database)
            #expect(cancelled.rows.count == 5 && cancelled.nextCursor != nil)
            let rest = try await operations.list(
                state: "cancelled", queue: nil, kind: nil, cursor: cancelled.nextCursor, limit: 5, on: database)
            #expect(rest.rows.count == 4 && rest.nextCursor == nil)
            #expect(rest.document["jobs"]?.arrayValue?.count == 4)
            #expect(rest.document["next_cursor"] == .null)
        }
    }

    @Test func badCursorsAndStatesAreRefused() async throws {
        try await MigratedSchema.with { database, schema in
            let operations = JobOperations(schema: schema)
            // "j:x", "c:5" (a contacts cursor), "j:-1", garbage.
            for cursor in ["ajp4", "Yzo1", "ajotMQ", "%%%"] {
                await #expect {
                    _ = try await operations.list(state: nil, queue: nil, kind: nil, cursor: cursor, on: database)
                } throws: { ($0 as? OperationError)?.field == "cursor" }
            }
            await #expect(
                throws: OperationError.invalid(
                    "--state must be one of scheduled, available, running, retryable, completed, discarded, cancelled; got done",
                    field: "state")
            ) { _ = try await operations.list(state: "done", queue: nil, kind: nil, on: database) }
        }
    }

    @Test func showRetryAndCancelOfOneJob() async throws {
        try await MigratedSchema.with { database, schema in
            let id = try await Self.enqueue(1, schema: schema, on: database)[0]
            let operations = JobOperations(schema: schema)
            let shown = try await operations.show(id: id, on: database)
            #expect(shown.document["state"] == "available")
            #expect(shown.document["args"] == .object([:]))
            await #expect(throws: OperationError.notFound("no job with id 999999")) {
                _ = try await operations.show(id: 999_999, on: database)
            }
            await #expect(throws: OperationError.conflict("job \(id) is available; cannot retry it")) {
                try await operations.retry(id: id, on: database)
            }
            #expect(try await operations.cancel(id: id, on: database).message == "cancelled job \(id)")
            await #expect(throws: OperationError.conflict("job \(id) is cancelled; cannot cancel it")) {
                try await operations.cancel(id: id, on: database)
            }
            await #expect(throws: OperationError.notFound("no job with id 999999")) {
                try await operations.cancel(id: 999_999, on: database)
            }
            let retried = try await operations.retry(id: id, on: database)
            #expect(retried.message == "requeued 1 job(s)")
            #expect(retried.document["message"] == "requeued 1 job(s)")
            #expect(try await operations.show(id: id, on: database).document["state"] == "available")
        }
    }

    @Test func retryRefusesAJobWhoseUniqueKeyIsHeld() async throws {
        try await MigratedSchema.with { database, schema in
            let store = JobStore(schema: schema)
            let operations = JobOperations(schema: schema)
            let first = try await database.withTransaction {
                try store.enqueue(NewJob(kind: "noop", uniqueKey: "k"), on: $0).id
            }
            try await operations.cancel(id: first, on: database)
            let holder = try await database.withTransaction {
                try store.enqueue(NewJob(kind: "noop", uniqueKey: "k"), on: $0).id
            }
            await #expect(
                throws: OperationError.conflict(
                    "job \(first) was not retried: its unique key \"k\" is held by unfinished job \(holder)")
            ) { try await operations.retry(id: first, on: database) }
        }
    }
}
