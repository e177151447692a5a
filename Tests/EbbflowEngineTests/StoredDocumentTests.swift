// Stored policies and streams are read as stored: no input limits, old unknown keys skipped, out-of-bounds values refused or not run.
import EbbflowCore
import EbbflowEngine
import EbbflowTestSupport
import Foundation
import Testing

@Suite struct StoredDocumentTests {
    /// `policy set` accepted it, then every load put the stored jsonb text back through the
    /// 1 MiB input check and refused it, stopping every worker.
    @Test func aStoredPolicyLargerThanTheInputLimitLoads() async throws {
        try await MigratedSchema.with { connection, schema in
            let name = String(repeating: "s", count: DocumentText.maxBytes + 10)
            try await connection.execute(
                "INSERT INTO \(schema.quoted).policies (document) VALUES ($1::jsonb)",
                ["{\"segments\": {\"\(name)\": {\"cooldown_days\": 60}}}"])
            let document = try await connection.run { try PolicyStore(schema: schema).load(on: $0) }
            #expect(document.policy(for: name).cooldownDays == 60)
        }
    }

    /// After an upgrade: a key the release no longer knows (accepted when stored) is skipped,
    /// and reported by `stored`; a value today's bounds refuse names `policy set`.
    @Test func anOlderStoredPolicyLoadsOrSaysHowToFixIt() async throws {
        try await MigratedSchema.with { connection, schema in
            let store = PolicyStore(schema: schema)
            try await connection.execute(
                "INSERT INTO \(schema.quoted).policies (document) VALUES ($1::jsonb)",
                [#"{"default": {"cooldwn_days": 45, "cooldown_days": 60}}"#])
            #expect(try await connection.run { try store.load(on: $0) }.default.cooldownDays == 60)
            #expect(
                try await connection.run { try store.stored(on: $0) }?.problem
                    == "unknown key(s) ignored: default.cooldwn_days")
            try await connection.execute(
                "UPDATE \(schema.quoted).policies SET document = $1::jsonb", [#"{"default": {"cooldown_days": null}}"#])
            await #expect { try await connection.run { try store.load(on: $0) } } throws: {
                "\($0)".hasPrefix("policy field default.cooldown_days: ")
                    && "\($0)".hasSuffix("correct it with ebbflow policy set")
            }
            let stored = try await connection.run { try store.stored(on: $0) }
            #expect(stored?.problem?.hasSuffix("correct it with ebbflow policy set") == true)
            let text = String(decoding: stored?.json ?? Data(), as: UTF8.self)
            #expect(text.contains("cooldown_days"))
        }
    }

    /// A stream stored before the bounds (reentry_after 99999999999d) reached the runtime's date
    /// arithmetic; now it is left out of the running streams, with its reason for `streams list`.
    @Test func anOutOfBoundsStoredStreamDoesNotRun() async throws {
        try await MigratedSchema.with { connection, schema in
            let store = StreamStore(schema: schema)
            _ = try await connection.run { try store.apply(Data("name: good\nsteps: [{send: t1}]\n".utf8), on: $0) }
            let old =
                #"{"name": "old", "mode": "open", "entry": {"reentry_after": "99999999999d"}, "steps": [{"send": {"template": "t1"}}]}"#
            try await connection.execute(
                """
                INSERT INTO \(schema.quoted).streams (name, mode, priority, definition, created_at, updated_at)
                VALUES ('old', 'open', NULL, $1::jsonb, now(), now())
                """, [old])
            let (running, broken) = try await connection.run { try store.listChecked(on: $0) }
            #expect(running.map(\.definition.name) == ["good"])
            #expect(broken.map(\.name) == ["old"])
            #expect(
                broken.first?.problem
                    == "entry.reentry_after \"99999999999d\": must be at most 3650d (ten years); it does not run until ebbflow streams apply corrects it"
            )
            #expect(try await connection.run { try store.list(on: $0) }.map(\.definition.name) == ["good"])
        }
    }
}
