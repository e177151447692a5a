// The shared bounds: what each check accepts, and the one-line error for what it refuses.
import EbbflowCore
import Testing

@Suite struct InputBoundsTests {
    @Test func durationsWithinTenYearsPass() throws {
        #expect(try InputBounds.duration("3d", field: "--every") == 259_200)
        #expect(try InputBounds.duration("3650d", field: "--every") == InputBounds.maxDurationSeconds)
    }

    @Test func aDurationPastTenYearsNamesFieldValueAndBound() {
        #expect(
            throws: BoundError(field: "--every", value: "\"99999999999d\"", bound: "must be at most 3650d (ten years)")
        ) {
            try InputBounds.duration("99999999999d", field: "--every")
        }
        #expect(throws: BoundError.self) { try InputBounds.duration("0s", field: "--every") }
        #expect(throws: BoundError.self) { try InputBounds.duration("soon", field: "--every") }
    }

    @Test func numbersRefuseNaNInfinityAndTheOutOfRange() {
        #expect(throws: BoundError.self) { try InputBounds.number(.nan, field: "score", in: 0...1) }
        #expect(throws: BoundError.self) { try InputBounds.number(.infinity, field: "score", in: 0...1) }
        #expect(throws: BoundError.self) { try InputBounds.integer(99_999_999_999, field: "cycle", in: 0...100) }
        #expect((try? InputBounds.integer(3, field: "cycle", in: 0...100)) == 3)
    }
}

/// `InputBounds.seconds`: durations given in seconds by code, bounded like typed ones.
@Suite struct InputBoundsSecondsTests {
    @Test func secondsAreBoundedAndNamed() throws {
        #expect(try InputBounds.seconds(86_400, field: "every") == 86_400)
        #expect(throws: BoundError(field: "every", value: "1e+16s", bound: "must be at most 3650d (ten years)")) {
            try InputBounds.seconds(1e16, field: "every")
        }
        #expect(throws: BoundError(field: "every", value: "nan", bound: "must be at least 1s")) {
            try InputBounds.seconds(.nan, field: "every")
        }
        #expect(throws: BoundError(field: "inactive_for", value: "-5.0s", bound: "must be at least 0s")) {
            try InputBounds.seconds(-5, field: "inactive_for", minimum: 0)
        }
    }
}
