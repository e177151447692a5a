import EbbflowTestSupport
// commitGroup: many write transactions in one round trip, each atomic alone, durable on return.
import Foundation
import PostgresClient
import Testing

@Suite struct GroupCommitTests {
    /// A failing transaction rolls back alone; the ones before it commit, the ones after it are
    /// reported not run (PostgreSQL skipped them) and commit when sent again.
    @Test func eachTransactionCommitsOrFailsAlone() async throws {
        for prepared in [true, false] {
            try await withItems(preparedStatements: prepared) { connection in
                let outcomes = try await connection.run {
                    try $0.commitGroup([
                        [PGStatement(insert, [1])],
                        [PGStatement(insert, [2]), PGStatement(insert, [1])], // 23505: rolls back its 2 as well
                        [PGStatement(insert, [3])],
                    ])
                }
                #expect(outcomes.count == 3)
                #expect(outcomes[0].isCommitted)
                guard case .failed(let error) = outcomes[1] else {
                    Issue.record("expected a failure, got \(outcomes[1])"); return
                }
                #expect(error.sqlState == "23505")
                guard case .notRun = outcomes[2] else { Issue.record("expected not run, got \(outcomes[2])"); return }
                #expect(await connection.transactionStatus == .idle)
                #expect(try await ids(connection) == [1], "prepared statements: \(prepared)")

                let again = try await connection.run { try $0.commitGroup([[PGStatement(insert, [3])]]) }
                #expect(again.map(\.isCommitted) == [true])
                #expect(try await ids(connection) == [1, 3])
            }
        }
    }

    /// The transactions commit without waiting for the disk; the group returns only once the
    /// WAL is flushed through every commit, also when a failure skipped the closing flush.
    /// Other sessions' commits may flush first, so this can pass by luck without the flush,
    /// but it can only fail when a committed transaction is not durable.
    @Test func committedTransactionsAreDurableOnReturn() async throws {
        try await TestDatabase.withSchema { connection, _ in
            try await connection.simpleQuery("CREATE TABLE marks (id int PRIMARY KEY, lsn pg_lsn NOT NULL)")
            // The test cluster runs with synchronous_commit off (scripts/dev-db, fast mode); a
            // production session has it on, and the group's flush keeps the session's setting.
            try await connection.simpleQuery("SET synchronous_commit TO on")
            let mark = "INSERT INTO marks VALUES ($1, pg_current_wal_insert_lsn())"
            for round in 0..<20 {
                let lastFails = round.isMultiple(of: 2)
                var last = [PGStatement(mark, [round * 2 + 1])]
                if lastFails { last.append(PGStatement("SELECT 1 / 0")) }
                let group = [[PGStatement(mark, [round * 2])], last]
                let outcomes = try await connection.run { try $0.commitGroup(group) }
                #expect(outcomes.map(\.isCommitted) == [true, !lastFails])
                let notFlushed = try await count(
                    connection, "SELECT 1 FROM marks WHERE lsn > pg_current_wal_flush_lsn()")
                #expect(
                    notFlushed == 0,
                    "round \(round) (last fails: \(lastFails)): a committed transaction was not flushed when the group returned"
                )
            }
        }
    }

    /// A statement the server refuses to prepare fails its own transaction only. With prepared
    /// statements it is refused before the group is sent, so the others all run; unnamed, it
    /// fails inside the group like any other error.
    @Test func aStatementThatCannotBePreparedFailsAlone() async throws {
        for prepared in [true, false] {
            try await withItems(preparedStatements: prepared) { connection in
                let outcomes = try await connection.run {
                    try $0.commitGroup([
                        [PGStatement(insert, [1])], [PGStatement("INSERT INTO no_such_table VALUES ($1)", [2])],
                        [PGStatement(insert, [3])],
                    ])
                }
                guard case .failed(let error) = outcomes[1] else {
                    Issue.record("expected a failure, got \(outcomes[1])"); return
                }
                #expect(error.sqlState == "42P01")
                #expect(outcomes[0].isCommitted)
                #expect(outcomes[2].isCommitted == prepared, "prepared statements: \(prepared)")
                #expect(try await ids(connection) == (prepared ? [1, 3] : [1]))
                #expect(await connection.transactionStatus == .idle)
            }
        }
    }

    /// A value that cannot be bound (text with a NUL byte) fails its own transaction before
    /// the group is sent; the others all commit. Once it would have failed the whole group.
    @Test func aValueThatCannotBeBoundFailsAlone() async throws {
        for prepared in [true, false] {
            try await withItems(preparedStatements: prepared) { connection in
                let outcomes = try await connection.run {
                    try $0.commitGroup([
                        [PGStatement(insert, [1])], [PGStatement("SELECT $1::text", ["bad\u{0}"])],
                        [PGStatement(insert, [3])],
                    ])
                }
                guard case .failed(let error) = outcomes[1] else {
                    Issue.record("expected a failure, got \(outcomes[1])"); return
                }
                #expect(error.kind == .encoding)
                #expect(outcomes[0].isCommitted && outcomes[2].isCommitted, "prepared statements: \(prepared)")
                #expect(try await ids(connection) == [1, 3])
                #expect(await connection.transactionStatus == .idle)
            }
        }
    }

    /// Prepared statements the server forgot behind the client's back (DEALLOCATE ALL, a
    /// pooler's DISCARD ALL): nothing of the group ran and nothing is reported failed; sent
    /// again, it is prepared again and commits. A claim-style statement retries by itself.
    @Test func forgottenPreparedStatementsFailNothing() async throws {
        try await withItems { connection in
            _ = try await connection.run { try $0.commitGroup([[PGStatement(insert, [1])]]) }
            try await connection.simpleQuery("DEALLOCATE ALL")
            let outcomes = try await connection.run {
                try $0.commitGroup([[PGStatement(insert, [2])], [PGStatement(insert, [3])]])
            }
            #expect(outcomes.allSatisfy { if case .notRun = $0 { true } else { false } }, "\(outcomes)")
            let again = try await connection.run {
                try $0.commitGroup([[PGStatement(insert, [2])], [PGStatement(insert, [3])]])
            }
            #expect(again.map(\.isCommitted) == [true, true])
            try await connection.simpleQuery("DEALLOCATE ALL")
            let count: Int = try await connection.run {
                try $0.queryInOwnTransaction(
                    "SELECT count(*)::int AS n FROM items", settings: ["synchronous_commit": "off"]
                ).first!.decode("n")
            }
            #expect(count == 3)
        }
    }

    @Test func anEmptyGroupSendsNothing() async throws {
        try await TestDatabase.withSchema { connection, _ in
            let outcomes = try await connection.run { try $0.commitGroup([]) }
            #expect(outcomes.isEmpty)
            #expect(await connection.transactionStatus == .idle)
        }
    }

    /// The settings hold for the statement only; a failure leaves a clean connection.
    @Test func ownTransactionAppliesItsSettingsToItsStatementOnly() async throws {
        try await TestDatabase.withSchema { connection, _ in
            let before: String = try await connection.query("SELECT current_setting('synchronous_commit') AS value")
                .first!.decode("value")
            try await connection.simpleQuery("SET synchronous_commit TO on")
            let inside: String = try await connection.run {
                try $0.queryInOwnTransaction(
                    "SELECT current_setting('synchronous_commit') AS value",
                    settings: ["synchronous_commit": "off", "plan_cache_mode": "force_generic_plan"]
                ).first!.decode("value")
            }
            #expect(inside == "off")
            let after: String = try await connection.query("SELECT current_setting('synchronous_commit') AS value")
                .first!.decode("value")
            #expect(after == "on")
            try await connection.simpleQuery("SET synchronous_commit TO \(before)")
            await #expect {
                try await connection.run {
                    try $0.queryInOwnTransaction("SELECT 1 / 0", settings: ["synchronous_commit": "off"])
                }
            } throws: { ($0 as? PGError)?.sqlState == "22012" }
            #expect(await connection.transactionStatus == .idle)
            let seven: Int = try await connection.query("SELECT 7 AS n").first!.decode("n")
            #expect(seven == 7)
        }
    }

    private func count(_ connection: PGConnection, _ sql: String) async throws -> Int {
        try await connection.query(sql).rows.count
    }

    /// The insert into `items` that the tests group.
    private let insert = "INSERT INTO items VALUES ($1)"

    /// A schema of its own with an empty `items (id int PRIMARY KEY)` table.
    private func withItems(preparedStatements: Bool = true, _ body: (PGConnection) async throws -> Void) async throws {
        try await TestDatabase.withSchema(preparedStatements: preparedStatements) { connection, _ in
            try await connection.simpleQuery("CREATE TABLE items (id int PRIMARY KEY)")
            try await body(connection)
        }
    }

    private func ids(_ connection: PGConnection) async throws -> [Int] {
        try await connection.query("SELECT id FROM items ORDER BY id").rows.map { try $0.decode("id") }
    }
}
