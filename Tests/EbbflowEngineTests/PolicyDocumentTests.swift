// A policy document is read strictly (unknown keys, enum values, bounds) and merged key by key.
import EbbflowCore
import EbbflowEngine
import EbbflowTestSupport
import Foundation
import Testing

@Suite struct PolicyDocumentTests {
    func parse(_ text: String) throws(PolicyError) -> PolicyDocument { try PolicyDocument.parse(Data(text.utf8)) }

    func refusal(_ text: String) -> String {
        do {
            _ = try parse(text)
            return "accepted"
        } catch {
            return "\(error)"
        }
    }

    /// A misspelt key once meant "use the default" without a word.
    @Test func unknownKeysAreRefusedWithTheirPath() {
        let cases: [(String, String)] = [
            (
                #"{"default": {"cooldwn_days": 45}}"#,
                #"policy field default.cooldwn_days: unknown key "cooldwn_days" in default"#
            ),
            (#"{"defaults": {"cooldown_days": 45}}"#, #"policy field defaults: unknown key "defaults""#),
            (
                "segments:\n  b2b:\n    frequency_cap: {sends: 2, per_day: 7}\n",
                #"policy field segments.b2b.frequency_cap.per_day: unknown key "per_day" in segments.b2b.frequency_cap"#
            ),
            (
                #"{"default": {"decay": {"half_life": 10}}}"#,
                #"policy field default.decay.half_life: unknown key "half_life" in default.decay"#
            ),
        ]
        for (text, expected) in cases { #expect(refusal(text) == expected) }
    }

    @Test func enumErrorsListTheValidValues() {
        #expect(
            refusal(#"{"default": {"after_reactivation": "delete"}}"#)
                == #"policy field default.after_reactivation: "delete" is not one of suppress, move_to_channel"#)
        #expect(
            refusal("default:\n  reactivation_formats: [html, pdf]\n")
                == #"policy field default.reactivation_formats[1]: "pdf" is not one of html, plain"#)
        #expect(
            refusal(#"{"default": {"on_engagement_after_channel_move": "return"}}"#)
                == #"policy field default.on_engagement_after_channel_move: "return" is not one of return_to_email, stay"#
        )
        #expect(
            refusal("default:\n  cooldown_days:\n")
                == "policy field default.cooldown_days: expected a whole number between \(Int.min) and \(Int.max), found null",
            "no value is not the default")
        #expect(
            refusal("default: {cooldown_days: 45}\ndefault: {cooldown_days: 50}\n")
                == "policy field (document): not a JSON or YAML policy document: not valid YAML: line 1, column 1: the key default appears twice in one mapping"
        )
        #expect(
            refusal(#"{"default": {"cooldown_days": "thirty"}}"#)
                == #"policy field default.cooldown_days: expected a whole number between \#(Int.min) and \#(Int.max), found "thirty""#
        )
    }

    /// The checks that are not bounds, with the messages docs/bad-input.md lists.
    @Test func namesAndListsAreChecked() {
        #expect(
            refusal(#"{"default": {"alternative_channel": "email"}}"#)
                == "policy field default.alternative_channel = email: must be a channel name other than email")
        #expect(
            refusal(#"{"default": {"reactivation_formats": ["html"]}}"#)
                == #"policy field default.reactivation_formats = ["html"]: names the formats of emails 1 and 2: two values"#
        )
        #expect(
            refusal(#"{"default": {"points": {"Open Now": 5}}}"#)
                == "policy field default.points = Open Now: event kinds are lower-case letters, digits and underscores")
        #expect(
            refusal("[1, 2]")
                == "policy field (document): not a JSON or YAML policy document: the document must be a mapping of fields, not a single value or a list"
        )
    }

    /// Built-in defaults, then the document's `default`, then the segment, key by key.
    @Test func partialPoliciesMergePerKey() throws {
        let builtIn = EngagementPolicy()
        let one = try parse(#"{"default": {"points": {"unsubscribe": 0}}}"#).default
        #expect(one.points == builtIn.points.merging(["unsubscribe": 0]) { $1 }, "one kind added, every other kept")
        #expect(one.points(for: "open", machineOpen: false) == 5 && one.points(for: "click", machineOpen: false) == 10)

        let document = try parse(
            """
            default:
              cooldown_days: 45
              frequency_cap: {sends: 2}
              points: {open: 4}
            segments:
              b2b:
                frequency_cap: {per_days: 14}
                points: {demo_request: 30}
                reactivation_formats: [plain, plain]
            """)
        #expect(document.default.frequencyCap.sends == 2 && document.default.frequencyCap.perDays == 7)
        let b2b = document.policy(for: "b2b")
        #expect(b2b.cooldownDays == 45, "a segment falls back to the document's default, not the built-in")
        #expect(b2b.frequencyCap.sends == 2 && b2b.frequencyCap.perDays == 14)
        #expect(b2b.points["open"] == 4 && b2b.points["click"] == 10 && b2b.points["demo_request"] == 30)
        #expect(b2b.reactivationFormats == [.plain, .plain], "a list is replaced whole")
        #expect(b2b.engagedThreshold == builtIn.engagedThreshold)
        #expect(document.acceptedEventKinds.isSuperset(of: ["open", "click", "page_visit", "demo_request"]))
    }

    /// Every number has bounds, refused with field, value and bound. Before, each of these was
    /// stored and handed to the workers, which multiplied it into seconds on the clock.
    @Test func everyNumberHasBounds() {
        let cases: [(String, String)] = [
            (
                #"{"default":{"frequency_cap":{"sends":3,"per_days":99999999999}}}"#,
                "policy field default.frequency_cap.per_days = 99999999999: must be between 1 and 3650"
            ),
            (
                #"{"default":{"frequency_cap":{"sends":0}}}"#,
                "policy field default.frequency_cap.sends = 0: must be between 1 and 1000"
            ),
            (
                #"{"default":{"cooldown_days":99999999999}}"#,
                "policy field default.cooldown_days = 99999999999: must be between 30 and 90"
            ),
            (
                #"{"default":{"reactivation_wait_days":99999999999}}"#,
                "policy field default.reactivation_wait_days = 99999999999: must be between 1 and 3650"
            ),
            (
                #"{"default":{"inactive_after_days":3651}}"#,
                "policy field default.inactive_after_days = 3651: must be between 1 and 3650"
            ),
            (
                #"{"default":{"inactive_after_sends":101}}"#,
                "policy field default.inactive_after_sends = 101: must be between 1 and 100"
            ),
            (
                #"{"default":{"engaged_threshold":0}}"#,
                "policy field default.engaged_threshold = 0: must be between 1 and 10000"
            ),
            (
                #"{"default":{"points":{"click":1000000}}}"#,
                "policy field default.points.click = 1000000: must be between 0 and 1000"
            ),
            (
                #"{"default":{"machine_open_points":-1}}"#,
                "policy field default.machine_open_points = -1: must be between 0 and 1000"
            ),
            (
                #"{"default":{"decay":{"grace_days":1e9}}}"#,
                "policy field default.decay.grace_days = 1000000000.0: must be between 0.0 and 3650.0"
            ),
            (
                #"{"default":{"decay":{"half_life_days":0}}}"#,
                "policy field default.decay.half_life_days = 0.0: must be between 0.01 and 3650.0"
            ),
            (
                #"{"segments":{"b2b":{"frequency_cap":{"per_days":4000}}}}"#,
                "policy field segments.b2b.frequency_cap.per_days = 4000: must be between 1 and 3650"
            ),
            (
                #"{"default":{"cooldown_days":1e30}}"#,
                #"policy field default.cooldown_days: expected a whole number between \#(Int.min) and \#(Int.max), found 1e+30"#
            ),
        ]
        for (text, expected) in cases { #expect(refusal(text) == expected) }
        // What a worker did with the accepted value: a cap window of 8.6e15 seconds, which the
        // timestamp encoder (microseconds in an Int64) cannot represent.
        var capped = EngagementPolicy().frequencyCap
        capped.perDays = 99_999_999_999
        #expect(capped.window * 1_000_000 > Double(Int64.max))
        var bounded = capped
        bounded.perDays = InputBounds.maxDays
        #expect(bounded.window * 1_000_000 < Double(Int64.max))
    }
}

@Suite struct StoredPolicyBoundsTests {
    /// A policy stored before the bounds (written straight into the table, as an older release
    /// accepted it) is what every worker job loads. The load now refuses it with the same one
    /// line, so a worker fails that job with a clear error instead of computing an 8.6e15-second
    /// cap window and trapping in the timestamp encoder.
    @Test func anOutOfBoundsStoredPolicyIsRefusedAtLoad() async throws {
        try await MigratedSchema.with { connection, schema in
            try await connection.execute(
                "INSERT INTO \(schema.quoted).policies (document) VALUES ($1::jsonb)",
                [#"{"default":{"frequency_cap":{"sends":3,"per_days":99999999999}}}"#])
            await #expect { try await connection.run { try PolicyStore(schema: schema).load(on: $0) } } throws: {
                "\($0)" == "policy field default.frequency_cap.per_days = 99999999999: must be between 1 and 3650; "
                    + "the stored policy no longer passes this check; correct it with ebbflow policy set"
            }
        }
    }
}
