// `flows start` on an empty segment, `flows remove`, `contacts show`'s timeline and attributes, and `events rejected`.
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct FlowsAndTimelineCLITests {
    func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }

    /// Issue 14 item 19: `--segment retial` enrolled 0 and exited 0. Enrolling nobody is
    /// refused with the reason (no such segment, or no active audience) and no flow is left.
    /// `flows remove` deletes a flow and cancels its pending steps; its sends stay as history.
    @Test func emptySegmentIsRefusedAndRemoveCancelsPendingSteps() async throws {
        let schema = TestDatabase.uniqueSchemaName("flrm")
        let base = ["--schema", schema, "--database-url", try TestDatabase.url]
        #expect(try await EbbflowBinary.run(["migrate", "--log-level", "warning"] + base).exitCode == 0)
        let connection = try await TestDatabase.connect()
        try await connection.simpleQuery(
            """
            INSERT INTO \(schema).contacts (external_id, email, segment, campaign_status, status_changed_at, created_at) VALUES
                ('c1', 'c1@example.com', 'b2c', 'active', now(), now()), ('c2', 'c2@example.com', 'b2c', 'active', now(), now()),
                ('q1', 'q1@example.com', 'quiet', 'inactive', now(), now())
            """)
        func count(_ sql: String) async throws -> Int {
            try await connection.query("SELECT count(*) AS n FROM (\(sql)) q").first!.decode("n")
        }
        let typo = try await EbbflowBinary.run(
            ["flows", "start", "f1", "--segment", "retial", "--template", "t1"] + base)
        #expect(
            typo.exitCode == 1
                && typo.stderr
                    == "Error: segment \"retial\" has no contacts (segments with contacts: b2c, quiet); flow f1 not started\n",
            "\(typo.output)")
        let quiet = try await EbbflowBinary.run(
            ["flows", "start", "f1", "--segment", "quiet", "--template", "t1"] + base)
        #expect(
            quiet.exitCode == 1
                && quiet.stderr
                    == "Error: segment \"quiet\" has no contacts in the active audience (active or reactivated); flow f1 not started\n",
            "\(quiet.output)")
        #expect(try await count("SELECT 1 FROM \(schema).flows") == 0, "no flow left behind")

        let started = try await EbbflowBinary.run(
            ["flows", "start", "f1", "--segment", "b2c", "--template", "t1", "--every", "1d", "--max-sends", "2"] + base
        )
        #expect(started.exitCode == 0 && started.stdout.contains("2 contact(s) enrolled"), "\(started.output)")
        let drained = try await EbbflowBinary.run(["worker", "--drain", "--log-level", "warning"] + base)
        #expect(drained.exitCode == 0, "\(drained.output)")
        #expect(try await count("SELECT 1 FROM \(schema).sends WHERE flow = 'f1'") == 2, "step 1 sent")
        #expect(
            try await count("SELECT 1 FROM \(schema).jobs WHERE kind = 'flow_step'") == 2,
            "step 2 pending, due in a day")

        let removed = try await EbbflowBinary.run(["flows", "remove", "f1"] + base)
        #expect(removed.exitCode == 0, "\(removed.output)")
        #expect(
            removed.stdout == "flow f1 removed: 2 pending step(s) cancelled; its sends stay in the contacts' history\n",
            "\(removed.output)")
        #expect(try await count("SELECT 1 FROM \(schema).flows") == 0)
        #expect(try await count("SELECT 1 FROM \(schema).jobs WHERE args->>'flow' = 'f1'") == 0)
        #expect(
            try await count("SELECT 1 FROM \(schema).finished_jobs WHERE state = 'cancelled' AND args->>'flow' = 'f1'")
                == 2)
        #expect(try await count("SELECT 1 FROM \(schema).sends WHERE flow = 'f1'") == 2, "the sends stay")
        let again = try await EbbflowBinary.run(["flows", "remove", "f1"] + base)
        #expect(again.exitCode == 1 && again.stderr == "Error: no flow named \"f1\"\n", "\(again.output)")
        try await TestDatabase.dropSchema(schema)
    }

    /// Issue 14 items 19 and 14: `contacts show` gives one timeline, oldest first (events,
    /// rejected ones with their reason, transitions, sends, stream decisions), and the
    /// attributes; `--json` keeps every earlier field and adds `attributes`, `events` and
    /// `timeline`. `events rejected` lists the kept-but-rejected event.
    @Test func contactsShowGivesOneTimelineAndAttributes() async throws {
        let schema = TestDatabase.uniqueSchemaName("tline")
        let base = ["--schema", schema, "--database-url", try TestDatabase.url]
        #expect(try await EbbflowBinary.run(["migrate", "--log-level", "warning"] + base).exitCode == 0)
        let connection = try await TestDatabase.connect()
        try await connection.simpleQuery(
            """
            INSERT INTO \(schema).contacts (external_id, email, segment, attributes, status_changed_at, created_at)
            VALUES ('c1', 'c1@example.com', 'b2c', '{"first_name": "Ada"}', now() - interval '1 day', now() - interval '1 day');
            INSERT INTO \(schema).engagement_events (external_id, kind, occurred_at) VALUES ('c1', 'click', now() - interval '2 hours');
            INSERT INTO \(schema).engagement_events (external_id, kind, occurred_at) VALUES ('c1', 'opn', now() - interval '1 hour');
            """)
        #expect(
            try await EbbflowBinary.run(["flows", "start", "f1", "--segment", "b2c", "--template", "t1"] + base)
                .exitCode == 0)
        let drained = try await EbbflowBinary.run(["worker", "--drain", "--log-level", "warning"] + base)
        #expect(drained.exitCode == 0, "\(drained.output)")

        let shown = try await EbbflowBinary.run(["contacts", "show", "c1", "--json"] + base)
        #expect(shown.exitCode == 0, "\(shown.output)")
        let object = try #require(try json(shown.stdout) as? [String: Any])
        for key in [
            "external_id", "email", "segment", "campaign_status", "engagement_score", "last_engagement_at",
            "reactivation_cycle",
            "channel", "transitions", "sends", "stream", "stream_decisions",
        ] {
            #expect(object.keys.contains(key), "the earlier field \(key) is kept")
        }
        #expect((object["attributes"] as? [String: Any])?["first_name"] as? String == "Ada")
        let events = try #require(object["events"] as? [[String: Any]])
        #expect(events.map { $0["kind"] as? String } == ["click", "opn"])
        #expect(events[0]["points"] as? Int == 10 && events[1]["points"] is NSNull)
        #expect((events[1]["rejection"] as? String)?.hasPrefix("unknown event kind \"opn\"") == true, "\(events)")
        let timeline = try #require(object["timeline"] as? [[String: Any]])
        #expect(timeline.map { $0["type"] as? String } == ["event", "event", "send"], "\(timeline)")
        let times = timeline.compactMap { $0["at"] as? String }
        #expect(times == times.sorted() && times.count == 3, "oldest first: \(times)")
        #expect((timeline[0]["text"] as? String) == "click +10 points")
        #expect((timeline[1]["text"] as? String)?.hasPrefix("opn rejected: unknown event kind \"opn\"") == true)
        #expect((timeline[2]["text"] as? String) == "sent t1 (f1 step 1, email)")

        let text = try await EbbflowBinary.run(["contacts", "show", "c1"] + base)
        #expect(
            text.exitCode == 0 && text.stdout.contains("attributes:      {\"first_name\": \"Ada\"}"), "\(text.output)")
        #expect(
            text.stdout.contains("timeline (oldest first):")
                && text.stdout.contains("send            sent t1 (f1 step 1, email)"), "\(text.output)")

        let rejected = try await EbbflowBinary.run(["events", "rejected", "--json"] + base)
        #expect(rejected.exitCode == 0, "\(rejected.output)")
        let rows = try #require(try json(rejected.stdout) as? [[String: Any]])
        #expect(
            rows.count == 1 && rows.first?["kind"] as? String == "opn" && rows.first?["external_id"] as? String == "c1",
            "\(rows)")
        #expect((rows.first?["reason"] as? String)?.hasPrefix("unknown event kind \"opn\" (accepted: ") == true)
        let table = try await EbbflowBinary.run(["events", "rejected"] + base)
        #expect(
            table.exitCode == 0 && table.stdout.contains("opn") && table.stdout.contains("REASON"), "\(table.output)")
        try await TestDatabase.dropSchema(schema)
    }
}
