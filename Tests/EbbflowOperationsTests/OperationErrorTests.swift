// OperationError's messages and fields, and the checks every front door shares (states, bounds, ids, days).
import EbbflowEngine
import EbbflowOperations
import Foundation
import Testing

@Suite struct OperationErrorTests {
    @Test func messageIsTheDescriptionAndFieldOnlyForInvalid() {
        let invalid = OperationError.invalid("--limit 0: must be between 1 and 1000", field: "limit")
        #expect(invalid.description == "--limit 0: must be between 1 and 1000")
        #expect(invalid.message == invalid.description)
        #expect(invalid.field == "limit")
        #expect("\(OperationError.notFound("no job with id 7"))" == "no job with id 7")
        #expect(OperationError.notFound("x").field == nil)
        #expect(OperationError.conflict("job 7 is running; cannot retry it").field == nil)
    }

    @Test func contactChecks() throws {
        #expect(try ContactOperations.status(nil) == nil)
        #expect(try ContactOperations.status("engaged") == .engaged)
        #expect(
            throws: OperationError.invalid(
                "--status must be one of active, engaged, inactive, reactivated, suppressed; got happy", field: "status"
            )
        ) { try ContactOperations.status("happy") }
        #expect(try ContactOperations.limit(nil) == 100)
        #expect(try ContactOperations.limit(1_000) == 1_000)
        #expect(throws: OperationError.invalid("--limit 1001: must be between 1 and 1000", field: "limit")) {
            try ContactOperations.limit(1_001)
        }
        #expect(throws: OperationError.invalid("--limit 0: must be between 1 and 1000000", field: "limit")) {
            try ContactOperations.limit(0, maximum: 1_000_000)
        }
    }

    @Test func jobChecks() throws {
        #expect(try JobOperations.id("12") == 12)
        for bad in ["0", "-3", "1.5", "x", "", "99999999999999999999"] {
            #expect(throws: OperationError.invalid("job id \"\(bad)\" is not a positive whole number", field: "id")) {
                try JobOperations.id(bad)
            }
        }
        #expect(try JobOperations.state("discarded") == "discarded")
        #expect(throws: OperationError.self) { try JobOperations.state("done") }
        #expect(try JobOperations.limit(nil) == 100)
        #expect(throws: OperationError.invalid("--limit must be 1...1000, got 5000", field: "limit")) {
            try JobOperations.limit(5_000)
        }
    }

    @Test func audienceDays() throws {
        #expect(try AudienceOperations.days(nil) == 30)
        #expect(try AudienceOperations.days(3_660) == 3_660)
        #expect(throws: OperationError.invalid("days 0: must be between 1 and 3660", field: "days")) {
            try AudienceOperations.days(0)
        }
        #expect(throws: OperationError.invalid("days 3661: must be between 1 and 3660", field: "days")) {
            try AudienceOperations.days(3_661)
        }
    }
}

@Suite struct OperationInputTests {
    @Test func queryNumbers() throws {
        #expect(try OperationInput.integer(nil, field: "limit") == nil)
        #expect(try OperationInput.integer("25", field: "limit") == 25)
        for bad in ["ten", "1.5", "", " 3", "99999999999999999999"] {
            #expect(throws: OperationError.invalid("limit \"\(bad)\" is not a whole number", field: "limit")) {
                try OperationInput.integer(bad, field: "limit")
            }
        }
    }

    @Test func promoteBody() throws {
        #expect(try OperationInput.variant(fromBody: Data(#"{"variant": "b"}"#.utf8)) == "b")
        for bad in [#"{}"#, #"{"variant": ""}"#, #"{"variant": 3}"#, #"["b"]"#, "not json", ""] {
            #expect {
                try OperationInput.variant(fromBody: Data(bad.utf8))
            } throws: { ($0 as? OperationError)?.field == "variant" }
        }
        #expect(
            throws: OperationError.invalid(
                "unknown key \"winner\" in the body; the body must be a JSON object {\"variant\": \"…\"}",
                field: "winner")
        ) { try OperationInput.variant(fromBody: Data(#"{"variant": "b", "winner": true}"#.utf8)) }
    }
}
