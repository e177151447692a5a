// The flows table and FlowStore.start refuse an interval beyond ten years.
import EbbflowCore
import EbbflowEngine
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

/// Issue 14 item 2, in the table: a flow interval beyond ten years cannot be stored by any
/// writer, so no step can be scheduled at a time that overflows.
@Suite struct FlowIntervalBoundTests {
    @Test func theFlowsTableRefusesAnIntervalBeyondTenYears() async throws {
        try await MigratedSchema.with { connection, schema in
            do {
                try await connection.simpleQuery(
                    """
                    INSERT INTO \(schema.quoted).flows (name, segment, template, every_seconds, max_sends, created_at)
                    VALUES ('f1', 'b2c', 't1', 99999999999 * 86400.0, 3, now())
                    """)
                Issue.record("stored")
            } catch let error as PGError {
                #expect(error.message.contains("flows_every_seconds_bound"), "\(error)")
            }
            let refused = await #expect(throws: BoundError.self) {
                try await connection.run {
                    try FlowStore(schema: schema).start(
                        FlowDefinition(name: "f2", segment: "b2c", template: "t1", everySeconds: 1e16), on: $0)
                }
            }
            #expect(refused?.description == "every 1e+16s: must be at most 3650d (ten years)")
        }
    }
}
