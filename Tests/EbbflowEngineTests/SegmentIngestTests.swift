// Segment messages through IngestService against the real server: mappings, identify, pages, repeats, partial batches.
import EbbflowCore
import EbbflowEngine
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct SegmentIngestTests {
    /// A schema with contact c-1 (segment retail) under a simulation clock at `start`.
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    func withContact(_ body: (PGConnection, SchemaName, IngestService) async throws -> Void) async throws {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            try await connection.run { connection in
                try DatabaseClock(schema: schema).set(Self.start, on: connection)
                try EventStore(schema: schema).upsertContact(
                    externalID: "c-1", email: "c1@example.com", segment: "retail", now: Self.start, on: connection)
            }
            try await body(connection, schema, IngestService(schema: schema))
        }
    }

    func events(_ connection: PGConnection, _ schema: SchemaName) async throws -> [(
        kind: String, source: String, id: String?
    )] {
        try await connection.query(
            "SELECT kind, source, provider_event_id FROM \(schema.quoted).engagement_events ORDER BY id"
        ).rows.map { (try $0.decode("kind"), try $0.decode("source"), try $0.decode("provider_event_id")) }
    }

    func batch(_ messages: [String]) -> IngestRequest {
        IngestRequest(endpoint: .batch, body: #"{"batch": [\#(messages.joined(separator: ", "))]}"#)
    }

    /// Segment's email spec names become ebbflow's kinds; ebbflow's own kinds pass as they are;
    /// the consent kinds are stored (0 points) and never lost.
    @Test func trackEventNamesMapToKinds() async throws {
        try await withContact { connection, schema, ingest in
            let names = [
                "Email Opened", "Email Link Clicked", "Unsubscribed", "Email Bounced", "Email Marked as Spam",
                "Email Delivered", "purchase",
                "click",
            ]
            let messages = names.enumerated().map { index, name in
                #"{"type": "track", "userId": "c-1", "event": "\#(name)", "messageId": "m\#(index)"}"#
            }
            let report = try await ingest.ingest(batch(messages), on: connection)
            #expect(report == IngestReport(accepted: 8), "\(report)")
            let stored = try await events(connection, schema)
            #expect(
                stored.map(\.kind) == [
                    "open", "click", "unsubscribe", "bounce", "complaint", "delivered", "purchase", "click",
                ])
            #expect(stored.allSatisfy { $0.source == "segment" } && stored.map(\.id) == (0..<8).map { "m\($0)" })
            let points = try await connection.query(
                "SELECT kind, points FROM \(schema.quoted).engagement_events WHERE applied_at IS NOT NULL ORDER BY id"
            ).rows.map {
                "\(try $0.decode("kind", as: String.self))=\(try $0.decode("points", as: Int?.self).map(String.init) ?? "-")"
            }
            #expect(
                points == [
                    "open=5", "click=10", "unsubscribe=0", "bounce=0", "complaint=0", "delivered=0", "purchase=0",
                    "click=10",
                ])
        }
    }

    @Test func anEventNameNeitherKindNorEmailSpecIsRefused() async throws {
        try await withContact { connection, schema, ingest in
            await #expect(throws: IngestError.self) {
                try await ingest.ingest(
                    IngestRequest(endpoint: .track, body: #"{"userId": "c-1", "event": "Order Completed"}"#),
                    on: connection)
            }
            do {
                _ = try await ingest.ingest(
                    IngestRequest(endpoint: .track, body: #"{"userId": "c-1", "event": "Order Completed"}"#),
                    on: connection)
            } catch let error as IngestError {
                #expect(error.field == "event")
                #expect(error.reason.hasPrefix(#"event "Order Completed" is neither an event kind ebbflow accepts ("#))
            }
            let stored = try await events(connection, schema)
            #expect(stored.isEmpty)
        }
    }

    func contact(_ connection: PGConnection, _ schema: SchemaName, _ id: String) async throws -> PGRow? {
        try await connection.query(
            "SELECT email, segment, attributes::text AS attributes FROM \(schema.quoted).contacts WHERE external_id = $1",
            [id]
        ).first
    }

    /// identify creates the contact (email and segment in their columns, other traits such as
    /// timezone and birthday in its attributes) and updates it: a trait left out keeps its
    /// value, attributes merge key by key.
    @Test func identifyCreatesThenUpdatesTheContact() async throws {
        try await withContact { connection, schema, ingest in
            let first = #"""
                {"userId": "c-9", "messageId": "i1", "traits": {"email": "nine@example.com", "segment": "retail",
                 "timezone": "Europe/Paris", "birthday": "1990-04-01", "plan": "free"}}
                """#
            #expect(
                try await ingest.ingest(IngestRequest(endpoint: .identify, body: first), on: connection).accepted == 1)
            var row = try await contact(connection, schema, "c-9")
            #expect(try row?.decode("email", as: String.self) == "nine@example.com")
            #expect(try row?.decode("segment", as: String.self) == "retail")
            #expect(
                try row?.decode("attributes", as: String.self)
                    == #"{"plan": "free", "birthday": "1990-04-01", "timezone": "Europe/Paris"}"#)
            let second = #"{"type": "identify", "userId": "c-9", "traits": {"plan": "pro", "Company": "Initech"}}"#
            #expect(
                try await ingest.ingest(IngestRequest(endpoint: .identify, body: second), on: connection).accepted == 1)
            row = try await contact(connection, schema, "c-9")
            #expect(try row?.decode("email", as: String.self) == "nine@example.com", "a trait left out keeps its value")
            #expect(
                try row?.decode("attributes", as: String.self)
                    == #"{"plan": "pro", "company": "Initech", "birthday": "1990-04-01", "timezone": "Europe/Paris"}"#)
        }
    }

    /// What the engine keeps (status, score, cycle) is not a trait's to set.
    @Test func identifyRefusesTraitsTheEngineKeeps() async throws {
        try await withContact { connection, schema, ingest in
            let body = #"{"userId": "c-1", "traits": {"campaign_status": "engaged"}}"#
            await #expect(
                throws: IngestError.malformed(
                    reason: "traits.campaign_status is kept by ebbflow itself and cannot be set by identify",
                    field: "traits.campaign_status")
            ) {
                try await ingest.ingest(IngestRequest(endpoint: .identify, body: body), on: connection)
            }
        }
    }

    /// A batch that identifies a new contact and tracks it applies the event: identifies go first.
    @Test func aBatchIdentifiesThenTracks() async throws {
        try await withContact { connection, schema, ingest in
            let report = try await ingest.ingest(
                batch([
                    #"{"type": "track", "userId": "new", "event": "click", "messageId": "t1"}"#,
                    #"{"type": "identify", "userId": "new", "traits": {"segment": "retail"}}"#,
                    #"{"type": "identify", "userId": "new", "traits": {"email": "new@example.com"}}"#,
                ]), on: connection)
            #expect(report == IngestReport(accepted: 3), "\(report)")
            let score: Double = try await connection.query(
                "SELECT engagement_score FROM \(schema.quoted).contacts WHERE external_id = 'new'"
            ).first!.decode("engagement_score")
            #expect(score == 10)
            let row = try await contact(connection, schema, "new")
            #expect(try row?.decode("email", as: String.self) == "new@example.com")
            #expect(try row?.decode("segment", as: String.self) == "retail")
        }
    }

    /// A repeat by messageId is accepted and stored once; the score counts it once.
    @Test func aRepeatedMessageIDIsAcceptedAndStoredOnce() async throws {
        try await withContact { connection, schema, ingest in
            let track = IngestRequest(
                endpoint: .track, body: #"{"userId": "c-1", "event": "Email Link Clicked", "messageId": "dup-1"}"#)
            #expect(try await ingest.ingest(track, on: connection) == IngestReport(accepted: 1))
            #expect(try await ingest.ingest(track, on: connection) == IngestReport(accepted: 1, duplicates: 1))
            #expect(try await events(connection, schema).count == 1)
            let score: Double = try await connection.query(
                "SELECT engagement_score FROM \(schema.quoted).contacts WHERE external_id = 'c-1'"
            ).first!.decode("engagement_score")
            #expect(score == 10)
        }
    }

    /// An identify is applied once by messageId too: a client's retry of an older identify
    /// (its answer lost) does not write its traits over a newer one's, and of one id twice in a
    /// batch the first is applied, as with events.
    @Test func aRepeatedIdentifyIsAcceptedAndAppliedOnce() async throws {
        try await withContact { connection, schema, ingest in
            let old = IngestRequest(endpoint: .identify, body: Self.identify("i-1", plan: "free"))
            let first = try await ingest.ingest(old, on: connection)
            #expect(first == IngestReport(accepted: 1))
            let newer = IngestRequest(endpoint: .identify, body: Self.identify("i-2", plan: "pro"))
            let second = try await ingest.ingest(newer, on: connection)
            #expect(second == IngestReport(accepted: 1))
            let retried = try await ingest.ingest(old, on: connection)
            #expect(retried == IngestReport(accepted: 1, duplicates: 1))
            let afterRetry = try await plan(connection, schema)
            #expect(afterRetry == "pro", "the retried older identify is not applied again")
            let twice = batch([
                Self.identify("i-3", plan: "team"), Self.identify("i-3", plan: "enterprise"),
                Self.identify("i-2", plan: "free"),
            ])
            let report = try await ingest.ingest(twice, on: connection)
            #expect(report == IngestReport(accepted: 3, duplicates: 2), "\(report)")
            let afterBatch = try await plan(connection, schema)
            #expect(afterBatch == "team")
        }
    }

    static func identify(_ id: String, plan: String) -> String {
        #"{"type": "identify", "userId": "c-1", "messageId": "\#(id)", "traits": {"plan": "\#(plan)"}}"#
    }

    func plan(_ connection: PGConnection, _ schema: SchemaName) async throws -> String? {
        try await connection.query(
            "SELECT attributes->>'plan' AS plan FROM \(schema.quoted).contacts WHERE external_id = 'c-1'"
        ).first?.decode("plan")
    }

    /// The good messages of a batch are stored; each bad one is reported with its index,
    /// messageId and reason, and nothing of it is stored.
    @Test func aPartialBatchStoresTheGoodMessages() async throws {
        try await withContact { connection, schema, ingest in
            let big = String(repeating: "x", count: 33_000)
            let report = try await ingest.ingest(
                batch([
                    #"{"type": "track", "userId": "c-1", "event": "open", "messageId": "ok-1"}"#,
                    #"{"type": "track", "anonymousId": "anon", "event": "open", "messageId": "m-1"}"#,
                    #"{"type": "track", "userId": "c-1", "event": "open", "messageId": "m-2", "userID": null}"#,
                    #"{"type": "track", "userId": "c-1", "event": "open", "messageId": "m-3", "properties": {"a": "\#(big)"}}"#,
                    #"{"type": "track", "userId": "c-1", "event": "open", "messageId": "m-4", "properties": {"n": 1e400}}"#,
                    #"{"type": "track", "userId": "c-1", "event": "open", "messageId": "m-5", "properties": {"a": 1, "a": 2}}"#,
                    #"{"type": "screen", "userId": "c-1", "messageId": "m-6"}"#,
                    #"{"type": "track", "userId": "c-1", "event": "open", "messageId": "m-7", "timestamp": "yesterday"}"#,
                    #"{"type": "track", "userId": "c-1", "event": "click", "messageId": "m-8", "properties": {"t": "a\u0000b"}}"#,
                    #"{"type": "track", "userId": "c-1", "event": "click", "messageId": "ok-2", "timestamp": "2027-01-15T08:00:00Z"}"#,
                ]), on: connection)
            #expect(report.accepted == 2)
            #expect(report.rejected.map(\.index) == Array(1...8), "\(report.rejected)")
            #expect(report.rejected.map(\.messageID) == ["m-1", "m-2", "m-3", "m-4", "m-5", "m-6", "m-7", "m-8"])
            let reasons = report.rejected.map(\.reason)
            #expect(
                reasons[0]
                    == "userId is missing: a message with only anonymousId is refused, since anonymous visitors are not contacts"
            )
            #expect(reasons[1].hasPrefix(#"unknown key "userID" in a track message (known: "#))
            #expect(reasons[2].hasPrefix("the message is ") && reasons[2].hasSuffix("more than 32768"))
            #expect(reasons[3] == "a number is out of range")
            #expect(reasons[4] == #"the key "a" appears twice in properties"#)
            #expect(reasons[5] == #"type "screen" is not one ebbflow takes (track, identify, page)"#)
            #expect(reasons[6].hasPrefix(#"timestamp "yesterday" is not an ISO 8601 time"#))
            #expect(reasons[7] == "properties.t contains a NUL byte")
            #expect(try await events(connection, schema).map(\.id) == ["ok-1", "ok-2"])
        }
    }

    /// A body refused whole stores nothing, and says which field.
    @Test(
        arguments: [
            (IngestEndpoint.batch, "not json", "the body is not valid JSON text (UTF-8)", nil),
            (.batch, "[]", "the body must be a JSON object with a batch array", nil),
            (.batch, #"{"batch": {}}"#, "batch must be an array of messages", "batch"),
            (.batch, #"{"batch": []}"#, "batch is empty", "batch"),
            (.batch, #"{"sentAt": "2027-01-15T08:00:00Z"}"#, "batch is missing", "batch"),
            (.track, #"{"event": "open"}"#, "userId is missing: it is the contact's external_id", "userId"),
            (
                .track, #"{"userId": "c-1", "event": "open", "type": "page"}"#,
                #"type "page" sent to the track endpoint"#, "type"
            ),
            (.page, #"{"userId": "c-1", "userId": "c-2"}"#, #"the key "userId" appears twice"#, "userId"),
            (
                .page, #"{"userId": "c-1", "messageId": ""}"#,
                "messageId is empty: leave it out, or give each message its own", "messageId"
            ),
            (.events, "\n\n", "the body holds no events (one JSON object a line)", nil),
            (
                .batch, #"{"batch": [{"type": "track", "userId": "c-1", "event": "open"}], "bat": 1}"#,
                #"unknown key "bat" in a batch body (known: _metadata, batch, context, integrations, sentAt, writeKey)"#,
                "bat"
            ),
        ] as [(IngestEndpoint, String, String, String?)])
    func aMalformedBodyStoresNothing(endpoint: IngestEndpoint, body: String, reason: String, field: String?)
        async throws
    {
        try await withContact { connection, schema, ingest in
            await #expect(throws: IngestError.malformed(reason: reason, field: field)) {
                try await ingest.ingest(IngestRequest(endpoint: endpoint, body: body), on: connection)
            }
            let stored = try await events(connection, schema)
            #expect(stored.isEmpty)
        }
    }

    /// One message past 32 KB at a single-message endpoint is the request's 413.
    @Test func aSingleMessageOver32KBIsTooLarge() async throws {
        try await withContact { connection, schema, ingest in
            let body =
                #"{"userId": "c-1", "event": "open", "properties": {"a": "\#(String(repeating: "x", count: 33_000))"}}"#
            await #expect(throws: IngestError.messageTooLarge(bytes: body.utf8.count, limit: 32_768)) {
                try await ingest.ingest(IngestRequest(endpoint: .track, body: body), on: connection)
            }
            let stored = try await events(connection, schema)
            #expect(stored.isEmpty)
        }
    }
}

/// The report encodes as the answer the contract names.
@Test func anIngestReportEncodesAsTheContractsAnswer() throws {
    let report = IngestReport(
        accepted: 2, duplicates: 1,
        rejected: [
            IngestRejection(index: 1, messageID: "m-1", reason: "userId is missing"),
            IngestRejection(index: 3, messageID: nil, reason: "not a JSON object"),
        ])
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    let text = String(decoding: try encoder.encode(report), as: UTF8.self)
    #expect(
        text
            == #"{"accepted":2,"rejected":[{"index":1,"messageId":"m-1","reason":"userId is missing"},{"index":3,"reason":"not a JSON object"}]}"#
    )
}
