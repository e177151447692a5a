// Durations as the CLI reads and prints them.
import EbbflowCore
import Testing

@Suite struct DurationTextTests {
    @Test func readsPairsOfNumberAndUnit() {
        #expect(DurationText.seconds("1d12h") == 129_600)
        #expect(DurationText.seconds("90s") == 90)
        #expect(DurationText.seconds("2w") == 1_209_600)
        #expect(DurationText.seconds("12") == nil)
        #expect(DurationText.seconds("3x") == nil)
    }

    @Test func printsTheTwoLargestUnits() {
        #expect(DurationText.text(seconds: 42.46) == "42.5s")
        #expect(DurationText.text(seconds: 303) == "5m3s")
        #expect(DurationText.text(seconds: 3_600) == "1h0m")
        #expect(DurationText.text(seconds: 129_600) == "1d12h")
        #expect(DurationText.text(seconds: 55_153_089.6) == "638d8h")
        #expect(DurationText.seconds(DurationText.text(seconds: 129_600)) == 129_600)
    }
}
