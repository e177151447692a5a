// Ingested events applied as imported ones: pages by the policy's high-intent paths, times, NDJSON, unknown contacts.
import EbbflowCore
import EbbflowEngine
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct IngestApplicationTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    func withContacts(_ ids: [String], _ body: (PGConnection, SchemaName, IngestService) async throws -> Void)
        async throws
    {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            try await connection.run { connection in
                try DatabaseClock(schema: schema).set(Self.start, on: connection)
                for id in ids {
                    try EventStore(schema: schema).upsertContact(
                        externalID: id, email: nil, segment: "retail", now: Self.start, on: connection)
                }
            }
            try await body(connection, schema, IngestService(schema: schema))
        }
    }

    func stored(_ connection: PGConnection, _ schema: SchemaName) async throws -> [(
        kind: String, points: Int?, url: String?
    )] {
        try await connection.query(
            "SELECT kind, points, url FROM \(schema.quoted).engagement_events ORDER BY id"
        ).rows.map { (try $0.decode("kind"), try $0.decode("points"), try $0.decode("url")) }
    }

    func page(_ id: String, _ fields: String) -> String {
        #"{"type": "page", "userId": "c-1", "messageId": "\#(id)", \#(fields)}"#
    }

    /// A page whose URL's path is under a `high_intent_pages` entry is a `high_intent_visit`
    /// (15 points); any other is `page` (0). The URL is properties.url, else
    /// context.page.url, else properties.path.
    @Test func pagesAreHighIntentByThePolicysPaths() async throws {
        try await withContacts(["c-1"]) { connection, schema, ingest in
            let pages = [
                page("p1", #""properties": {"url": "https://example.com/pricing?plan=pro", "path": "/blog"}"#),
                page("p2", #""context": {"page": {"url": "https://example.com/blog/post"}}"#),
                page("p3", #""properties": {"path": "/demo/book"}"#),
                page("p4", #""properties": {"path": "/pricingx"}"#),
                page("p5", #""name": "Home""#),
            ]
            let body = #"{"batch": [\#(pages.joined(separator: ", "))]}"#
            let report = try await ingest.ingest(IngestRequest(endpoint: .batch, body: body), on: connection)
            #expect(report == IngestReport(accepted: 5), "\(report)")
            let rows = try await stored(connection, schema)
            #expect(rows.map(\.kind) == ["high_intent_visit", "page", "high_intent_visit", "page", "page"])
            #expect(rows.map(\.points) == [15, 0, 15, 0, 0])
            #expect(
                rows.map(\.url) == [
                    "https://example.com/pricing?plan=pro", "https://example.com/blog/post", "/demo/book", "/pricingx",
                    nil,
                ])
        }
    }

    /// A segment's own `high_intent_pages` decide for its contacts.
    @Test func aSegmentsOwnHighIntentPagesDecide() async throws {
        try await withContacts(["c-1"]) { connection, schema, ingest in
            _ = try await connection.run { connection in
                try PolicyStore(schema: schema).save(
                    Data(#"{"segments": {"retail": {"high_intent_pages": ["/plans/"]}}}"#.utf8), on: connection)
            }
            let pages = [
                page("a", #""properties": {"path": "/plans/team"}"#), page("b", #""properties": {"path": "/pricing"}"#),
            ]
            let body = #"{"batch": [\#(pages.joined(separator: ", "))]}"#
            _ = try await ingest.ingest(IngestRequest(endpoint: .batch, body: body), on: connection)
            #expect(try await stored(connection, schema).map(\.kind) == ["high_intent_visit", "page"])
        }
    }

    /// A page is high intent when its URL's path is a listed path or lies under one.
    @Test func highIntentPagesMatchByPath() {
        var policy = EngagementPolicy()
        let yes = [
            "/pricing", "/pricing/", "/pricing/teams?x=1", "https://example.com/demo#book", "//example.com/pricing",
        ]
        let no = ["/pricingx", "/blog/pricing", "https://example.com/", "pricing", "https://example.com/Pricing", ""]
        #expect(yes.allSatisfy(policy.isHighIntentPage) && !no.contains(where: policy.isHighIntentPage))
        policy.highIntentPages = ["/plans/"]
        #expect(
            policy.isHighIntentPage("/plans") && policy.isHighIntentPage("/plans/pro")
                && !policy.isHighIntentPage("/pricing"))
        policy.highIntentPages = []
        #expect(!policy.isHighIntentPage("/pricing"))
    }

    /// `high_intent_pages` is bounded and checked like every policy field.
    @Test func highIntentPagesAreValidated() throws {
        #expect(EngagementPolicy().highIntentPages == ["/pricing", "/demo"])
        #expect(throws: PolicyError.self) {
            try PolicyDocument.parse(Data(#"{"default": {"high_intent_pages": ["pricing"]}}"#.utf8))
        }
        do {
            _ = try PolicyDocument.parse(Data(#"{"default": {"high_intent_pages": ["/a b"]}}"#.utf8))
        } catch {
            #expect(
                error.description
                    == #"policy field default.high_intent_pages[0] = "/a b": must be a URL path: "/" first, "#
                    + ##"at most 256 bytes, no white space, control character, "?" or "#""##
            )
        }
        let many = (0...100).map { "\"/p\($0)\"" }.joined(separator: ",")
        #expect(throws: PolicyError.self) {
            try PolicyDocument.parse(Data(#"{"default": {"high_intent_pages": [\#(many)]}}"#.utf8))
        }
    }

    /// The same events through `events import` (for c-1) and as Segment tracks (for c-2) leave
    /// both contacts in the same state with the same transitions.
    @Test func aTrackIsAppliedExactlyAsTheSameEventImported() async throws {
        try await withContacts(["c-1", "c-2"]) { connection, schema, ingest in
            let events = [
                ("open", "2027-01-14T08:00:00Z"), ("click", "2027-01-14T09:00:00Z"),
                ("high_intent_visit", "2027-01-15T07:00:00Z"),
            ]
            let lines = events.map { #"{"external_id": "c-1", "kind": "\#($0.0)", "occurred_at": "\#($0.1)"}"# }
            let imported = try await EventImporter(schema: schema).importEvents(
                lines.joined(separator: "\n"), format: .ndjson, on: connection)
            #expect(imported.applied == 3)
            let tracks = events.map {
                #"{"type": "track", "userId": "c-2", "event": "\#($0.0)", "timestamp": "\#($0.1)"}"#
            }
            let report = try await ingest.ingest(
                IngestRequest(endpoint: .batch, body: #"{"batch": [\#(tracks.joined(separator: ","))]}"#),
                on: connection)
            #expect(report == IngestReport(accepted: 3))
            let states = try await connection.query(
                """
                SELECT external_id, campaign_status::text AS status, engagement_score, last_engagement_at, score_as_of, status_changed_at
                FROM \(schema.quoted).contacts ORDER BY external_id
                """
            ).rows.map {
                "\(try $0.decode("status", as: String.self)) \(try $0.decode("engagement_score", as: Double.self)) "
                    + "\(try $0.decode("last_engagement_at", as: Date.self)) \(try $0.decode("score_as_of", as: Date.self)) "
                    + "\(try $0.decode("status_changed_at", as: Date.self))"
            }
            #expect(states.count == 2 && states[0] == states[1], "\(states)")
            #expect(states[0].hasPrefix("engaged 30.0"))
            let trail = try await connection.query(
                """
                SELECT c.external_id, t.from_status::text || '>' || t.to_status::text || ' ' || t.reason || ' ' || e.kind AS step
                FROM \(schema.quoted).transitions t JOIN \(schema.quoted).contacts c ON c.id = t.contact_id
                JOIN \(schema.quoted).engagement_events e ON e.id = t.event_id ORDER BY c.external_id, t.id
                """
            ).rows.map { try $0.decode("step", as: String.self) }
            #expect(
                trail == [
                    "active>engaged score_threshold high_intent_visit",
                    "active>engaged score_threshold high_intent_visit",
                ])
        }
    }

    /// Without `timestamp`, a device's `originalTimestamp` is corrected by its `sentAt` (the
    /// batch's when the message has none) against the database clock; without either, the
    /// event happened when received.
    @Test func timesFollowSegmentsRule() async throws {
        try await withContacts(["c-1"]) { connection, schema, ingest in
            let body = #"""
                {"sentAt": "2020-01-01T00:10:00Z", "batch": [
                  {"type": "track", "userId": "c-1", "event": "open", "originalTimestamp": "2020-01-01T00:00:00Z"},
                  {"type": "track", "userId": "c-1", "event": "open", "originalTimestamp": "2020-01-01T00:00:00Z", "sentAt": "2020-01-01T00:00:30Z"},
                  {"type": "track", "userId": "c-1", "event": "open"},
                  {"type": "track", "userId": "c-1", "event": "open", "timestamp": "2027-01-15T07:00:00+01:00", "originalTimestamp": "2020-01-01T00:00:00Z"}
                ]}
                """#
            #expect(try await ingest.ingest(IngestRequest(endpoint: .batch, body: body), on: connection).accepted == 4)
            let times = try await connection.query(
                "SELECT occurred_at FROM \(schema.quoted).engagement_events ORDER BY id"
            ).rows.map { try $0.decode("occurred_at", as: Date.self).timeIntervalSince(Self.start) }
            #expect(times == [-600, -30, 0, -7_200])
        }
    }

    /// An event dated past `max_future_skew` is kept but refused when settled: reported
    /// rejected, not accepted. An event for an unknown contact is accepted and kept.
    @Test func futureEventsAreRejectedAndUnknownContactsAccepted() async throws {
        try await withContacts(["c-1"]) { connection, schema, ingest in
            let report = try await ingest.ingest(
                IngestRequest(
                    endpoint: .batch,
                    body: #"""
                        {"batch": [{"type": "track", "userId": "c-1", "event": "open", "messageId": "f", "timestamp": "2999-01-01T00:00:00Z"},
                                   {"type": "track", "userId": "nobody", "event": "open", "messageId": "u"}]}
                        """#), on: connection)
            #expect(report.accepted == 1)
            #expect(report.rejected.map(\.index) == [0] && report.rejected.map(\.messageID) == ["f"])
            #expect(report.rejected.first?.reason.hasSuffix("(event kept, not applied)") == true, "\(report.rejected)")
            #expect(try await stored(connection, schema).count == 2)
        }
    }

    /// POST /v1/events: the lines of `events import`, source "api" by default; a refused line is
    /// reported by its 0-based line index, blank lines counted.
    @Test func nativeNDJSONIsReadAsEventsImport() async throws {
        try await withContacts(["c-1"]) { connection, schema, ingest in
            let body = [
                #"{"external_id": "c-1", "kind": "click", "provider_event_id": "n1"}"#,
                "",
                #"{"external_id": "c-1", "kind": "opn"}"#,
                #"{"external_id": "c-1", "kind": "open", "source": "esp", "provider_event_id": "n2"}"#,
            ].joined(separator: "\n")
            let report = try await ingest.ingest(IngestRequest(endpoint: .events, body: body), on: connection)
            #expect(report.accepted == 2)
            #expect(report.rejected.map(\.index) == [2])
            #expect(report.rejected.first?.reason.hasPrefix(#"unknown event kind "opn" (accepted: "#) == true)
            let sources = try await connection.query(
                "SELECT source FROM \(schema.quoted).engagement_events ORDER BY id"
            ).rows.map { try $0.decode("source", as: String.self) }
            #expect(sources == ["api", "esp"])
            let again = try await ingest.ingest(IngestRequest(endpoint: .events, body: body), on: connection)
            #expect(again.accepted == 2 && again.duplicates == 2)
        }
    }

    /// A message the server refuses (here: a CHECK the test adds; every value ingest knows to be
    /// unstorable it refuses itself) is retried alone and reported, its batch-mates committed;
    /// at a single-message endpoint it is the request's refusal, with nothing stored.
    @Test func aMessageTheDatabaseRefusesIsIsolated() async throws {
        try await withContacts(["c-1"]) { connection, schema, ingest in
            try await connection.execute(
                """
                ALTER TABLE \(schema.quoted).engagement_events ADD CONSTRAINT no_teapots CHECK (url IS DISTINCT FROM '/teapot')
                """)
            let pages = [
                page("a", #""properties": {"path": "/pricing"}"#), page("b", #""properties": {"path": "/teapot"}"#),
                #"{"type": "identify", "userId": "c-2", "traits": {"plan": "pro"}}"#,
            ]
            let report = try await ingest.ingest(
                IngestRequest(endpoint: .batch, body: #"{"batch": [\#(pages.joined(separator: ", "))]}"#),
                on: connection)
            #expect(report.accepted == 2)
            #expect(report.rejected.map(\.index) == [1] && report.rejected.map(\.messageID) == ["b"])
            #expect(report.rejected.first?.reason.hasPrefix("the database refused it: ") == true, "\(report.rejected)")
            #expect(try await stored(connection, schema).map(\.kind) == ["high_intent_visit"])
            let single = IngestRequest(endpoint: .page, body: page("c", #""properties": {"path": "/teapot"}"#))
            await #expect(throws: IngestError.self) { try await ingest.ingest(single, on: connection) }
            let after = try await stored(connection, schema)
            #expect(after.count == 1)
            let contacts = try await MigratedSchema.count(connection, "SELECT 1 FROM \(schema.quoted).contacts")
            #expect(contacts == 2)
        }
    }
}
