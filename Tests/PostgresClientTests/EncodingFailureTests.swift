import EbbflowTestSupport
// Values with no PostgreSQL form fail their statement with a typed, printable error; nothing traps.
import Foundation
import PostgresClient
import Testing

@Suite struct EncodingFailureTests {
    /// `Date` a trillion days out once trapped in `Int64(seconds) * 1_000_000` (SIGILL, exit
    /// 132): every worker that claimed such a job died. Now the statement fails with kind
    /// `.encoding`, naming the parameter, and the connection stays usable.
    /// Seconds since 1970, not `Date`s: Foundation's `Date.description` itself traps on NaN.
    @Test(
        arguments: [
            99_999_999_999 * 86_400, -99_999_999_999 * 86_400, 1e300, .infinity, .nan,
            9_224_318_016_000, // the first second past 294276 AD
            -210_866_803_201, // the last second before 4714-11-24 BC
        ] as [Double])
    func datesOutsidePostgresRangeAreAnEncodingError(unixSeconds: Double) async throws {
        let date = Date(timeIntervalSince1970: unixSeconds)
        let connection = try await TestDatabase.connect()
        await #expect {
            try await connection.query("SELECT $1::int8 AS a, $2::timestamptz AS t", [1, date])
        } throws: { error in
            guard let error = error as? PGError else { return false }
            return error.kind == .encoding && error.description.contains("parameter $2 (timestamptz)")
                && error.description.contains("outside PostgreSQL's timestamptz range")
                && !error.description.contains("\n")
        }
        await #expect {
            try await connection.query("SELECT $1::timestamptz[] AS t", [[Date(), date]])
        } throws: { ($0 as? PGError)?.kind == .encoding }
        // The same connection, and the pipeline path of a transaction, carry on.
        #expect(try await connection.query("SELECT 1 AS one").first!.decode("one", as: Int.self) == 1)
        await #expect {
            try await connection.withTransaction { connection in
                try connection.execute("SELECT $1::timestamptz", [date])
            }
        } throws: { ($0 as? PGError)?.kind == .encoding }
        #expect(await connection.transactionStatus == .idle)
    }

    @Test func theEdgesOfTheRangeRoundTrip() async throws {
        let connection = try await TestDatabase.connect()
        let row = try await connection.query(
            "SELECT $1::timestamptz = '294276-12-31 23:59:59 UTC' AS last, $2::timestamptz = '4714-11-24 00:00:00+00 BC' AS first",
            [Date(timeIntervalSince1970: 9_224_318_015_999), Date(timeIntervalSince1970: -210_866_803_200)]
        ).first!
        #expect(try row.decode("last", as: Bool.self))
        #expect(try row.decode("first", as: Bool.self))
    }

    /// libpq sends text NUL-terminated: a NUL inside a value once cut it short without a word.
    @Test func textWithANulByteIsRefusedNotTruncated() async throws {
        let connection = try await TestDatabase.connect()
        await #expect {
            try await connection.query("SELECT $1::text AS s", ["secret-before\u{0}after"])
        } throws: { error in
            guard let error = error as? PGError else { return false }
            return error.kind == .encoding && error.description.contains("NUL byte")
                && !error.description.contains("secret-before")
        }
        await #expect {
            try await connection.query("SELECT $1::text[] AS s", [["ok", "bad\u{0}"]])
        } throws: { ($0 as? PGError)?.kind == .encoding }
    }

    @Test func tooManyParametersIsAnEncodingError() async throws {
        let connection = try await TestDatabase.connect()
        let bindings: PGBindings = Array(repeating: 1, count: 65_536)
        await #expect {
            try await connection.query("SELECT $1::int8 AS a", bindings)
        } throws: { ($0 as? PGError)?.kind == .encoding && "\($0)".contains("at most 65535 parameters") }
    }
}
