// The policy's delivery fields (quiet_hours, default_timezone, delivery_max_attempts) are read strictly and merged.
import EbbflowCore
import EbbflowEngine
import Foundation
import Testing

@Suite struct DeliveryPolicyTests {
    func refusal(_ text: String) -> String {
        do {
            _ = try PolicyDocument.parse(Data(text.utf8))
            return "accepted"
        } catch {
            return "\(error)"
        }
    }

    @Test func goodFieldsAreReadAndMergedIntoSegments() throws {
        let document = try PolicyDocument.parse(
            Data(
                """
                default: {quiet_hours: {start: "21:00", end: "08:00"}, delivery_max_attempts: 4}
                segments:
                  b2b: {default_timezone: Europe/Paris, quiet_hours: {start: "19:30"}}
                """.utf8))
        #expect(document.default.quietHours == .init(start: "21:00", end: "08:00"))
        #expect(document.default.defaultTimezone == nil && document.default.deliveryMaxAttempts == 4)
        let b2b = document.policy(for: "b2b")
        #expect(b2b.quietHours == .init(start: "19:30", end: "08:00"), "merged key by key")
        #expect(b2b.defaultTimezone == "Europe/Paris" && b2b.deliveryMaxAttempts == 4)
        #expect(PolicyDocument().default.quietHours == nil && PolicyDocument().default.deliveryMaxAttempts == 8)
    }

    @Test func badFieldsAreRefusedByName() {
        let cases: [(String, String)] = [
            (
                #"{"default": {"quiet_hours": {"start": "25:00", "end": "08:00"}}}"#,
                #"policy field default.quiet_hours.start = "25:00": must be a 24-hour local time HH:MM, 00:00 to 23:59"#
            ),
            (
                #"{"default": {"quiet_hours": {"start": "9pm", "end": "08:00"}}}"#,
                #"policy field default.quiet_hours.start = "9pm": must be a 24-hour local time HH:MM, 00:00 to 23:59"#
            ),
            (
                #"{"default": {"quiet_hours": {"start": "08:00", "end": "08:00"}}}"#,
                "policy field default.quiet_hours = 08:00 to 08:00: start and end must differ (leave quiet_hours out for none)"
            ),
            (
                #"{"default": {"quiet_hours": {"start": "21:00", "end": "08:00", "zone": "UTC"}}}"#,
                #"policy field default.quiet_hours.zone: unknown key "zone" in default.quiet_hours"#
            ),
            (
                #"{"segments": {"b2b": {"default_timezone": "Mars/Olympus"}}}"#,
                #"policy field segments.b2b.default_timezone = "Mars/Olympus": must be an IANA time zone name such as Europe/Paris or America/New_York"#
            ),
            (
                #"{"default": {"delivery_max_attempts": 0}}"#,
                "policy field default.delivery_max_attempts = 0: must be between 1 and 50"
            ),
        ]
        for (text, expected) in cases { #expect(refusal(text) == expected, "\(text)") }
    }

    @Test func theBackoffGrowsAndIsBounded() {
        #expect(SendBackoff.step(afterAttempt: 1) == 60 && SendBackoff.step(afterAttempt: 3) == 240)
        #expect(SendBackoff.step(afterAttempt: 50) == SendBackoff.capSeconds)
        for attempt in [1, 4, 40] {
            let delay = SendBackoff.delay(afterAttempt: attempt), step = SendBackoff.step(afterAttempt: attempt)
            #expect(delay >= step / 2 && delay <= step)
        }
    }
}
