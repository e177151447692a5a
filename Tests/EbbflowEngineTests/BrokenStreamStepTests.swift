// A member's step in a stored stream today's bounds refuse waits for the fix instead of being dropped or failing.
import EbbflowCore
import EbbflowEngine
import EbbflowTestSupport
import Foundation
import Testing

extension StreamStepTests {
    /// The stream breaks a bound after cam entered it (as a definition stored by an older
    /// release would): its due step does not run, and is not dropped either; once the stream
    /// is corrected the step runs.
    @Test func aStepOfAStreamThatNoLongerPassesWaitsForItsFix() async throws {
        let streams =
            "streams:\n  - {name: promotion, entry: {event: page_visit}, steps: [{send: promo_1}, {wait: 2d}, {send: promo_2}]}\n"
        try await scenario(streams: streams, contacts: ["cam"]) { connection, schema, event, day in
            try await event("cam", "page_visit")
            try await day(0)
            try await connection.execute(
                """
                UPDATE \(schema.quoted).streams SET definition = jsonb_set(definition, '{priority}', '5000') WHERE name = 'promotion'
                """)
            try await day(2)
            #expect(try await sends(connection, schema) == ["promo_1@0"])
            try await connection.execute(
                "UPDATE \(schema.quoted).streams SET definition = definition - 'priority' WHERE name = 'promotion'")
            try await day(3)
            #expect(try await sends(connection, schema) == ["promo_1@0", "promo_2@3"])
        }
    }
}
