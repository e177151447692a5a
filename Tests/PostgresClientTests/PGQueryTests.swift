// PGQuery: interpolated values become numbered placeholders and parameters in order; failures still name the parameter.
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct PGQueryTests {
    @Test func placeholdersAreNumberedInTheOrderTheValuesAppear() {
        let id: Int64 = 7
        let name = "o'brien; DROP TABLE x"
        let missing: String? = nil
        let query: PGQuery =
            """
            SELECT * FROM \(identifier: "\"s\".\"jobs\"") WHERE id = \(bind: id) AND name = \(bind: name) \
            AND note IS NOT DISTINCT FROM \(bind: missing) AND ids = ANY(\(bind: [1, 2] as [Int64]))
            """
        #expect(
            query.sql
                == "SELECT * FROM \"s\".\"jobs\" WHERE id = $1 AND name = $2 AND note IS NOT DISTINCT FROM $3 AND ids = ANY($4)"
        )
        #expect(query.bindings.count == 4)
        #expect(query.bindings[0] as? Int64 == 7)
        #expect(query.bindings[1] as? String == name)
        #expect(query.bindings[2] == nil)
        #expect(query.bindings[3] as? [Int64] == [1, 2])
        // The text shown never includes a parameter's value.
        #expect(!query.description.contains("brien"))
    }

    @Test func aLiteralWithoutValuesHasNoParameters() {
        let query: PGQuery = "SELECT 1"
        #expect(query.sql == "SELECT 1" && query.bindings.isEmpty)
    }

    @Test func tenOrMoreValuesGetTwoDigitPlaceholders() {
        let a = 1, b = 2, c = 3, d = 4, e = 5, f = 6, g = 7, h = 8, i = 9, j = 10, k = 11
        let query: PGQuery =
            "SELECT \(bind: a), \(bind: b), \(bind: c), \(bind: d), \(bind: e), \(bind: f), \(bind: g), \(bind: h), \(bind: i), \(bind: j), \(bind: k)"
        #expect(query.sql == "SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11")
        #expect(query.bindings.map { $0 as? Int } == Array(1...11))
    }

    /// The values reach the server as parameters, in order, with their types; quotes in a
    /// value are data, not SQL.
    @Test func valuesRoundTripThroughTheServer() async throws {
        let connection = try await TestDatabase.connect()
        let text = "it's \"quoted\"; --"
        let when = Date(timeIntervalSince1970: 1_700_000_000)
        let none: Int64? = nil
        let row = try await connection.query(
            "SELECT \(bind: text)::text AS t, \(bind: 42 as Int64) + 1 AS n, \(bind: when) AS w, \(bind: none)::int8 IS NULL AS z"
        ).first!
        #expect(try row.decode("t", as: String.self) == text)
        #expect(try row.decode("n", as: Int64.self) == 43)
        #expect(try row.decode("w", as: Date.self) == when)
        #expect(try row.decode("z", as: Bool.self))
        #expect(try await connection.execute("SELECT generate_series(1, \(bind: 3 as Int64))") == 3)
    }

    /// Encoding failures are reported as before, naming the parameter by its placeholder.
    @Test func nulAndOutOfRangeValuesAreStillEncodingErrors() async throws {
        let connection = try await TestDatabase.connect()
        let secret = "secret-before\u{0}after"
        await #expect {
            try await connection.query("SELECT \(bind: 1 as Int64) AS a, \(bind: secret)::text AS s")
        } throws: { error in
            guard let error = error as? PGError else { return false }
            return error.kind == .encoding && error.description.contains("parameter $2")
                && error.description.contains("NUL byte") && !error.description.contains("secret-before")
        }
        let far = Date(timeIntervalSince1970: 1e300)
        await #expect {
            try await connection.withTransaction { connection in
                try connection.execute("SELECT \(bind: far)::timestamptz")
            }
        } throws: { error in
            guard let error = error as? PGError else { return false }
            return error.kind == .encoding && error.description.contains("parameter $1 (timestamptz)")
        }
        #expect(try await connection.query("SELECT 1 AS one").first!.decode("one", as: Int.self) == 1)
    }
}
