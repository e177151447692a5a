// The Jobs tabs' keyset pages: every row once across pages (ties included), bounded scans that continue, cursors that round-trip.
import EbbflowCore
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@testable import EbbflowQueue

@Suite struct JobBrowseTests {
    /// Finished jobs `first...last` in `state`, queues a/b alternating, kinds k0…k2, their
    /// finished_at on only five distinct minutes (many ties).
    static func finished(_ state: String, _ first: Int, _ last: Int, schema: SchemaName, on connection: PGConnection)
        async throws
    {
        try await connection.execute(
            """
            INSERT INTO \(schema.quoted).finished_jobs (id, state, queue, kind, args, priority, run_at, attempt, max_attempts,
                                                         errors, created_at, finished_at)
            SELECT g, $1::text::\(schema.quoted).job_state, CASE WHEN g % 2 = 0 THEN 'a' ELSE 'b' END, 'k' || (g % 3), '{}', 0,
                   timestamptz '2026-01-01', 1, 20, '[]', timestamptz '2026-01-01', timestamptz '2026-01-01' + (g % 5) * interval '1 minute'
            FROM generate_series($2::int8, $3::int8) g
            """, [state, first, last])
    }

    /// `count` unfinished jobs cycling through available, scheduled, retryable, priorities
    /// 0/1 and three run times (ties again); queues a/b.
    static func waiting(_ count: Int, schema: SchemaName, on connection: PGConnection) async throws {
        try await connection.execute(
            """
            INSERT INTO \(schema.quoted).jobs (state, queue, kind, priority, run_at, created_at)
            SELECT (ARRAY['available', 'scheduled', 'retryable'])[1 + g % 3]::text::\(schema.quoted).job_state,
                   CASE WHEN g % 2 = 0 THEN 'a' ELSE 'b' END, 'k' || (g % 4), (g % 2)::int2,
                   timestamptz '2026-01-01' + (g % 3) * interval '1 second', timestamptz '2026-01-01'
            FROM generate_series(1, $1::int8) g
            """, [count])
    }

    /// Pages through a tab; checks every cursor's text round-trips. Returns the ids in page order.
    static func all(
        _ filter: JobFilter, limit: Int, scanLimit: Int = JobStore.defaultScanLimit, store: JobStore,
        on connection: PGConnection
    ) async throws -> (ids: [Int64], pages: [JobBrowsePage]) {
        var ids: [Int64] = []
        var pages: [JobBrowsePage] = []
        var cursor: JobCursor?
        repeat {
            let after = cursor
            let page = try await connection.run {
                try store.browse(filter, after: after, limit: limit, scanLimit: scanLimit, on: $0)
            }
            pages.append(page)
            ids += page.jobs.map(\.id)
            if let next = page.next { #expect(JobCursor(text: next.text, tab: filter.tab) == next) }
            cursor = page.next
            #expect(pages.count < 1_000)
        } while cursor != nil && pages.count < 1_000
        return (ids, pages)
    }

    /// Completed jobs 1…60 (newest 60), of which 3, 4 and 5, among the oldest, are of kind `rare`.
    static func sixtyWithThreeRare(schema: SchemaName, on connection: PGConnection) async throws {
        try await finished("completed", 1, 60, schema: schema, on: connection)
        try await connection.execute("UPDATE \(schema.quoted).finished_jobs SET kind = 'rare' WHERE id IN (3, 4, 5)")
    }

    static func ids(_ connection: PGConnection, _ sql: String) async throws -> [Int64] {
        try await connection.query(sql).rows.map { try $0.decode("id") }
    }

    @Test func finishedPagesGoNewestFirstAndNeverSkipOrRepeatAcrossTies() async throws {
        try await MigratedSchema.with { connection, schema in
            try await Self.finished("discarded", 1, 83, schema: schema, on: connection)
            try await Self.finished("completed", 84, 100, schema: schema, on: connection)
            let store = JobStore(schema: schema)
            let (ids, pages) = try await Self.all(JobFilter(tab: .discarded), limit: 7, store: store, on: connection)
            let expected = try await Self.ids(
                connection,
                "SELECT id FROM \(schema.quoted).finished_jobs WHERE state = 'discarded' ORDER BY finished_at DESC, id DESC"
            )
            #expect(ids == expected)
            #expect(pages.count == 12) // 11 full pages of 7, one of 6
            #expect(pages.allSatisfy { !$0.scanStopped })
            #expect(pages.allSatisfy { $0.jobs.allSatisfy { $0.state == "discarded" && $0.finishedAt != nil } })
            // Filtered: queue a, kind k1.
            let (filtered, _) = try await Self.all(
                JobFilter(tab: .discarded, queue: "a", kind: "k1"), limit: 4, store: store, on: connection)
            let expectedFiltered = try await Self.ids(
                connection,
                """
                SELECT id FROM \(schema.quoted).finished_jobs WHERE state = 'discarded' AND queue = 'a' AND kind = 'k1'
                ORDER BY finished_at DESC, id DESC
                """)
            #expect(filtered == expectedFiltered && !filtered.isEmpty)
        }
    }

    @Test func waitingTabsPageInClaimOrderAcrossTies() async throws {
        try await MigratedSchema.with { connection, schema in
            try await Self.waiting(150, schema: schema, on: connection)
            let store = JobStore(schema: schema)
            for tab in [JobTab.available, .scheduled, .retryable] {
                let (ids, _) = try await Self.all(JobFilter(tab: tab), limit: 9, store: store, on: connection)
                let expected = try await Self.ids(
                    connection,
                    "SELECT id FROM \(schema.quoted).jobs WHERE state = '\(tab.rawValue)' ORDER BY priority, run_at, id"
                )
                #expect(ids == expected && ids.count == 50)
            }
            let (queueB, _) = try await Self.all(
                JobFilter(tab: .scheduled, queue: "b"), limit: 3, store: store, on: connection)
            let expected = try await Self.ids(
                connection,
                "SELECT id FROM \(schema.quoted).jobs WHERE state = 'scheduled' AND queue = 'b' ORDER BY priority, run_at, id"
            )
            #expect(queueB == expected && !expected.isEmpty)
        }
    }

    @Test func runningTabListsTheJobsWorkersHoldById() async throws {
        try await MigratedSchema.with { connection, schema in
            try await Self.waiting(30, schema: schema, on: connection)
            let store = JobStore(schema: schema)
            let claimed = try await connection.run {
                try store.claim(queues: ["a", "b"], limit: 12, worker: "w-1", leaseSeconds: 60, metered: false, on: $0)
            }
            #expect(claimed.rows.count == 12)
            let (ids, _) = try await Self.all(JobFilter(tab: .running), limit: 5, store: store, on: connection)
            #expect(ids == claimed.rows.map(\.id).sorted())
            let (queueA, _) = try await Self.all(
                JobFilter(tab: .running, queue: "a"), limit: 5, store: store, on: connection)
            #expect(queueA == claimed.rows.filter { $0.queue == "a" }.map(\.id).sorted())
        }
    }

    /// A rare kind among many: each page reads at most the scan limit, says it stopped, and
    /// its cursor continues after the last row read, until the rare jobs are all found.
    @Test func aBoundedScanStopsAndContinues() async throws {
        try await MigratedSchema.with { connection, schema in
            try await Self.sixtyWithThreeRare(schema: schema, on: connection)
            let store = JobStore(schema: schema)
            let filter = try JobFilter(tab: .completed, kind: "rare")
            let (ids, pages) = try await Self.all(filter, limit: 2, scanLimit: 10, store: store, on: connection)
            let expected = try await Self.ids(
                connection,
                "SELECT id FROM \(schema.quoted).finished_jobs WHERE kind = 'rare' ORDER BY finished_at DESC, id DESC")
            #expect(ids == expected)
            #expect(pages.count >= 6) // 60 rows, 10 a scan
            #expect(pages.contains { $0.jobs.isEmpty && $0.scanStopped && $0.scanned == 10 && $0.next != nil })
            #expect(pages.last!.next == nil && !pages.last!.scanStopped)
        }
    }

    /// A confirmation's count: capped, and saying when its bounded scan stopped first.
    @Test func aConfirmationCountSaysWhenItsScanStopped() async throws {
        try await MigratedSchema.with { connection, schema in
            try await Self.sixtyWithThreeRare(schema: schema, on: connection)
            let store = JobStore(schema: schema)
            let rare = try JobFilter(tab: .completed, kind: "rare")
            let short = try await connection.run {
                try store.countMatching(rare, maxID: 1_000, cap: 10, scanLimit: 10, on: $0)
            }
            #expect(short.count == CappedCount(value: 0, capped: false) && short.scanStopped)
            let whole = try await connection.run {
                try store.countMatching(rare, maxID: 1_000, cap: 10, scanLimit: 100, on: $0)
            }
            #expect(whole.count == CappedCount(value: 3, capped: false) && !whole.scanStopped)
            let upTo4 = try await connection.run {
                try store.countMatching(rare, maxID: 4, cap: 10, scanLimit: 100, on: $0)
            }
            #expect(upTo4.count.value == 2)
            let all = try await connection.run {
                try store.countMatching(JobFilter(tab: .completed), maxID: 1_000, cap: 10, scanLimit: 100, on: $0)
            }
            #expect(all.count == CappedCount(value: 10, capped: true) && !all.scanStopped)
        }
    }

    @Test func finishedCountsAreCappedAndLiveCountsExact() async throws {
        try await MigratedSchema.with { connection, schema in
            try await Self.finished("completed", 1, 15, schema: schema, on: connection)
            try await Self.finished("discarded", 16, 18, schema: schema, on: connection)
            try await Self.waiting(9, schema: schema, on: connection)
            let store = JobStore(schema: schema)
            let counts = try await connection.run { try store.counts(cap: 10, on: $0) }
            #expect(counts.finished["completed"] == CappedCount(value: 10, capped: true))
            #expect(counts.finished["discarded"] == CappedCount(value: 3, capped: false))
            #expect(counts.finished["cancelled"] == CappedCount(value: 0, capped: false))
            #expect(counts.live.reduce(0) { $0 + $1.jobs } == 9)
            #expect(counts.live.contains(LiveJobCount(queue: "a", state: "available", jobs: 1)))
            // One queue: finished among the newest 10 of each state (completed 1…15, queue a = even ids).
            let ofA = try await connection.run { try store.counts(queue: "a", cap: 10, on: $0) }
            #expect(ofA.live.allSatisfy { $0.queue == "a" })
            #expect(ofA.finished["completed"]!.capped)
            #expect(ofA.finished["discarded"] == CappedCount(value: 2, capped: false)) // 16, 18
            #expect(throws: QueueError.self) { _ = try JobFilter(tab: .completed, queue: "a,b") }
        }
    }

    @Test func healthShowsDepthOldestDueAndRecentDiscards() async throws {
        try await MigratedSchema.with { connection, schema in
            try await Self.waiting(6, schema: schema, on: connection)
            // Discarded 1 h ago (counted) and 2 days ago (not): finished_at by the clock.
            try await Self.finished("discarded", 100, 104, schema: schema, on: connection)
            try await connection.execute(
                """
                UPDATE \(schema.quoted).finished_jobs
                SET finished_at = now() - CASE WHEN id < 103 THEN interval '1 hour' ELSE interval '2 days' END
                """)
            let store = JobStore(schema: schema)
            let health = try await connection.run { try store.health(cap: 2, on: $0) }
            #expect(health.discardedLastDay == CappedCount(value: 2, capped: true))
            let uncapped = try await connection.run { try store.health(on: $0) }
            #expect(uncapped.discardedLastDay == CappedCount(value: 3, capped: false))
            #expect(health.queues.map(\.queue) == ["a", "b"])
            #expect(health.queues.reduce(0) { $0 + $1.depth } == 6)
            // Run times are in January 2026, long before the clock: each queue has a due job that old.
            #expect(health.queues.allSatisfy { ($0.oldestDueSeconds ?? 0) > 86_400 })
        }
    }

    @Test func cursorsRefuseOtherTabsAndEditedText() throws {
        let cursor = JobCursor(tab: .completed, micros: 1_767_225_600_123_456, id: 42)
        #expect(JobCursor(text: cursor.text, tab: .completed) == cursor)
        #expect(JobCursor(text: cursor.text, tab: .discarded) == nil)
        #expect(JobCursor(text: "", tab: .completed) == nil)
        #expect(JobCursor(text: "not a cursor!", tab: .completed) == nil)
        #expect(JobCursor(text: String(cursor.text.dropLast(3)), tab: .completed) == nil)
        let forged = Data("jb1:completed:0:1:-5".utf8).base64EncodedString()
        #expect(JobCursor(text: forged, tab: .completed) == nil)
        let claim = JobCursor(
            tab: .available, priority: -3, micros: JobCursor.micros(Date(timeIntervalSince1970: 1.000001)), id: 7)
        #expect(JobCursor(text: claim.text, tab: .available) == claim)
        #expect(claim.time == Date(timeIntervalSince1970: 1.000001) || JobCursor.micros(claim.time) == 1_000_001)
    }

    @Test func aDetailHasTheTimelineOfCreationEachFailureAndTheEnd() async throws {
        try await MigratedSchema.with { connection, schema in
            try await Self.finished("discarded", 7, 7, schema: schema, on: connection)
            try await connection.execute(
                """
                UPDATE \(schema.quoted).finished_jobs SET attempt = 3, attempted_at = timestamptz '2026-01-01 00:00:30',
                    finished_at = timestamptz '2026-01-01 00:00:31',
                    errors = '[{"at": "2026-01-01T00:00:10Z", "attempt": 1, "kind": "error", "message": "boom"},
                               {"at": "2026-01-01T00:00:20Z", "attempt": 2, "kind": "timeout", "message": "slow"}]'
                WHERE id = 7
                """)
            let store = JobStore(schema: schema)
            let detail = try #require(try await connection.run { try store.detail(7, on: $0) })
            #expect(detail.job.id == 7)
            #expect(detail.timeline.map(\.event) == [.created, .failed, .failed, .attempted, .finished])
            #expect(detail.timeline[1].message == "boom" && detail.timeline[2].kind == "timeout")
            #expect(detail.timeline[4].kind == "discarded" && detail.timeline[4].attempt == 3)
            #expect(try await connection.run { try store.detail(8, on: $0) } == nil)
            // A waiting job ends with when it is due.
            try await Self.waiting(1, schema: schema, on: connection)
            let waiting = try await connection.query("SELECT id FROM \(schema.quoted).jobs").first!.decode(
                "id", as: Int64.self)
            let due = try #require(try await connection.run { try store.detail(waiting, on: $0) })
            #expect(due.timeline.map(\.event) == [.created, .due])
        }
    }
}
