// Templates rendered per second: the pure render of a realistic template, and TemplateRenderer.render of 1,000-send batches against the database.
import ArgumentParser
import EbbflowCore
import EbbflowEngine
import Foundation
import Logging
import PostgresClient
import Synchronization

/// Why two figures: the pure render is the ceiling (Mustache, escaping, the text part derived
/// from the HTML); the batch figure is what delivery gets, with the one read of contacts and
/// last activity, the link key, the tracked links written and every link signed.
struct TemplateBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "templates", abstract: "Renders per second: pure, and whole batches against the database.")

    @Option(help: "PostgreSQL URL (default: $DATABASE_URL).") var databaseURL: String?
    @Option(help: "Renders of the pure measurement.") var renders = 50_000
    @Option(help: "Sends per batch.") var batch = 1_000
    @Option(help: "Batches rendered against the database.") var batches = 10
    @Option(help: "Repetitions (medians reported).") var reps = 3

    /// About 2.5 KB of HTML: a header, a greeting with attributes, a section on the last
    /// activity, five links, an unsubscribe footer; no text part (derived).
    static let template = TemplateDefinition(
        name: "bench_newsletter", subject: "{{attributes.first_name}}, this week at Example",
        html: """
            <html><head><style>body {font-family: sans-serif} .cta {color: #fff; background: #0a6}</style></head>
            <body><table width="600" align="center"><tr><td>
            <h1>Hello {{attributes.first_name}},</h1>
            <p>Thanks for being with us on the {{attributes.plan}} plan since {{attributes.since}}.</p>
            {{#last_activity.url}}<p>Last time you were looking at <a href="{{last_activity.url}}">this page</a>.</p>{{/last_activity.url}}
            <h2>This week</h2>
            <ul>
            <li><a href="https://example.com/articles/1?utm_source=mail&amp;utm_campaign=weekly">Five ways to get more from reports</a></li>
            <li><a href="https://example.com/articles/2?utm_source=mail&amp;utm_campaign=weekly">What is new in the editor</a></li>
            <li><a href="https://example.com/articles/3?utm_source=mail&amp;utm_campaign=weekly">A customer story from {{attributes.city}}</a></li>
            </ul>
            <p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et
            dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea
            commodo consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat.</p>
            <p><a class="cta" href="https://example.com/upgrade?plan={{attributes.plan}}">See your options</a></p>
            <hr><p style="font-size: 12px">You receive this because you signed up at example.com as {{email}}.
            <a href="{{unsubscribe_url}}">Unsubscribe</a> · <a href="https://example.com/preferences">Preferences</a></p>
            </td></tr></table></body></html>
            """)

    func run() async throws {
        let database = PGConfiguration.resolve(explicit: databaseURL)
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let context = BenchContext(database: database, logger: logger, ebbflowBin: "")
        var figures = FigureTable()
        for rep in 1...reps {
            figures.add("pure render, 1 thread (Mustache, text part derived)", try pure(), "renders/s")
            figures.add(
                "pure render, 2 threads (one per core, as delivery's chunks render)", try pure(threads: 2), "renders/s")
            let (batches, total) = try await inDatabase(context)
            figures.add(
                "TemplateRenderer.render, batches of \(batch) (read, render, \(total / (self.batch * self.batches)) links tracked and signed each)",
                batches, "renders/s")
            FileHandle.standardError.write(Data("rep \(rep)/\(reps) done\n".utf8))
        }
        figures.print()
    }

    static let attributes = PGJSON(#"{"first_name": "Ada & Bo", "plan": "team", "since": "2024", "city": "Lyon"}"#)

    static func send(_ id: Int64, contactID: Int64, externalID: String) -> LeasedSend {
        LeasedSend(
            id: id, contactID: contactID, externalID: externalID, email: "\(externalID)@example.com", flow: "bench",
            step: 0, template: template.name, templateVersion: 1, channel: "email", format: "html",
            variables: PGJSON("{}"), experiment: nil, variant: nil, attempt: 1, decidedAt: Date(), leaseToken: UUID(),
            leaseExpiresAt: Date())
    }

    /// `threads` threads rendering at once (`renders` in all), as delivery's chunks do on their
    /// own connections' threads: renders a second across the machine.
    func pure(threads: Int) throws -> Double {
        let failures = Mutex(0)
        let started = ContinuousClock.now
        let share = self.renders / threads
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            do { _ = try TemplateBenchmark.renderLoop(renders: share) } catch { failures.withLock { $0 += 1 } }
        }
        guard failures.withLock({ $0 }) == 0 else { throw BenchError("a render failed") }
        return Double(share * threads) / (ContinuousClock.now - started).seconds
    }

    func pure() throws -> Double {
        let started = ContinuousClock.now
        let done = try Self.renderLoop(renders: renders)
        return Double(done) / (ContinuousClock.now - started).seconds
    }

    /// Renders 1,000-send batches until `renders` are done (after one batch to warm up); returns how many.
    static func renderLoop(renders: Int) throws -> Int {
        let sends = (0..<1_000).map { Self.send(Int64($0 + 1), contactID: Int64($0 + 1), externalID: "c\($0)") }
        _ = try TemplateRenderer.renderDetached(
            sends, definition: Self.template, version: 1, attributes: Self.attributes)
        var done = 0, bytes = 0
        while done < renders {
            for result in try TemplateRenderer.renderDetached(
                sends, definition: Self.template, version: 1, attributes: Self.attributes)
            {
                bytes += try result.get().html?.utf8.count ?? 0
            }
            done += sends.count
        }
        guard bytes > 0 else { throw BenchError("nothing rendered") }
        return done
    }

    /// Contacts with attributes and a click each, the template applied, `batches × batch`
    /// pending sends; then each batch rendered in its own transaction, as delivery does.
    func inDatabase(_ context: BenchContext) async throws -> (rate: Double, links: Int) {
        try await context.withSchema { schema, connection in
            let q = schema.quoted
            let count = batch * batches
            try await connection.simpleQuery(
                """
                INSERT INTO \(q).contacts (external_id, email, attributes, status_changed_at, created_at)
                SELECT 'c' || i, 'c' || i || '@example.com',
                       '{"first_name": "Ada", "plan": "team", "since": "2024", "city": "Lyon"}', now(), now()
                FROM generate_series(1, \(count)) AS i;
                INSERT INTO \(q).engagement_events (contact_id, external_id, kind, occurred_at, received_at, url, applied_at)
                SELECT id, external_id, 'click', now() - interval '3 days', now(), 'https://example.com/pricing', now()
                FROM \(q).contacts;
                """)
            let document = try PGJSON(encoding: Self.template)
            _ = try await connection.withTransaction { connection in
                try TemplateStore(schema: schema).apply(document.bytes, on: connection)
            }
            try await connection.simpleQuery(
                """
                INSERT INTO \(q).sends (contact_id, flow, step, template, channel, at, template_version)
                SELECT id, 'bench', 0, '\(Self.template.name)', 'email', now(), 1 FROM \(q).contacts ORDER BY id;
                ANALYZE \(q).contacts; ANALYZE \(q).engagement_events; ANALYZE \(q).sends;
                """)
            let rows = try await connection.query(
                "SELECT s.id, s.contact_id, c.external_id FROM \(q).sends s JOIN \(q).contacts c ON c.id = s.contact_id ORDER BY s.id"
            ).rows
            let sends = try rows.map {
                Self.send(
                    try $0.decode("id"), contactID: try $0.decode("contact_id"),
                    externalID: try $0.decode("external_id"))
            }
            let renderer = TemplateRenderer(schema: schema, publicBaseURL: "https://mail.example.com")
            let started = ContinuousClock.now
            var rendered = 0
            for start in stride(from: 0, to: sends.count, by: batch) {
                let slice = Array(sends[start..<min(start + batch, sends.count)])
                let results = try await connection.withTransaction { try renderer.render(slice, on: $0) }
                rendered += try results.values.filter { try $0.get().html?.contains("/t/o/") == true }.count
            }
            let elapsed = (ContinuousClock.now - started).seconds
            guard rendered == sends.count else { throw BenchError("\(sends.count - rendered) sends not rendered") }
            let links: Int = try await connection.query("SELECT count(*)::int8 AS n FROM \(q).tracked_links").first!
                .decode("n")
            return (Double(rendered) / elapsed, links)
        }
    }
}
