import EbbflowTestSupport
// Every supported type goes to the server and back unchanged, NULLs included.
import Foundation
import PostgresClient
import Testing

@Suite struct TypeRoundTripTests {
    struct Profile: Codable, Equatable, Sendable {
        var name: String
        var tags: [String]
        var score: Double
    }

    @Test func scalarsRoundTrip() async throws {
        let connection = try await TestDatabase.connect()
        let date = Date(timeIntervalSince1970: 1_790_000_000.123456)
        let early = Date(timeIntervalSince1970: -86_400 * 400 + 0.5) // before 2000 and before 1970
        let id = UUID()
        let row = try await connection.query(
            """
            SELECT $1::int8 AS i8, $2::int4 AS i4, $3::int2 AS i2, $4::int8 AS i, $5::float8 AS d, $6::bool AS b,
                   $7::text AS s, $8::timestamptz AS t, $9::uuid AS u, $10::bytea AS bytes, $11::timestamptz AS early
            """,
            [Int64.max, Int32.min, Int16(-7), 42, 3.25, true, "héllo ✓ 日本語 🎉", date, id, Data([0, 1, 2, 255]), early]
        ).first!
        #expect(try row.decode("i8", as: Int64.self) == Int64.max)
        #expect(try row.decode("i4", as: Int32.self) == Int32.min)
        #expect(try row.decode("i2", as: Int16.self) == -7)
        #expect(try row.decode("i", as: Int.self) == 42)
        #expect(try row.decode("d", as: Double.self) == 3.25)
        #expect(try row.decode("b", as: Bool.self) == true)
        #expect(try row.decode("s", as: String.self) == "héllo ✓ 日本語 🎉")
        #expect(abs(try row.decode("t", as: Date.self).timeIntervalSince(date)) < 1e-6)
        #expect(abs(try row.decode("early", as: Date.self).timeIntervalSince(early)) < 1e-6)
        #expect(try row.decode("u", as: UUID.self) == id)
        #expect(try row.decode("bytes", as: Data.self) == Data([0, 1, 2, 255]))
    }

    @Test func timestampMatchesServerText() async throws {
        let connection = try await TestDatabase.connect()
        let date = Date(timeIntervalSince1970: 1_790_000_000.25)
        let row = try await connection.query(
            "SELECT to_char($1::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') AS text", [date]
        ).first!
        #expect(try row.decode("text", as: String.self) == "2026-09-21 14:13:20.250")
    }

    @Test func nullsDecodeAsOptionals() async throws {
        let connection = try await TestDatabase.connect()
        let none: Int? = nil
        let row = try await connection.query(
            "SELECT $1::int8 AS a, $2::text AS b, NULL::uuid AS c, NULL::timestamptz AS d", [none, nil]
        ).first!
        #expect(try row.decode("a", as: Int?.self) == nil)
        #expect(try row.decode("b", as: String?.self) == nil)
        #expect(try row.decode("c", as: UUID?.self) == nil)
        #expect(try row.decode("d", as: Date?.self) == nil)
        let some: Int? = 5
        #expect(try await connection.query("SELECT $1::int8 AS a", [some]).first!.decode("a", as: Int?.self) == 5)
    }

    @Test func jsonAsBytesAndCodable() async throws {
        let connection = try await TestDatabase.connect()
        let profile = Profile(name: "Zoë", tags: ["vip", "b2b"], score: 12.5)
        let row = try await connection.query(
            "SELECT $1::jsonb AS j, $2::jsonb AS raw, '{\"a\": 1}'::json AS plain",
            [try PGJSON(encoding: profile), PGJSON("{\"k\": [1, 2]}")]
        ).first!
        #expect(try row.decodeJSON("j", as: Profile.self) == profile)
        #expect(try row.decode("raw", as: PGJSON.self).text == "{\"k\": [1, 2]}")
        #expect(try row.decode("plain", as: PGJSON.self).text == "{\"a\": 1}")
        // A String parameter is untyped, so the server reads it as jsonb where the SQL says so.
        let fromText = try await connection.query("SELECT ($1::jsonb)->>'x' AS x", ["{\"x\": \"y\"}"]).first!
        #expect(try fromText.decode("x", as: String.self) == "y")
    }

    @Test func arraysForAny() async throws {
        let connection = try await TestDatabase.connect()
        let ids: [Int64] = [3, 1, 2]
        let rows = try await connection.query(
            "SELECT x FROM generate_series(1, 5) x WHERE x = ANY($1) ORDER BY x", [ids])
        #expect(try rows.rows.map { try $0.decode("x", as: Int.self) } == [1, 2, 3])
        let names = ["a", "b'c", "δ", ""]
        let back = try await connection.query(
            "SELECT $1::text[] AS names, $2::int8[] AS empty, $3::text[] AS none", [names, [Int64](), [String]()]
        ).first!
        #expect(try back.decode("names", as: [String].self) == names)
        #expect(try back.decode("empty", as: [Int64].self) == [])
        #expect(try back.decode("none", as: [String].self) == [])
        let withNull = try await connection.query("SELECT ARRAY[1, NULL, 3]::int4[] AS a").first!
        #expect(try withNull.decode("a", as: [Int?].self) == [1, nil, 3])
        let uuids = [UUID(), UUID()]
        #expect(
            try await connection.query("SELECT $1::uuid[] AS u", [uuids]).first!.decode("u", as: [UUID].self) == uuids)
        // The element types the engine binds for set-based writes through unnest.
        let dates = [Date(timeIntervalSince1970: 1_700_000_000.25), Date(timeIntervalSince1970: 0)]
        let typed = try await connection.query(
            "SELECT $1::bool[] AS b, $2::float8[] AS f, $3::timestamptz[] AS t, $4::int4[] AS i",
            [[true, false], [1.5, -0.25], dates, [Int32(7), Int32(-1)]]
        ).first!
        #expect(try typed.decode("b", as: [Bool].self) == [true, false])
        #expect(try typed.decode("f", as: [Double].self) == [1.5, -0.25])
        #expect(try typed.decode("t", as: [Date].self) == dates)
        #expect(try typed.decode("i", as: [Int32].self) == [7, -1])
        let optionalDates: [Date?] = [nil, dates[0]]
        #expect(
            try await connection.query("SELECT $1::timestamptz[] AS t", [optionalDates]).first!.decode(
                "t", as: [Date?].self) == optionalDates)
    }

    @Test func numericAggregates() async throws {
        let connection = try await TestDatabase.connect()
        let row = try await connection.query(
            "SELECT sum(x::int8) AS total, avg(x) AS mean, 12345678901234::numeric AS big, -0.015::numeric AS small FROM generate_series(1, 10) x"
        ).first!
        #expect(try row.decode("total", as: Int.self) == 55)
        #expect(try row.decode("mean", as: Double.self) == 5.5)
        #expect(try row.decode("big", as: Int64.self) == 12_345_678_901_234)
        #expect(abs(try row.decode("small", as: Double.self) + 0.015) < 1e-12)
    }

    @Test func tenMegabyteTextAndBytea() async throws {
        let connection = try await TestDatabase.connect()
        let text = String(repeating: "ab✓cd", count: 10 * 1024 * 1024 / 7)
        var bytes = Data(count: 10 * 1024 * 1024)
        for index in stride(from: 0, to: bytes.count, by: 4099) { bytes[index] = UInt8(index % 251) }
        bytes[bytes.count - 1] = 0
        let row = try await connection.query(
            "SELECT $1::text AS t, $2::bytea AS b, length($2::bytea) AS n", [text, bytes]
        ).first!
        #expect(try row.decode("t", as: String.self) == text)
        #expect(try row.decode("b", as: Data.self) == bytes)
        #expect(try row.decode("n", as: Int.self) == 10 * 1024 * 1024)
    }

    @Test func unnamedStatementsWork() async throws {
        let connection = try await TestDatabase.connect(preparedStatements: false)
        for value in 0..<20 {
            #expect(
                try await connection.query("SELECT $1::int AS v", [value]).first!.decode("v", as: Int.self) == value)
        }
        let named = try await connection.query("SELECT count(*) AS n FROM pg_prepared_statements").first!
        #expect(try named.decode("n", as: Int.self) == 0)
    }

    @Test func preparedStatementsAreReused() async throws {
        let connection = try await TestDatabase.connect()
        for value in 0..<20 { _ = try await connection.query("SELECT $1::int AS v", [value]) }
        let named = try await connection.query(
            "SELECT count(*) AS n FROM pg_prepared_statements WHERE statement LIKE 'SELECT $1::int AS v%'"
        ).first!
        #expect(try named.decode("n", as: Int.self) == 1)
    }
}
