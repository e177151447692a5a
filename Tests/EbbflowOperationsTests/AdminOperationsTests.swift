// Schedules, streams, experiments, policy and audience through the operations: results and refusals as the CLI words them.
import EbbflowCore
import EbbflowEngine
import EbbflowOperations
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct AdminOperationsTests {
    @Test func schedulesByName() async throws {
        try await MigratedSchema.with { database, schema in
            let operations = ScheduleOperations(schema: schema)
            let listed = try await operations.list(on: database)
            #expect(listed.document.arrayValue?.contains { $0["name"] == "inactivity_sweep" } == true)
            #expect(
                try await operations.setEnabled(name: "inactivity_sweep", false, on: database).message
                    == "schedule inactivity_sweep disabled")
            #expect(
                try await operations.runNow(name: "inactivity_sweep", on: database).message
                    == "schedule inactivity_sweep due now, but disabled: it fires once enabled")
            #expect(
                try await operations.setEnabled(name: "inactivity_sweep", true, on: database).document["enabled"]
                    == true)
            #expect(
                try await operations.runNow(name: "inactivity_sweep", on: database).message
                    == "schedule inactivity_sweep due now")
            for action in ["run", "enable", "disable"] {
                await #expect(throws: OperationError.notFound("no schedule named \"nope\"")) {
                    switch action {
                    case "run": try await operations.runNow(name: "nope", on: database)
                    default: try await operations.setEnabled(name: "nope", action == "enable", on: database)
                    }
                }
            }
        }
    }

    static let stream = """
        name: welcome
        entry: {event: signup}
        steps:
          - send:
              template: welcome_a
              experiment: {name: subject_test, metric: opens, variants: [{name: a, template: welcome_a}, {name: b, template: welcome_b}]}
          - wait: 3d
          - send: welcome_2
        """

    @Test func streamsApplyListShow() async throws {
        try await MigratedSchema.with { database, schema in
            let operations = StreamOperations(schema: schema)
            let applied = try await operations.apply(document: Data(Self.stream.utf8), on: database)
            #expect(applied.lines == ["stream welcome created"])
            #expect(applied.document == ["streams": [["name": "welcome", "outcome": "created"]]])
            #expect(
                try await operations.apply(document: Data(Self.stream.utf8), on: database).lines == [
                    "stream welcome unchanged"
                ])
            let listed = try await operations.list(on: database)
            #expect(listed.document.arrayValue?.first?["steps"] == 3)
            let shown = try await operations.show(name: "welcome", on: database)
            #expect(shown.document["version"] == 1)
            #expect(shown.document["definition"]?["name"] == "welcome")
            await #expect(throws: OperationError.notFound("no stream named \"gone\"")) {
                _ = try await operations.show(name: "gone", on: database)
            }
            await #expect {
                _ = try await operations.apply(
                    document: Data("name: x\nentry: {event: signup}\nsteps: [{send: t}]\nbogus: 1\n".utf8), on: database
                )
            } throws: { error in
                guard case .invalid(let message, _)? = error as? OperationError else { return false }
                return message.hasSuffix("; the stored streams are unchanged")
            }
        }
    }

    @Test func experimentsShowAndPromote() async throws {
        try await MigratedSchema.with { database, schema in
            _ = try await StreamOperations(schema: schema).apply(document: Data(Self.stream.utf8), on: database)
            let operations = ExperimentOperations(schema: schema)
            #expect(try await operations.list(on: database).document.arrayValue?.first?["name"] == "subject_test")
            let shown = try await operations.show(name: "subject_test", on: database)
            #expect(shown.document["promoted"] == .null)
            #expect(shown.document["variants"]?.arrayValue?.count == 2)
            await #expect(throws: OperationError.notFound("no experiment named \"none\"")) {
                _ = try await operations.show(name: "none", on: database)
            }
            await #expect(throws: OperationError.notFound("no experiment named \"none\"")) {
                try await operations.promote(name: "none", variant: "a", on: database)
            }
            await #expect(
                throws: OperationError.invalid(
                    "experiment subject_test has no variant \"c\" (variants: a, b)", field: "variant")
            ) { try await operations.promote(name: "subject_test", variant: "c", on: database) }
            #expect(
                try await operations.promote(name: "subject_test", variant: "b", on: database).message
                    == "experiment subject_test: b promoted; later sends of its step use it")
            #expect(try await operations.show(name: "subject_test", on: database).document["promoted"] == "b")
        }
    }

    @Test func policySetAndShow() async throws {
        try await MigratedSchema.with { database, schema in
            let operations = PolicyOperations(schema: schema)
            let defaults = try await operations.show(on: database)
            #expect(defaults.model.inForce)
            #expect(defaults.document["default"] != nil)
            await #expect {
                try await operations.set(document: Data(#"{"default": {"bogus": 1}}"#.utf8), on: database)
            } throws: { error in
                guard case .invalid(let message, let field)? = error as? OperationError else { return false }
                return message.hasSuffix("; the stored policy is unchanged") && field?.contains("bogus") == true
            }
            #expect(
                try await operations.set(document: Data("default: {}\n".utf8), on: database).message == "policy stored")
        }
    }

    @Test func audienceNowAndHistory() async throws {
        try await MigratedSchema.with { database, schema in
            try await ContactPagingTests.contacts(2, schema: schema, on: database)
            let operations = AudienceOperations(schema: schema)
            #expect(
                try await operations.now(segment: nil, on: database).document == [
                    ["segment": "retail", "status": "active", "contacts": 2]
                ])
            #expect(try await operations.history(days: nil, segment: nil, on: database).document == [])
            await #expect(throws: OperationError.invalid("days 0: must be between 1 and 3660", field: "days")) {
                _ = try await operations.history(days: 0, segment: nil, on: database)
            }
        }
    }
}
