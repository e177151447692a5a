// The shared bounds: what each check accepts, and the one-line error for what it refuses.
import EbbflowCore
import Testing

@Suite struct InputBoundsTests {
    @Test func durationsWithinTenYearsPass() throws {
        #expect(try InputBounds.duration("3d", field: "--every") == 259_200)
        #expect(try InputBounds.duration("3650d", field: "--every") == InputBounds.maxDurationSeconds)
    }

    @Test func aDurationPastTenYearsNamesFieldValueAndBound() {
        #expect(throws: BoundError(field: "--every", value: "\"99999999999d\"", bound: "must be at most 3650d (ten years)")) {
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
