// The one clock: real time by default, movable only in a simulation database, guarded in SQL too.
import EbbflowCore
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct ClockTests {
    @discardableResult
    func withSchema<T: Sendable>(simulation: Bool, _ body: (PGConnection, DatabaseClock, SchemaName) async throws -> T)
        async throws -> T
    {
        let schema = try SchemaName(TestDatabase.uniqueSchemaName("c"))
        let connection = try await TestDatabase.connect()
        _ = try await Migrator(schema: schema).migrate(on: connection, simulation: simulation)
        do {
            let value = try await body(connection, DatabaseClock(schema: schema), schema)
            try await TestDatabase.dropSchema(schema.name)
            return value
        } catch {
            try? await TestDatabase.dropSchema(schema.name)
            throw error
        }
    }

    @Test func simulationClockSetsAdvancesAndResets() async throws {
        try await withSchema(simulation: true) { connection, clock, _ in
            let start = Date(timeIntervalSince1970: 1_800_000_000)
            try await connection.run { try clock.set(start, on: $0) }
            #expect(try await connection.run { try clock.now(on: $0) } == start)
            try await connection.run { try clock.advance(by: 3 * 86_400, on: $0) }
            #expect(try await connection.run { try clock.now(on: $0) } == start.addingTimeInterval(3 * 86_400))
            // Frozen: time does not drift between reads.
            try await Task.sleep(for: .milliseconds(20))
            #expect(try await connection.run { try clock.now(on: $0) } == start.addingTimeInterval(3 * 86_400))
            try await connection.run { try clock.reset(on: $0) }
            let real = try await connection.run { try clock.status(on: $0) }
            #expect(real.frozenAt == nil && abs(real.now.timeIntervalSince(real.realNow)) < 1)
        }
    }

    /// `DatabaseClock.nowExpression` is the same clock as `clock_now()`: frozen, unfrozen and
    /// in a production database (the expression is used where calling the function costs more).
    @Test func nowExpressionAgreesWithTheClockFunction() async throws {
        for simulation in [true, false] {
            try await withSchema(simulation: simulation) { connection, clock, schema in
                let compare =
                    "SELECT \(DatabaseClock.nowExpression(schema: schema)) AS inline, \(schema.qualified("clock_now"))() AS function"
                func agree(_ label: String) async throws {
                    let row = try await connection.query(compare).first!
                    let (inline, function): (Date, Date) = (try row.decode("inline"), try row.decode("function"))
                    #expect(inline == function, "\(label): \(inline) vs \(function)")
                }
                try await agree("simulation \(simulation), clock not set")
                guard simulation else { return }
                try await connection.run { try clock.set(Date(timeIntervalSince1970: 1_800_000_000), on: $0) }
                try await agree("frozen")
                let frozen: Date = try await connection.query(compare).first!.decode("inline")
                #expect(frozen == Date(timeIntervalSince1970: 1_800_000_000))
            }
        }
    }

    @Test func productionClockRefusesToMove() async throws {
        try await withSchema(simulation: false) { connection, clock, _ in
            await #expect(throws: ClockError.self) {
                try await connection.run { try clock.advance(by: 86_400, on: $0) }
            }
            await #expect(throws: ClockError.self) { try await connection.run { try clock.set(Date(), on: $0) } }
            let status = try await connection.run { try clock.status(on: $0) }
            #expect(status.frozenAt == nil && !status.simulation)
        }
    }

    /// Even SQL that bypasses the Swift check cannot freeze a production clock.
    @Test func databaseGuardRefusesDirectUpdate() async throws {
        try await withSchema(simulation: false) { connection, _, schema in
            await #expect {
                try await connection.execute("UPDATE \(schema.quoted).clock SET frozen_at = now() + interval '1 day'")
            } throws: { ($0 as? PGError)?.message.contains("simulation") == true }
        }
    }

    @Test func simulationCannotBeSwitchedOnLater() async throws {
        try await withSchema(simulation: false) { connection, _, schema in
            await #expect {
                _ = try await Migrator(schema: schema).migrate(on: connection, simulation: true)
            } throws: { "\($0)".contains("created for production") }
        }
    }
}

@Suite struct PureLogicTests {
    @Test func durations() {
        #expect(DurationText.seconds("3d") == 259_200)
        #expect(DurationText.seconds("1d12h") == 129_600)
        #expect(DurationText.seconds("90s") == 90)
        #expect(DurationText.seconds("15m") == 900)
        #expect(DurationText.seconds("2w") == 1_209_600)
        #expect(DurationText.seconds("1.5h") == 5_400)
        for bad in ["", "3", "d", "3x", "-3d", "3d4"] { #expect(DurationText.seconds(bad) == nil, "\(bad)") }
    }

    @Test func schemaNames() throws {
        #expect(try SchemaName("ebbflow_test1").quoted == "\"ebbflow_test1\"")
        for bad in ["", "Ebbflow", "1abc", "a-b", "a b", "pg_x", "a\"b", String(repeating: "a", count: 64)] {
            #expect(throws: PGError.self, "\(bad)") { try SchemaName(bad) }
        }
    }
}
