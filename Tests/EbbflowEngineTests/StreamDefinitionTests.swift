// Stream definitions: YAML and JSON read alike; every bad field is refused by name; stored all or none.
import EbbflowCore
import EbbflowEngine
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct StreamDefinitionTests {
    static let kinds: Set<String> = ["open", "click", "high_intent_visit", "form_submit", "page_visit"]

    static let welcome = """
        name: welcome
        mode: open
        entry: {statuses: [active], event: signup}
        steps:
          - send: welcome_1
          - wait: 3d
          - branch: {if: click, within: 3d, then: thanks, else: nudge}
          - id: nudge
            send:
              template: welcome_2
              experiment:
                name: welcome_subject
                metric: opens
                variants:
                  - {name: curiosity, template: welcome_2_curiosity}
                  - {name: value, template: welcome_2_value, weight: 2}
          - end: true
          - id: thanks
            send: welcome_thanks
        exits: [purchase]
        goal: {event: purchase, within: 14d}
        """

    func parse(_ text: String) throws(StreamError) -> [StreamDefinition] {
        try StreamDefinition.parse(Data(text.utf8), knownKinds: Self.kinds)
    }

    @Test func yamlStreamReadsAsWritten() throws {
        let stream = try #require(try parse(Self.welcome).first)
        #expect(stream.mode == .open && stream.exits == ["purchase"] && stream.entry.event == "signup")
        #expect(stream.steps.count == 6)
        #expect(stream.steps[1].action == .wait(3 * 86_400))
        #expect(
            stream.steps[2].action == .branch(kind: "click", within: 3 * 86_400, then: "thanks", otherwise: "nudge"))
        guard case .send(let template, let experiment) = stream.steps[3].action else {
            Issue.record("not a send"); return
        }
        #expect(template == "welcome_2" && experiment?.variants.map(\.name) == ["curiosity", "value"])
        // What is stored (JSON) reads back the same.
        let stored = try JSONEncoder().encode(stream)
        #expect(try JSONDecoder().decode(StreamDefinition.self, from: stored) == stream)
    }

    @Test func severalStreamsInOneDocument() throws {
        let streams = try parse(
            """
            streams:
              - {name: birthday, mode: locked, priority: 10, entry: {date_attribute: birthday, offset_days: -3},
                 steps: [{send: birthday_1}, {wait: 3d}, {send: birthday_2}]}
              - {name: post_return, mode: locked, entry: {event: product_return}, steps: [{send: sorry}], exits: [support_ticket]}
            """)
        #expect(streams.map(\.name) == ["birthday", "post_return"])
        #expect(streams[0].priority == 10 && streams[0].entry.offsetDays == -3)
    }

    /// Each bad field is refused with its name; the message says what is wrong.
    @Test(arguments: [
        ("name: a\nsteps: [{send: x}]\nexits: [teleport]", "exits[0]: unknown event kind \"teleport\""),
        (
            "name: a\nentry: {event: signup, reentry_after: 10d}\nsteps: [{send: x}]",
            "entry.reentry_after: only a standing stream"
        ),
        (
            "name: a\nentry: {statuses: [active], reentry_after: soon}\nsteps: [{send: x}]",
            "entry.reentry_after: \"soon\": is not a duration"
        ),
        ("name: a\nentry: {event: teleport}\nsteps: [{send: x}]", "entry.event: unknown event kind"),
        ("name: a\nentry: {event: delivered}\nsteps: [{send: x}]", "entry.event: \"delivered\" is a consent event"),
        (
            "name: a\nsteps: [{branch: {if: teleport, within: 1d, then: b, else: b}}, {id: b, send: x}]",
            "steps[0].branch.if: unknown event kind"
        ),
        ("name: a\nsteps: [{send: x}, {end: true}, {send: y}]", "steps[2]: no step leads here"),
        (
            "name: a\nsteps: [{id: top, wait: 1d}, {branch: {if: open, within: 1d, then: done, else: top}}, {id: done, send: x}]",
            "steps[0]: a loop of waits and branches with no send"
        ),
        (
            "name: a\nmode: locked\nsteps: [{id: top, send: x}, {wait: 7d}, {goto: top}]",
            "mode: a locked stream must end"
        ),
        ("name: a\nsteps: [{id: top, send: x}, {goto: top}]", "a loop of sends with no wait"),
        ("name: a\nsteps: [{goto: nowhere}]", "steps[0].goto: no step has the id \"nowhere\""),
        ("name: a\nsteps: [{wait: soon}]", "steps[0].wait: \"soon\": is not a duration"),
        ("name: a\nsteps: [{send: x, wait: 1d}]", "steps[0]: a step has exactly one of"),
        ("name: a\nsteps: []", "steps: a stream needs at least one step"),
        ("name: a\npriority: -1\nsteps: [{send: x}]", "priority: -1"),
        ("name: Welcome Flow\nsteps: [{send: x}]", "name: \"Welcome Flow\""),
        ("name: a\nmode: sticky\nsteps: [{send: x}]", "mode"),
        ("steps: [{send: x}]", "name: is missing"),
        (
            "name: a\nsteps: [{send: {template: x, experiment: {name: e, metric: opens, variants: [{name: v, template: t}]}}}]",
            "steps[0].send.experiment.variants: an experiment needs at least two variants"
        ),
        ("name: a\nentry: {offset_days: 3}\nsteps: [{send: x}]", "entry.offset_days: needs entry.date_attribute"),
        ("name: a\nsteps: [{send: x}]\ngoal: {event: purchase, within: later}", "goal.within"),
        ("- just\n- a list", "not a JSON or YAML stream document"),
        (
            """
            streams:\n  - {name: a, steps: [{send: {template: x, experiment: {name: e, metric: opens, variants: \
            [{name: v, template: t}, {name: w, template: u}]}}}]}\n  - {name: b, steps: [{send: {template: y, \
            experiment: {name: e, metric: opens, variants: [{name: v, template: t}, {name: w, template: u}]}}}]}
            """,
            "steps[0].send.experiment.name: \"e\" is already the experiment of a steps[0]"
        ),
    ])
    func badFieldsAreNamed(document: String, expected: String) {
        #expect { try parse(document) } throws: { error in
            let text = "\(error)"
            if !text.contains(expected) { Issue.record("\(text) does not contain \(expected)") }
            return true
        }
    }

    /// A document with one bad stream stores none of its streams; the stored ones stay as they were.
    @Test func applyIsAllOrNothing() async throws {
        try await MigratedSchema.with { connection, schema in
            let store = StreamStore(schema: schema)
            let first = try await connection.withTransaction { try store.apply(Data(Self.welcome.utf8), on: $0) }
            #expect(first.map(\.outcome) == [.created])
            let again = try await connection.withTransaction { try store.apply(Data(Self.welcome.utf8), on: $0) }
            #expect(again.map(\.outcome) == [.unchanged])
            let changed = Self.welcome.replacingOccurrences(of: "wait: 3d", with: "wait: 4d")
            let updated = try await connection.withTransaction { try store.apply(Data(changed.utf8), on: $0) }
            #expect(updated.map(\.outcome) == [.updated(version: 2)])
            let bad =
                "streams:\n  - {name: welcome, steps: [{send: other}]}\n  - {name: broken, steps: [{goto: nowhere}]}"
            await #expect(throws: StreamError.self) {
                try await connection.withTransaction { try store.apply(Data(bad.utf8), on: $0) }
            }
            let stored = try await connection.run { try store.list(on: $0) }
            #expect(stored.map(\.definition.name) == ["welcome"] && stored.first?.version == 2)
            #expect(stored.first?.definition.steps[1].action == .wait(4 * 86_400))
        }
    }
}
