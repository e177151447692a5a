import Foundation
import Testing

// Pure engine logic: the state machine's table, score decay maths, and policy validation.
@testable import EbbflowEngine

@Suite struct StateMachineTests {
    @Test func legalAndIllegalTransitions() throws {
        try StateMachine.check(from: .active, to: .engaged, reason: .scoreThreshold)
        try StateMachine.check(from: .inactive, to: .reactivated, reason: .engagedDuringReactivation)
        try StateMachine.check(from: .reactivated, to: .active, reason: .flowEntry)
        try StateMachine.check(from: .inactive, to: .suppressed, reason: .reactivationExhausted)
        #expect(throws: IllegalTransition(from: .suppressed, to: .engaged, reason: .scoreThreshold)) {
            try StateMachine.check(from: .suppressed, to: .engaged, reason: .scoreThreshold)
        }
        #expect(!StateMachine.isLegal(from: .active, to: .engaged, reason: .silence), "right pair, wrong reason")
        #expect(!StateMachine.isLegal(from: .engaged, to: .engaged, reason: .scoreThreshold), "no self-loops")
        #expect(
            StateMachine.isLegal(from: .inactive, to: .inactive, reason: .movedToChannel),
            "the one audit-only row: a channel move")
        #expect(!StateMachine.isLegal(from: .active, to: .active, reason: .movedToChannel))
        #expect(
            !StateMachine.isLegal(from: .inactive, to: .active, reason: .flowEntry),
            "inactive comes back only through reactivated")
    }

    @Test func everyStatusCanBeLeftAndReached() {
        for status in CampaignStatus.allCases {
            #expect(!(StateMachine.rules[status] ?? [:]).isEmpty, "\(status) is a dead end")
            #expect(StateMachine.rules.values.contains { $0[status] != nil }, "\(status) is unreachable")
        }
    }

    @Test func pathsAreCheckedStepByStep() {
        #expect(
            StateMachine.isLegalPath([
                (.active, .inactive, .noEngagementAfterSends), (.inactive, .reactivated, .engagedDuringReactivation),
                (.reactivated, .engaged, .scoreThreshold),
            ]))
        #expect(
            !StateMachine.isLegalPath([(.active, .inactive, .silence), (.active, .engaged, .scoreThreshold)]),
            "steps must chain")
    }

    @Test func onlyActiveAudienceGetsFlowEmail() {
        #expect(CampaignStatus.allCases.filter(\.mayReceiveFlowEmail) == [.active, .reactivated])
    }
}

@Suite struct ScoreDecayTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    func days(_ n: Double) -> Date { start.addingTimeInterval(n * 86_400) }

    @Test func fortySilentForFourteenPlusThirtyDaysIsTwenty() {
        #expect(abs(ScoreDecay().score(40, since: start, now: days(44)) - 20) < 1e-9)
    }

    @Test func graceKeepsTheScore() {
        #expect(ScoreDecay().score(40, since: start, now: days(14)) == 40)
        #expect(ScoreDecay().score(40, since: start, now: days(13.9)) == 40)
        #expect(ScoreDecay().score(40, since: start, now: days(74)) == 10)
    }

    /// The cap defers to the moment the oldest counted send leaves the window, not a fixed delay.
    @Test func frequencyCapDefersUntilASlotFrees() {
        let cap = EngagementPolicy().frequencyCap // 3 per 7 days
        let now = days(10)
        #expect(cap.deferral(recentSends: [days(4), days(9)], now: now) == nil)
        #expect(
            cap.deferral(recentSends: [days(2), days(4), days(8), days(9)], now: now) == days(11),
            "days(2) is outside the window")
        #expect(cap.deferral(recentSends: [days(4), days(8), days(9)], now: now) == days(11))
        #expect(
            cap.deferral(recentSends: [days(5), days(6), days(8), days(9)], now: now) == days(13),
            "two must leave: 6 + 7")
        #expect(cap.deferral(recentSends: [], now: now) == nil)
    }

    /// Decay composes: a pass that decays the stored score step by step, each step from the
    /// time of the previous one, agrees with one step over the whole span.
    @Test func dailyHourlyOrOnceAgree() {
        let decay = ScoreDecay()
        let once = decay.score(40, since: start, now: days(44))
        #expect(abs(once - 20) < 1e-12)
        for step in [1.0, 1.0 / 24, 7, 30] {
            var stored = 40.0, asOf: Date? = nil
            for at in stride(from: step, through: 44, by: step) {
                stored = decay.score(stored, asOf: asOf, lastEngagement: start, now: days(at))
                asOf = days(at)
            }
            stored = decay.score(stored, asOf: asOf, lastEngagement: start, now: days(44))
            #expect(abs(stored - once) < 1e-9, "stepping every \(step) days")
        }
        #expect(decay.score(20, asOf: days(44), lastEngagement: start, now: days(40)) == 20, "never un-decays")
        #expect(decay.score(0, since: start, now: days(100)) == 0)
        #expect(decay.score(15, since: nil, now: days(100)) == 15, "never engaged: nothing to decay from")
    }
}

@Suite struct PolicyTests {
    func parse(_ json: String) throws(PolicyError) -> PolicyDocument { try PolicyDocument.parse(Data(json.utf8)) }

    @Test func defaultsFollowThePractice() throws {
        let policy = try parse("{}").policy(for: "retail")
        #expect(policy.points(for: "open", machineOpen: false) == 5)
        #expect(policy.points(for: "open", machineOpen: true) == 0)
        #expect(policy.points(for: "click", machineOpen: false) == 10)
        #expect(policy.points(for: "high_intent_visit", machineOpen: false) == 15)
        #expect(policy.points(for: "teleport", machineOpen: false) == nil)
        #expect(policy.engagedThreshold == 20 && policy.inactiveAfterSends == 3 && policy.inactiveAfterDays == 90)
        #expect(
            policy.cooldownDays == 30 && policy.reactivationWaitDays == 7 && policy.afterReactivation == .moveToChannel)
        #expect(policy.frequencyCap.sends == 3 && policy.frequencyCap.perDays == 7)
    }

    @Test func segmentsOverrideTheDefault() throws {
        let document = try parse(#"{"segments": {"b2b": {"cooldown_days": 60, "after_reactivation": "suppress"}}}"#)
        #expect(document.policy(for: "b2b").cooldownDays == 60)
        #expect(document.policy(for: "b2b").afterReactivation == .suppress)
        #expect(document.policy(for: "b2b").engagedThreshold == 20, "unset fields keep their defaults")
        #expect(document.policy(for: "retail").cooldownDays == 30)
    }

    /// People write YAML (with comments); it means exactly what the same JSON means, and is
    /// stored as JSON.
    @Test func yamlAndJSONAreTheSamePolicy() throws {
        let yaml = """
            # engaged sooner for b2b, where one demo request says a lot
            default:
              points: {open: 4, click: 9}
              frequency_cap: {sends: 2, per_days: 7}
            segments:
              b2b:
                engaged_threshold: 15
                cooldown_days: 60
                after_reactivation: suppress
            """
        let json =
            #"""
            {"default": {"points": {"open": 4, "click": 9}, "frequency_cap": {"sends": 2, "per_days": 7}}, \#
            "segments": {"b2b": {"engaged_threshold": 15, "cooldown_days": 60, "after_reactivation": "suppress"}}}
            """#
        #expect(try parse(yaml) == parse(json))
        let stored = try PolicyDocument.parseStored(Data(yaml.utf8)).json
        #expect(try JSONSerialization.jsonObject(with: stored) is [String: Any], "stored as JSON")
        #expect(try parse(yaml).policy(for: "b2b").afterReactivation == .suppress)
        #expect(
            try parse("{default: {points: {open: 4, click: 9}}}").default.points
                == EngagementPolicy().points.merging(["open": 4, "click": 9]) { $1 },
            "YAML's flow style starts with a brace too (and points merge key by key)")
    }

    @Test func badValuesNameFieldAndValue() {
        let cases: [(String, String)] = [
            (#"{"default": {"points": {"open": -5}}}"#, "policy field default.points.open = -5"),
            (
                #"{"default": {"cooldown_days": 10}}"#,
                "policy field default.cooldown_days = 10: must be between 30 and 90"
            ),
            (#"{"default": {"engaged_threshold": 0}}"#, "policy field default.engaged_threshold = 0"),
            (#"{"segments": {"b2b": {"cooldown_days": 120}}}"#, "policy field segments.b2b.cooldown_days = 120"),
            (#"{"default": {"points": {"Open Now": 5}}}"#, "policy field default.points = Open Now"),
            (#"{"default": {"after_reactivation": "explode"}}"#, "after_reactivation"),
            (#"{"default": {"cooldown_days": "thirty"}}"#, "cooldown_days"),
            ("not json", "not a JSON or YAML policy document: the document must be a mapping"),
            ("{\"default\": ", "not a JSON or YAML policy document: not valid JSON"),
            ("default:\n  cooldown_days: [30\n", "not valid YAML"),
            ("default:\n  cooldown_days: 10\n", "policy field default.cooldown_days = 10: must be between 30 and 90"),
            ("segments:\n  b2b:\n    points: {open: -1}\n", "policy field segments.b2b.points.open = -1"),
        ]
        for (json, expected) in cases {
            #expect { try parse(json) } throws: { "\($0)".contains(expected) }
        }
    }
}
