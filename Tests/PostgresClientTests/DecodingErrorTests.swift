import EbbflowTestSupport
// Decoding mistakes name the column and say what is wrong.
import Foundation
import PostgresClient
import Testing

@Suite struct DecodingErrorTests {
    @Test func missingColumnIsNamed() async throws {
        let row = try await TestDatabase.connect().query("SELECT 1 AS present").first!
        let error = try #require(throws: PGError.self) { try row.decode("absent", as: Int.self) }
        #expect(error.kind == .decoding)
        #expect(error.description.contains("\"absent\""))
        #expect(error.description.contains("present"))
    }

    @Test func typeMismatchIsNamed() async throws {
        let row = try await TestDatabase.connect().query("SELECT 'x'::text AS label, 3000000000::int8 AS big").first!
        let mismatch = try #require(throws: PGError.self) { try row.decode("label", as: Int.self) }
        #expect(mismatch.description.contains("\"label\""))
        #expect(mismatch.description.contains("text"))
        let overflow = try #require(throws: PGError.self) { try row.decode("big", as: Int32.self) }
        #expect(overflow.description.contains("does not fit"))
    }

    @Test func nullInNonOptionalIsNamed() async throws {
        let row = try await TestDatabase.connect().query("SELECT NULL::int AS maybe").first!
        let error = try #require(throws: PGError.self) { try row.decode("maybe", as: Int.self) }
        #expect(error.description.contains("\"maybe\" is NULL"))
    }
}
