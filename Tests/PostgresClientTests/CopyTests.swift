import EbbflowTestSupport
// COPY FROM STDIN loads many rows at once and escapes awkward text; an aborted COPY loads nothing.
import Foundation
import PostgresClient
import Testing

@Suite struct CopyTests {
    @Test func bulkLoadWithEscapes() async throws {
        try await TestDatabase.withSchema { connection, _ in
            try await connection.simpleQuery("CREATE TABLE contacts (id int8, email text, note text)")
            let loaded = try await connection.run { connection in
                try connection.copyIn("COPY contacts (id, email, note) FROM STDIN") { writer in
                    for id in 0..<200_000 {
                        let note: String? =
                            id % 1000 == 0 ? nil : (id == 7 ? "tab\there\nnew line \\ back ✓" : "n\(id)")
                        try writer.appendRow(["\(id)", "c\(id)@example.com", note])
                    }
                }
            }
            #expect(loaded == 200_000)
            let row = try await connection.query(
                "SELECT count(*) AS n, count(note) AS notes, (SELECT note FROM contacts WHERE id = 7) AS seven FROM contacts"
            ).first!
            #expect(try row.decode("n", as: Int.self) == 200_000)
            #expect(try row.decode("notes", as: Int.self) == 199_800)
            #expect(try row.decode("seven", as: String.self) == "tab\there\nnew line \\ back ✓")
        }
    }

    struct Stop: Error {}

    @Test func abortedCopyLoadsNothing() async throws {
        try await TestDatabase.withSchema { connection, _ in
            try await connection.simpleQuery("CREATE TABLE items (id int8)")
            await #expect(throws: Stop.self) {
                try await connection.run { connection in
                    try connection.copyIn("COPY items FROM STDIN") { writer in
                        for id in 0..<10_000 { try writer.appendRow(["\(id)"]) }
                        throw Stop()
                    }
                }
            }
            #expect(try await connection.query("SELECT count(*) AS n FROM items").first!.decode("n", as: Int.self) == 0)
        }
    }

    @Test func badRowFailsWithServerError() async throws {
        try await TestDatabase.withSchema { connection, _ in
            try await connection.simpleQuery("CREATE TABLE items (id int8)")
            await #expect {
                try await connection.run { connection in
                    try connection.copyIn("COPY items FROM STDIN") { writer in
                        try writer.appendRow(["1"])
                        try writer.appendRow(["not a number"])
                    }
                }
            } throws: { ($0 as? PGError)?.sqlState == "22P02" }
            #expect(try await connection.query("SELECT count(*) AS n FROM items").first!.decode("n", as: Int.self) == 0)
        }
    }
}
