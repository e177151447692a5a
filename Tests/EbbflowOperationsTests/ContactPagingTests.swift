// Keyset pages of contacts: every contact once, in external id order, filters kept, bad cursors refused.
import EbbflowCore
import EbbflowEngine
import EbbflowOperations
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct ContactPagingTests {
    /// `count` contacts c000, c001, … in `segment`.
    static func contacts(_ count: Int, segment: String = "retail", schema: SchemaName, on database: PGConnection)
        async throws
    {
        let store = EventStore(schema: schema)
        try await database.withTransaction { connection in
            let now = try DatabaseClock(schema: schema).now(on: connection)
            for index in 0..<count {
                try store.upsertContact(
                    externalID: String(format: "c%03d", index), email: nil, segment: segment, now: now, on: connection)
            }
        }
    }

    @Test func pagesWalkEveryContactOnceInOrder() async throws {
        try await MigratedSchema.with { database, schema in
            try await Self.contacts(25, schema: schema, on: database)
            let operations = ContactOperations(schema: schema)
            var seen: [String] = [], cursor: String? = nil, pages = 0
            repeat {
                let page = try await operations.list(
                    status: nil, segment: nil, cursor: cursor, limit: 10, on: database)
                #expect(page.items.count == page.rows.count)
                seen += page.items.compactMap { $0["external_id"]?.stringValue }
                cursor = page.nextCursor
                pages += 1
                #expect(page.document["next_cursor"] == (cursor.map { JSONDocument.string($0) } ?? .null))
                #expect(page.document["contacts"]?.arrayValue?.count == page.items.count)
            } while cursor != nil && pages < 10
            #expect(pages == 3)
            #expect(seen == (0..<25).map { String(format: "c%03d", $0) })
        }
    }

    @Test func aFullLastPageSaysThereIsNoNext() async throws {
        try await MigratedSchema.with { database, schema in
            try await Self.contacts(20, schema: schema, on: database)
            let operations = ContactOperations(schema: schema)
            let first = try await operations.list(status: nil, segment: nil, limit: 10, on: database)
            let second = try await operations.list(
                status: nil, segment: nil, cursor: first.nextCursor, limit: 10, on: database)
            #expect(first.nextCursor != nil)
            #expect(second.rows.count == 10)
            #expect(second.nextCursor == nil)
            // The default page is 100: all twenty, no next.
            let all = try await operations.list(status: nil, segment: nil, on: database)
            #expect(all.rows.count == 20 && all.nextCursor == nil)
        }
    }

    @Test func filtersHoldAcrossPages() async throws {
        try await MigratedSchema.with { database, schema in
            try await Self.contacts(6, segment: "retail", schema: schema, on: database)
            try await database.execute(
                "UPDATE \(schema.quoted).contacts SET campaign_status = 'engaged' WHERE external_id IN ('c001', 'c003', 'c005')"
            )
            let operations = ContactOperations(schema: schema)
            let first = try await operations.list(status: "engaged", segment: "retail", limit: 2, on: database)
            let second = try await operations.list(
                status: "engaged", segment: "retail", cursor: first.nextCursor, limit: 2, on: database)
            #expect(first.rows.map(\.externalID) == ["c001", "c003"])
            #expect(second.rows.map(\.externalID) == ["c005"])
            #expect(second.items.first?["campaign_status"] == "engaged")
            #expect(try await operations.list(status: nil, segment: "b2b", on: database).rows.isEmpty)
        }
    }

    @Test func badInputIsRefusedNamingItsField() async throws {
        try await MigratedSchema.with { database, schema in
            try await Self.contacts(3, schema: schema, on: database)
            let operations = ContactOperations(schema: schema)
            for cursor in ["", "!!!", "not-a-cursor", "Yzo", String(repeating: "A", count: 5_000)] {
                await #expect {
                    _ = try await operations.list(status: nil, segment: nil, cursor: cursor, on: database)
                } throws: { ($0 as? OperationError)?.field == "cursor" }
            }
            // A jobs cursor is not a contacts cursor.
            let jobs = try await JobOperations(schema: schema).list(state: nil, queue: nil, kind: nil, on: database)
            #expect(jobs.nextCursor == nil)
            await #expect {
                _ = try await operations.list(status: nil, segment: nil, cursor: "ajox", on: database)
            } throws: { ($0 as? OperationError)?.field == "cursor" }
            await #expect {
                _ = try await operations.list(status: "gone", segment: nil, on: database)
            } throws: { ($0 as? OperationError)?.field == "status" }
            await #expect {
                _ = try await operations.list(status: nil, segment: nil, limit: 0, on: database)
            } throws: { ($0 as? OperationError)?.field == "limit" }
        }
    }

    @Test func showFindsOrSaysNotFound() async throws {
        try await MigratedSchema.with { database, schema in
            try await Self.contacts(1, schema: schema, on: database)
            let operations = ContactOperations(schema: schema)
            let shown = try await operations.show(externalID: "c000", on: database)
            #expect(shown.document["external_id"] == "c000")
            #expect(shown.document["attributes"] == .object([:]))
            #expect(shown.document["stream"] == .null)
            await #expect(throws: OperationError.notFound("no contact with external id \"nobody\"")) {
                _ = try await operations.show(externalID: "nobody", on: database)
            }
        }
    }
}
