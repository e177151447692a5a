// A stream document is read strictly: unknown keys and enum values named with their path, every duration and number bounded.
import EbbflowEngine
import Foundation
import Testing

@Suite struct StreamDocumentTests {
    static let kinds: Set<String> = ["open", "click", "page_visit"]

    func refusal(_ text: String) -> String {
        do {
            _ = try StreamDefinition.parse(Data(text.utf8), knownKinds: Self.kinds)
            return "accepted"
        } catch {
            return "\(error)"
        }
    }

    /// `evnt: signup` once made a triggered stream a standing one for every active contact.
    @Test(arguments: [
        (
            "name: welcome\nentry: {evnt: signup}\nsteps: [{send: w}]",
            #"stream welcome: entry.evnt: unknown key "evnt" in entry"#
        ),
        (
            "name: welcome\nentry: {event: signup}\nsteps: [{send: w}]\nextis: [purchase]",
            #"stream welcome: extis: unknown key "extis""#
        ),
        (
            "name: welcome\nsteps: [{send: {template: w, experimnt: {}}}]",
            #"stream welcome: steps[0].send.experimnt: unknown key "experimnt" in steps[0].send"#
        ),
        (
            "name: welcome\nsteps: [{branch: {if: click, within: 1d, then: a, else: a, when: now}}, {id: a, send: w}]",
            #"stream welcome: steps[0].branch.when: unknown key "when" in steps[0].branch"#
        ),
        (
            "name: welcome\nsteps: [{send: w}]\ngoal: {event: purchase, within: 3d, value: 10}",
            #"stream welcome: goal.value: unknown key "value" in goal"#
        ),
        (
            "streams:\n  - {name: a, steps: [{send: w}]}\n  - {name: b, stpes: [{send: w}]}",
            #"stream b: stpes: unknown key "stpes""#
        ),
        (
            "streams: [{name: a, steps: [{send: w}]}]\nversion: 2",
            #"stream (document): version: unknown key "version" beside streams (a document is one stream, or streams: [...])"#
        ),
        (
            "name: welcome\nmode: sticky\nsteps: [{send: w}]",
            #"stream welcome: mode: "sticky" is not one of open, locked"#
        ),
        (
            "name: welcome\nsteps: [{send: w}, {end: false}]",
            "stream welcome: steps[1].end: an end step is written end: true"
        ),
        (
            "name: welcome\nsteps: [{send: w}, {end: yes please}]",
            #"stream welcome: steps[1].end: expected true or false, found "yes please""#
        ),
        (
            "name: welcome\nentry: {statuses: [actve]}\nsteps: [{send: w}]",
            #"stream welcome: entry.statuses[0]: "actve" is not one of active, engaged, inactive, reactivated, suppressed"#
        ),
    ])
    func unknownKeysAndValuesAreNamed(document: String, expected: String) {
        #expect(refusal(document) == expected)
    }

    /// Every duration is more than 0 and at most ten years, every number bounded; each refusal
    /// names the stream, the field, the value and the bound. Before, `wait: 99999999999d`
    /// was stored and the worker that scheduled the next step trapped.
    @Test(arguments: [
        (
            "name: s\nsteps: [{send: w}, {wait: 99999999999d}, {send: x}]",
            #"stream s: steps[1].wait: "99999999999d": must be at most 3650d (ten years)"#
        ),
        (
            "name: s\nsteps: [{branch: {if: click, within: 5000d, then: a, else: a}}, {id: a, send: w}]",
            #"stream s: steps[0].branch.within: "5000d": must be at most 3650d (ten years)"#
        ),
        (
            "name: s\nsteps: [{send: w}]\ngoal: {event: purchase, within: 99999999999d}",
            #"stream s: goal.within: "99999999999d": must be at most 3650d (ten years)"#
        ),
        (
            "name: s\nentry: {statuses: [active], reentry_after: 99999999999d}\nsteps: [{send: w}]",
            #"stream s: entry.reentry_after: "99999999999d": must be at most 3650d (ten years)"#
        ),
        (
            "name: s\npriority: 99999999999\nsteps: [{send: w}]",
            "stream s: priority: 99999999999: must be between 0 and 1000"
        ),
        (
            "name: s\nentry: {date_attribute: birthday, offset_days: 400}\nsteps: [{send: w}]",
            "stream s: entry.offset_days: 400: must be between -366 and 366"
        ),
        (
            """
            name: s\nsteps: [{send: {template: w, experiment: {name: e, metric: opens, variants: [{name: a, template: \
            a, weight: 1e12}, {name: b, template: b}]}}}]
            """,
            "stream s: steps[0].send.experiment.variants[0].weight: 1000000000000.0: must be more than 0 and at most 1000"
        ),
    ])
    func everyDurationAndNumberIsBounded(document: String, expected: String) {
        #expect(refusal(document) == expected)
    }

    @Test func aZeroWaitIsRefused() {
        #expect(
            refusal("name: s\nsteps: [{wait: 0s}, {send: x}]").hasPrefix(
                #"stream s: steps[0].wait: "0s": must be at least 1"#))
    }

    @Test func theBoundsThemselvesAreAccepted() throws {
        let streams = try StreamDefinition.parse(
            Data(
                """
                name: s
                priority: 1000
                entry: {statuses: [active], reentry_after: 3650d}
                steps: [{send: w}, {wait: 3650d}, {send: x}]
                goal: {event: purchase, within: 3650d}
                """.utf8), knownKinds: Self.kinds)
        #expect(streams.first?.steps[1].action == .wait(3_650 * 86_400))
    }
}
