// Every job the engine makes about one contact carries the queue subject it is cancelled by.
import EbbflowCore
import EbbflowEngine
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

extension SendFlowTests {
    /// Enrolment, each next step, the end-of-flow wait and the reactivation step it schedules:
    /// a job without its subject would escape `ContactJobs.cancel` when its contact engages.
    @Test func everyPerContactJobCarriesItsContactAsSubject() async throws {
        try await withContacts(["one", "two"]) { connection, schema, day in
            _ = try await connection.withTransaction { try FlowStore(schema: schema).start(
                FlowDefinition(name: "welcome", segment: "retail", template: "welcome_1"), on: $0) }
            var kinds: Set<String> = []
            for step in [0.0, 3, 6, 8, 9] {
                try await day(step)
                let rows = try await connection.query("""
                    SELECT kind, subject, 'contact:' || (args->>'contact_id') AS expected FROM \(schema.qualified("jobs"))
                    WHERE args ? 'contact_id'
                    """).rows
                for row in rows {
                    let kind: String = try row.decode("kind")
                    kinds.insert(kind)
                    #expect(try row.decode("subject", as: String?.self) == (try row.decode("expected", as: String.self)), "\(kind) on day \(step)")
                }
            }
            #expect(kinds == ["flow_step", "flow_wait_end", "reactivation_step"], "all three kinds were seen pending")
        }
    }
}
