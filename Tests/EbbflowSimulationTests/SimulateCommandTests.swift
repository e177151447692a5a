// `ebbflow simulate` as a person runs it: progress lines, the weekly table, the summary, and the two files.
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

@Suite struct SimulateCommandTests {
    @Test func simulateWritesTableSummaryFilesAndProgress() async throws {
        let schema = TestDatabase.uniqueSchemaName("simcli")
        let out = FileManager.default.temporaryDirectory.appendingPathComponent(schema, isDirectory: true)
        defer { try? FileManager.default.removeItem(at: out) }
        let result = try await EbbflowBinary.run(
            [
                "simulate", "--contacts", "300", "--days", "30", "--workers", "1", "--seed", "7", "--out", out.path,
                "--schema", schema, "--database-url", try TestDatabase.url, "--log-level", "warning",
            ], timeout: .seconds(600))
        try await TestDatabase.dropSchema(schema)
        #expect(result.exitCode == 0, "\(result.output)")
        // Not a terminal: plain progress lines every 7 days and on the last, on stderr.
        for day in [7, 14, 21, 28, 30] {
            #expect(result.stderr.contains("simulate: day \(day)/30 · "), "\(result.stderr)")
        }
        #expect(!result.stderr.contains("applied migration"), "--log-level warning keeps migration lines out")
        #expect(result.stdout.contains("week  days"))
        #expect(result.stdout.contains("300 contacts over 30 simulated days"))
        for part in [
            "sends:", "% saved", "engagement reached:", "human opens", "still reachable by email",
            "engagement a static list reaches: not simulated", "reactivation:",
            "median time from first send to engaged",
        ] {
            #expect(result.stdout.contains(part), "summary lacks \(part): \(result.stdout)")
        }
        let csv = try String(contentsOf: out.appendingPathComponent("simulation.csv"), encoding: .utf8)
        let lines = csv.split(separator: "\n")
        #expect(lines.count == 31, "a header and one row per day")
        let columns = lines.first?.split(separator: ",").count ?? 0
        #expect(lines.allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).count == columns })
        // The chart is well-formed XML with a title, the six series and their legend, dates on its axis.
        let svg = try Data(contentsOf: out.appendingPathComponent("audience.svg"))
        let reader = SVGReader()
        let parser = XMLParser(data: svg)
        parser.delegate = reader
        #expect(parser.parse(), "audience.svg is not well-formed XML: \(String(describing: parser.parserError))")
        #expect(reader.elements["svg"] == 1 && reader.elements["path"] == 6, "\(reader.elements)")
        #expect(reader.elements["title"] ?? 0 >= 1 && reader.elements["desc"] == 1, "\(reader.elements)")
        for label in [
            "active", "reactivated", "engaged", "inactive", "ads", "suppressed", "300 contacts over 30 days", "Jan 12",
            "date (UTC)", "contacts",
        ] {
            #expect(reader.texts.contains { $0.contains(label) }, "the chart shows \(label): \(reader.texts)")
        }
    }

    /// Bad stream input is one clear line and exit 1 before the database is touched: the
    /// simulation schema is never made.
    @Test func badStreamInputIsRefusedBeforeAnythingIsMade() async throws {
        let schema = TestDatabase.uniqueSchemaName("simbad")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(schema).yaml")
        try Data("name: teleporting\nentry: {event: teleport}\nsteps: [{send: x}]\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let cases: [([String], String)] = [
            (["--streams", file.path], "entry.event: unknown event kind \"teleport\""),
            (["--streams", "/nonexistent/streams.yaml"], "cannot read the streams file"),
            (["--appeal", "promo=2"], "--appeal needs --streams"),
            (["--streams", file.path, "--appeal", "promo"], "is not TEMPLATE=FACTOR"),
            (["--streams", file.path, "--appeal", "promo=-1"], "is not TEMPLATE=FACTOR"),
        ]
        for (arguments, expected) in cases {
            let result = try await EbbflowBinary.run(
                [
                    "simulate", "--contacts", "10", "--days", "2", "--schema", schema,
                    "--database-url", try TestDatabase.url,
                ] + arguments)
            #expect(result.exitCode == 1 && result.stderr.contains(expected), "\(arguments): \(result.output)")
        }
        let connection = try await TestDatabase.connect()
        let made = try await connection.query("SELECT count(*) AS n FROM pg_namespace WHERE nspname = $1", [schema])
            .first!.decode("n", as: Int.self)
        #expect(made == 0, "nothing was made")
    }
}

extension SimulateCommandTests {
    /// Issue 14 item 1: a schema simulate did not create is refused with one line naming it and
    /// left whole, whatever it holds (a user's table, nothing, or an ebbflow database migrated
    /// with --simulation), and `public` is never used; a schema simulate created is recreated.
    @Test func simulateDropsOnlySchemasItCreated() async throws {
        let connection = try await TestDatabase.connect()
        let mine = TestDatabase.uniqueSchemaName("simmine")
        let theirs = TestDatabase.uniqueSchemaName("simtheirs")
        let empty = TestDatabase.uniqueSchemaName("simempty")
        let migrated = TestDatabase.uniqueSchemaName("simmigr")
        defer { Task { for schema in [mine, theirs, empty, migrated] { try? await TestDatabase.dropSchema(schema) } } }
        try await connection.simpleQuery(
            "CREATE SCHEMA \(theirs); CREATE TABLE \(theirs).customers (id int); INSERT INTO \(theirs).customers VALUES (1)"
        )
        try await connection.simpleQuery("CREATE SCHEMA \(empty)")
        let url = try TestDatabase.url
        let migrate = try await EbbflowBinary.run([
            "migrate", "--simulation", "--schema", migrated, "--database-url", url, "--log-level", "warning",
        ])
        #expect(migrate.exitCode == 0, "\(migrate.output)")
        let out = FileManager.default.temporaryDirectory.appendingPathComponent(mine, isDirectory: true)
        defer { try? FileManager.default.removeItem(at: out) }
        func simulate(_ schema: String) async throws -> CommandResult {
            try await EbbflowBinary.run(
                [
                    "simulate", "--contacts", "20", "--days", "1", "--workers", "1", "--out", out.path,
                    "--schema", schema, "--database-url", url, "--log-level", "warning",
                ], timeout: .seconds(300))
        }
        for schema in [theirs, empty, migrated] {
            let result = try await simulate(schema)
            #expect(result.exitCode == 1, "\(schema): \(result.output)")
            #expect(
                result.stderr.contains(
                    "schema \"\(schema)\" exists and was not created by ebbflow simulate; refusing to drop it"),
                "\(result.output)")
            #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
        }
        let kept = try await connection.query("SELECT count(*) AS n FROM \(theirs).customers").first!.decode(
            "n", as: Int.self)
        #expect(kept == 1, "the user's table is untouched")
        let tables = try await connection.query("SELECT count(*) AS n FROM pg_tables WHERE schemaname = $1", [migrated])
            .first!.decode("n", as: Int.self)
        #expect(tables > 5, "the migrated database is untouched")
        let publicRun = try await simulate("public")
        #expect(
            publicRun.exitCode == 1 && publicRun.stderr.contains("schema \"public\" is never used by simulate"),
            "\(publicRun.output)")
        // Its own schema: created with the mark on the first run, recreated on the second.
        for run in 1...2 {
            let result = try await simulate(mine)
            #expect(result.exitCode == 0, "run \(run): \(result.output)")
        }
    }
}

/// Counts elements and collects text, to check the chart as an XML document rather than as a string.
final class SVGReader: NSObject, XMLParserDelegate {
    var elements: [String: Int] = [:]
    var texts: [String] = []
    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        elements[name, default: 0] += 1
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) {
        let text = string.trimmingCharacters(in: .whitespacesAndNewlines)
        if !text.isEmpty { texts.append(text) }
    }
}
