// Rendering sends from their template versions: every variable, missing ones counted, html vs plain, tracked links, last activity.
import EbbflowCore
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@testable import EbbflowEngine

@Suite struct TemplateRenderTests {
    static let base = "https://mail.example.com"

    /// Ann (with attributes and a history of events) and Bob (no email).
    func seed(_ connection: PGConnection, _ schema: SchemaName) async throws -> (ann: Int64, bob: Int64) {
        _ = try await ContactImporter(schema: schema).importContacts(
            "external_id,email,segment,first_name,plan\nann,ann@example.com,retail,Ann & Co,gold\nbob,,retail,Bob,\n",
            format: .csv, on: connection)
        let q = schema.quoted
        let ann: Int64 = try await connection.query("SELECT id FROM \(q).contacts WHERE external_id = 'ann'").first!
            .decode("id")
        let bob: Int64 = try await connection.query("SELECT id FROM \(q).contacts WHERE external_id = 'bob'").first!
            .decode("id")
        // A person's click, then later a machine open, a scanner's click and an unapplied event:
        // only the person's click is Ann's last activity.
        try await connection.simpleQuery(
            """
            INSERT INTO \(q).engagement_events (contact_id, external_id, kind, occurred_at, received_at, url, applied_at)
                VALUES (\(ann), 'ann', 'click', '2026-03-01T10:00:00Z', now(), 'https://example.com/pricing', now());
            INSERT INTO \(q).engagement_events (contact_id, external_id, kind, occurred_at, received_at, machine_open, applied_at)
                VALUES (\(ann), 'ann', 'open', '2026-03-02T10:00:00Z', now(), true, now());
            INSERT INTO \(q).engagement_events (contact_id, external_id, kind, occurred_at, received_at, url, bot, applied_at)
                VALUES (\(ann), 'ann', 'click', '2026-03-03T10:00:00Z', now(), 'https://example.com/bot', true, now());
            INSERT INTO \(q).engagement_events (contact_id, external_id, kind, occurred_at, received_at, url)
                VALUES (\(ann), 'ann', 'click', '2026-03-04T10:00:00Z', now(), 'https://example.com/unapplied');
            """)
        return (ann, bob)
    }

    func apply(_ document: String, _ connection: PGConnection, _ schema: SchemaName) async throws
        -> [(name: String, outcome: TemplateApplyOutcome)]
    {
        let store = TemplateStore(schema: schema)
        return try await connection.withTransaction { try store.apply(Data(document.utf8), on: $0) }
    }

    /// A pending send of `template` to `contact`, decided now with the template's current version (as flows do).
    func send(
        _ contact: Int64, _ template: String, format: String = "html", experiment: String? = nil,
        variant: String? = nil, _ connection: PGConnection, _ schema: SchemaName
    ) async throws -> Int64 {
        let q = schema.quoted
        return try await connection.query(
            """
            INSERT INTO \(q).sends (contact_id, flow, step, template, channel, at, format, experiment, variant, template_version)
            VALUES ($1, 'welcome', 0, $2, 'email', now(), $3, $4, $5, (SELECT version FROM \(q).templates WHERE name = $2))
            RETURNING id
            """, [contact, template, format, experiment, variant]
        ).first!.decode("id")
    }

    /// The send as a lease would hand it over.
    func leased(_ id: Int64, _ connection: PGConnection, _ schema: SchemaName) async throws -> LeasedSend {
        let row = try await connection.query(
            """
            SELECT s.id, s.contact_id, c.external_id, c.email, s.flow, s.step, s.template, s.template_version, s.channel,
                   s.format, s.variables, s.experiment, s.variant, s.at
            FROM \(schema.quoted).sends s JOIN \(schema.quoted).contacts c ON c.id = s.contact_id WHERE s.id = $1
            """, [id]
        ).first!
        return LeasedSend(
            id: id, contactID: try row.decode("contact_id"), externalID: try row.decode("external_id"),
            email: try row.decode("email"), flow: try row.decode("flow"), step: try row.decode("step"),
            template: try row.decode("template"), templateVersion: try row.decode("template_version"),
            channel: try row.decode("channel"), format: try row.decode("format"),
            variables: try row.decode("variables"),
            experiment: try row.decode("experiment"), variant: try row.decode("variant"), attempt: 1,
            decidedAt: try row.decode("at"), leaseToken: UUID(), leaseExpiresAt: Date())
    }

    func render(
        _ sends: [LeasedSend], base: String? = nil, _ connection: PGConnection, _ schema: SchemaName
    ) async throws -> [Int64: Result<RenderedMessage, TemplateRenderFailure>] {
        let renderer = TemplateRenderer(schema: schema, publicBaseURL: base)
        return try await connection.withTransaction { try renderer.render(sends, on: $0) }
    }

    static let everything = """
        name: everything
        subject: "Hi {{attributes.first_name}}"
        from: "Example <news@example.com>"
        reply_to: help@example.com
        text: |
          id={{external_id}} email={{email}} plan={{attributes.plan}}
          last={{last_activity.kind}} {{last_activity.url}} {{last_activity.at}}
          send={{send.id}} {{send.template}} v{{send.version}} {{send.experiment}}/{{send.variant}}
          unsubscribe={{unsubscribe_url}} nothing=[{{no_such_thing}}]
        html: "<p>{{attributes.first_name}}</p>"
        """

    @Test func everyVariableRendersAndMissingOnesAreCounted() async throws {
        try await MigratedSchema.with { connection, schema in
            let (ann, _) = try await seed(connection, schema)
            _ = try await apply(Self.everything, connection, schema)
            let id = try await send(ann, "everything", experiment: "subj", variant: "b", connection, schema)
            let sends = [try await leased(id, connection, schema)]
            let message = try #require(try await render(sends, base: Self.base, connection, schema)[id]?.get())
            #expect(message.to == "ann@example.com")
            #expect(message.from == "Example <news@example.com>" && message.replyTo == "help@example.com")
            // The subject and text are not HTML-escaped; the HTML is.
            #expect(message.subject == "Hi Ann & Co")
            #expect(message.html?.contains("<p>Ann &amp; Co</p>") == true)
            let text = try #require(message.text)
            #expect(text.contains("id=ann email=ann@example.com plan=gold"))
            #expect(text.contains("last=click https://example.com/pricing 2026-03-01T10:00:00Z"))
            #expect(text.contains("send=\(id) everything v1 subj/b"))
            let unsubscribe = try #require(message.unsubscribeURL)
            #expect(unsubscribe.hasPrefix(Self.base + "/u/") && text.contains("unsubscribe=\(unsubscribe) "))
            #expect(text.contains("nothing=[]"))
            #expect(message.missingVariables == ["no_such_thing"])

            // Without a public URL there is no unsubscribe URL: missing, and counted.
            let plain = try #require(try await render(sends, connection, schema)[id]?.get())
            #expect(plain.unsubscribeURL == nil)
            #expect(Set(plain.missingVariables) == ["unsubscribe_url", "no_such_thing"])
        }
    }

    @Test func lastActivityIgnoresMachineOpensAndBotClicks() async throws {
        try await MigratedSchema.with { connection, schema in
            let (ann, _) = try await seed(connection, schema)
            _ = try await apply(
                "{\"name\": \"last\", \"subject\": \"s\", \"text\": \"{{last_activity.kind}} {{last_activity.url}}\"}",
                connection, schema)
            let id = try await send(ann, "last", connection, schema)
            let message = try await render([try await leased(id, connection, schema)], connection, schema)[id]?.get()
            #expect(message?.text == "click https://example.com/pricing")
        }
    }

    @Test func htmlSendsCarryBothPartsAndPlainSendsTextOnly() async throws {
        try await MigratedSchema.with { connection, schema in
            let (ann, _) = try await seed(connection, schema)
            _ = try await apply(
                """
                name: only_html
                subject: Hello
                html: |-
                  <html><head><style>p {color: red}</style></head>
                  <body><h1>Hi {{attributes.first_name}}</h1>
                  <p>See <a href="https://example.com/a?x=1&amp;y=2">our offer</a>.</p>
                  <ul><li>one</li><li>two</li></ul></body></html>
                """, connection, schema)
            let html = try await send(ann, "only_html", format: "html", connection, schema)
            let plain = try await send(ann, "only_html", format: "plain", connection, schema)
            let results = try await render(
                [try await leased(html, connection, schema), try await leased(plain, connection, schema)], connection,
                schema)
            let both = try #require(try results[html]?.get())
            #expect(both.html?.contains("<h1>Hi Ann &amp; Co</h1>") == true)
            // The text is derived from the HTML: no style, links spelled out with their own URL.
            let derived = "Hi Ann & Co\n\nSee our offer (https://example.com/a?x=1&y=2).\n\n- one\n- two"
            #expect(both.text == derived)
            let textOnly = try #require(try results[plain]?.get())
            #expect(textOnly.html == nil)
            #expect(textOnly.text == derived)
        }
    }

    @Test func linksAreTrackedAndThePixelAdded() async throws {
        try await MigratedSchema.with { connection, schema in
            let (ann, _) = try await seed(connection, schema)
            _ = try await apply(
                """
                name: tracked
                subject: Hello
                html: |-
                  <body><a href="https://example.com/one">1</a> <A HREF='https://example.com/two'>2</A>
                  <a href=https://example.com/one>again</a> <a href="mailto:x@example.com">m</a>
                  <link href="https://example.com/style.css"> <a href="{{unsubscribe_url}}">unsubscribe</a></body>
                text: "one: https://example.com/one"
                """, connection, schema)
            let id = try await send(ann, "tracked", connection, schema)
            let sends = [try await leased(id, connection, schema)]
            let message = try #require(try await render(sends, base: Self.base, connection, schema)[id]?.get())
            let html = try #require(message.html)
            #expect(!html.contains("https://example.com/one") && !html.contains("https://example.com/two"))
            #expect(html.components(separatedBy: Self.base + "/t/c/").count == 4)
            #expect(html.contains("mailto:x@example.com") && html.contains("https://example.com/style.css"))
            #expect(html.contains("href=\"\(message.unsubscribeURL!)\""))
            #expect(html.contains("<img src=\"\(Self.base)/t/o/") && html.hasSuffix("</body>"))
            // The text part keeps its links as written.
            #expect(message.text == "one: https://example.com/one")
            // Each distinct URL is recorded once, numbered in order; the same link twice shares its token.
            let rows = try await connection.query(
                "SELECT link_index, url FROM \(schema.quoted).tracked_links WHERE send_id = $1 ORDER BY link_index",
                [id]
            ).rows.map { (try $0.decode("link_index", as: Int32.self), try $0.decode("url", as: String.self)) }
            #expect(
                rows.map(\.0) == [0, 1] && rows.map(\.1) == ["https://example.com/one", "https://example.com/two"])
            // The click URLs verify and name those links.
            let tokens = html.components(separatedBy: Self.base + "/t/c/").dropFirst().map {
                String($0.prefix { $0 != "\"" && $0 != "'" && $0 != " " && $0 != ">" })
            }
            let signer = LinkSigner(schema: schema)
            let indexes = try await connection.run { connection in
                try tokens.map { try signer.verify($0, purpose: .click, now: Date(), on: connection).linkIndex }
            }
            #expect(indexes == [0, 1, 0])
            // A second attempt reuses the recorded links.
            _ = try await render(sends, base: Self.base, connection, schema)
            #expect(try await MigratedSchema.count(connection, "SELECT 1 FROM \(schema.quoted).tracked_links") == 2)
        }
    }

    @Test func aSendKeepsItsVersionAndFailuresStayWithTheirSend() async throws {
        try await MigratedSchema.with { connection, schema in
            let (ann, bob) = try await seed(connection, schema)
            let doc = "{\"name\": \"w\", \"subject\": \"first\", \"text\": \"one\"}"
            #expect(try await apply(doc, connection, schema).map(\.outcome) == [.created])
            #expect(try await apply(doc, connection, schema).map(\.outcome) == [.unchanged])
            let old = try await send(ann, "w", connection, schema)
            #expect(
                try await apply("{\"name\": \"w\", \"subject\": \"second\", \"text\": \"two\"}", connection, schema)
                    .map(
                        \.outcome) == [.updated(version: 2)])
            let new = try await send(ann, "w", connection, schema)
            let noEmail = try await send(bob, "w", connection, schema)
            let elsewhere = try await send(ann, "rendered_elsewhere", connection, schema)
            var gone = try await leased(new, connection, schema)
            gone.templateVersion = 9
            gone.id = try await send(ann, "w", connection, schema)
            let sends = [
                try await leased(old, connection, schema), try await leased(new, connection, schema),
                try await leased(noEmail, connection, schema), try await leased(elsewhere, connection, schema), gone,
            ]
            #expect(sends[0].templateVersion == 1 && sends[1].templateVersion == 2 && sends[3].templateVersion == nil)
            let results = try await render(sends, connection, schema)
            #expect(try results[old]?.get().subject == "first")
            #expect(try results[new]?.get().subject == "second")
            func failure(_ id: Int64) -> TemplateRenderFailure? {
                if case .failure(let failure)? = results[id] { return failure }
                return nil
            }
            #expect(failure(noEmail)?.reason == .noEmail("contact bob has no email address"))
            #expect(failure(elsewhere)?.reason == .templateNotDefined)
            #expect(failure(gone.id)?.reason == .versionMissing(9))
            #expect(failure(gone.id)?.description.contains("send \(gone.id): template w version 9") == true)
        }
    }

    @Test func reactivationVariablesStillRender() async throws {
        try await MigratedSchema.with { connection, schema in
            let (ann, _) = try await seed(connection, schema)
            _ = try await apply(
                "{\"name\": \"reactivation_value\", \"subject\": \"s\", \"text\": \"{{last_engagement_kind}} {{last_engagement_url}}\"}",
                connection, schema)
            let sql = ReactivationSQL(schema: schema)
            try await connection.execute(
                sql.insertReactivationSend, [ann, Int32(1), "reactivation_value", Date(), "plain"])
            let id: Int64 = try await connection.query("SELECT max(id) AS id FROM \(schema.quoted).sends").first!
                .decode("id")
            let send = try await leased(id, connection, schema)
            #expect(send.templateVersion == 1 && send.format == "plain")
            let message = try await render([send], connection, schema)[id]?.get()
            #expect(message?.text == "click https://example.com/pricing" && message?.html == nil)
        }
    }

    @Test func flowsAndStreamsRecordTheVersionTheyDecidedWith() async throws {
        try await MigratedSchema.with { connection, schema in
            let (ann, _) = try await seed(connection, schema)
            _ = try await apply("{\"name\": \"a\", \"subject\": \"s\", \"text\": \"1\"}", connection, schema)
            _ = try await apply("{\"name\": \"a\", \"subject\": \"s\", \"text\": \"2\"}", connection, schema)
            _ = try await apply("{\"name\": \"b\", \"subject\": \"s\", \"text\": \"b\"}", connection, schema)
            try await connection.execute(
                FlowSQL(schema: schema).insertSends,
                [[ann, ann], ["f", "f"], [Int32(0), Int32(1)], ["a", "elsewhere"], Date()])
            // A stream step's experiment variant (or a promoted winner) is the template it names.
            try await connection.execute(
                StreamSQL(schema: schema).insertStreamSend,
                [ann, "welcome", Int32(0), "b", Date(), "subject_test", "variant_b", "retail", "active"])
            let rows = try await connection.query(
                "SELECT template, template_version FROM \(schema.quoted).sends ORDER BY id"
            ).rows.map {
                (try $0.decode("template", as: String.self), try $0.decode("template_version", as: Int32?.self))
            }
            #expect(rows.map(\.0) == ["a", "elsewhere", "b"] && rows.map(\.1) == [2, nil, 1])
        }
    }
}
