// The unsubscribe and tracking links over a real `ebbflow serve`: GET never unsubscribes, one-click POST once, pixel, redirects, robots, bad tokens.
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct LinksHTTPTests {
    static let base = "https://mail.example.com"

    /// A contact `c-1` and one send to it, handed over a day ago; returns the send's id.
    static func contactAndSend(_ server: ServeProcess) async throws -> Int64 {
        let connection = try await TestDatabase.connect()
        defer { Task { await connection.close() } }
        let s = server.schema
        return try await connection.query(
            """
            WITH c AS (
                INSERT INTO \(s).contacts (external_id, email, segment, status_changed_at, created_at)
                VALUES ('c-1', 'c1@example.com', 'default', now(), now()) RETURNING id)
            INSERT INTO \(s).sends (contact_id, flow, step, template, channel, at, state, sent_at)
            SELECT id, 'welcome', 1, 'w1', 'email', now() - interval '1 day', 'sent', now() - interval '1 day' FROM c
            RETURNING id
            """
        ).first!.decode("id")
    }

    static func sql(_ server: ServeProcess, _ text: String, _ bindings: PGBindings = []) async throws {
        let connection = try await TestDatabase.connect()
        defer { Task { await connection.close() } }
        _ = try await connection.execute(text, bindings)
    }

    /// The server's events, oldest first: kind, source, machine_open, bot, applied, url, bot_reason.
    static func events(_ server: ServeProcess) async throws -> [[String: String]] {
        let connection = try await TestDatabase.connect()
        defer { Task { await connection.close() } }
        return try await connection.query(
            """
            SELECT kind, source, machine_open::text AS machine, bot::text AS bot, (applied_at IS NOT NULL)::text AS applied,
                   coalesce(url, '') AS url, coalesce(properties ->> 'bot_reason', '') AS reason
            FROM \(server.schema).engagement_events ORDER BY id
            """
        ).rows.map { row in
            var event: [String: String] = [:]
            for name in ["kind", "source", "machine", "bot", "applied", "url", "reason"] {
                event[name] = try row.decode(name, as: String.self)
            }
            return event
        }
    }

    static func links(_ server: ServeProcess, _ arguments: [String], publicURL: String? = base) async throws
        -> CommandResult
    {
        var environment: [String: String] = [:]
        environment["EBBFLOW_PUBLIC_URL"] = publicURL ?? ""
        return try await EbbflowBinary.run(
            ["links"] + arguments + ["--schema", server.schema], environment: environment, timeout: .seconds(60))
    }

    /// The path of a URL the CLI printed (`https://mail.example.com/u/…` → `/u/…`).
    static func path(_ printed: String) -> String {
        String(printed.trimmingCharacters(in: .whitespacesAndNewlines).dropFirst(base.count))
    }

    /// One raw request (no redirect followed), its whole answer as text.
    static func raw(_ server: ServeProcess, _ method: String, _ path: String, headers: [String] = []) async throws
        -> String
    {
        let connection = try RawHTTPConnection(port: server.port)
        let head = ([("\(method) \(path) HTTP/1.1"), "Host: 127.0.0.1", "Connection: close"] + headers)
            .joined(separator: "\r\n")
        _ = await connection.send(head + "\r\n\r\n")
        return await connection.responseAfterEnd()
    }

    static func location(_ answer: String) -> String? {
        answer.split(separator: "\r\n").first { $0.lowercased().hasPrefix("location:") }.map {
            String($0.dropFirst("location:".count)).trimmingCharacters(in: .whitespaces)
        }
    }

    /// A tampered copy of a token path: one character of the token changed.
    static func tampered(_ path: String) -> String {
        var characters = Array(path)
        let index = characters.count - 20
        characters[index] = characters[index] == "A" ? "B" : "A"
        return String(characters)
    }

    /// Anyone can send a made-up token: one that is not a token at all is refused (400) before
    /// any database work. The schema's clock table renamed away makes every transaction of
    /// these routes fail, so a route that still reached the database would answer 500.
    @Test func aMalformedTokenIsRefusedBeforeAnyDatabaseWork() async throws {
        try await ServeProcess.with { server in
            let client = APIClient(server: server)
            try await Self.sql(server, "ALTER TABLE \(server.schema).clock RENAME TO clock_away")
            for path in ["/u/AAAA", "/t/o/AAAA", "/t/c/AAAA", "/u/" + String(repeating: "A", count: 65)] {
                let answer = try await client.send("GET", path)
                #expect(answer.status == 400, "GET \(path): \(answer.status) \(answer.text)")
            }
            for path in ["/t/o/AAAA", "/t/c/AAAA"] {
                let answer = try await Self.raw(server, "HEAD", path)
                #expect(answer.hasPrefix("HTTP/1.1 400"), "HEAD \(path): \(answer.prefix(40))")
            }
            let post = try await client.send(
                "POST", "/u/AAAA", body: Data("List-Unsubscribe=One-Click".utf8),
                contentType: "application/x-www-form-urlencoded")
            #expect(post.status == 400)
            try await Self.sql(server, "ALTER TABLE \(server.schema).clock_away RENAME TO clock")
        }
    }

    @Test func getShowsAPageAndOnlyTheOneClickPostUnsubscribesOnce() async throws {
        try await ServeProcess.with { server in
            _ = try await Self.contactAndSend(server)
            let client = APIClient(server: server)
            let printed = try await Self.links(server, ["unsubscribe", "c-1"])
            #expect(printed.exitCode == 0, "\(printed.output)")
            #expect(printed.stdout.hasPrefix(Self.base + "/u/"))
            let path = Self.path(printed.stdout)

            // GET: a page with a button; nothing stored, however often a scanner fetches it.
            for _ in 0..<3 {
                let page = try await client.send("GET", path)
                #expect(page.status == 200)
                #expect(page.header("Content-Type")?.hasPrefix("text/html") == true)
                #expect(page.text.contains("<form method=\"post\""))
                #expect(page.text.contains("name=\"List-Unsubscribe\" value=\"One-Click\""))
                #expect(!page.text.contains("<script") && !page.text.contains("src="))
                #expect(page.header("Cache-Control") == "no-store")
                #expect(page.header("Referrer-Policy") == "no-referrer")
                #expect(page.header("Content-Security-Policy")?.contains("default-src 'none'") == true)
            }
            #expect(try await Self.events(server).isEmpty)

            // Wrong content type, or a form without the field: refused, nothing stored.
            let json = try await client.send(
                "POST", path, body: Data(#"{"List-Unsubscribe":"One-Click"}"#.utf8), contentType: "application/json")
            #expect(json.status == 415)
            let text = try await client.send(
                "POST", path, body: Data("List-Unsubscribe=One-Click".utf8), contentType: "text/plain")
            #expect(text.status == 415)
            let empty = try await client.send(
                "POST", path, body: Data("a=b".utf8), contentType: "application/x-www-form-urlencoded")
            #expect(empty.status == 400)
            #expect(try await Self.events(server).isEmpty)

            // The one-click POST: 200, one unsubscribe stored and applied; a repeat is stored once.
            let form = Data("List-Unsubscribe=One-Click".utf8)
            let first = try await client.send(
                "POST", path, body: form, contentType: "application/x-www-form-urlencoded")
            #expect(first.status == 200)
            #expect(first.header("Cache-Control") == "no-store")
            #expect(first.text.contains("unsubscribed"))
            let again = try await client.send(
                "POST", path, body: form, contentType: "application/x-www-form-urlencoded")
            #expect(again.status == 200)
            let boundary = "ebbflowBoundary42"
            let multipart = Data(
                """
                --\(boundary)\r
                Content-Disposition: form-data; name="List-Unsubscribe"\r
                \r
                One-Click\r
                --\(boundary)--\r

                """.utf8)
            let viaMultipart = try await client.send(
                "POST", path, body: multipart, contentType: "multipart/form-data; boundary=\(boundary)")
            #expect(viaMultipart.status == 200)
            let stored = try await Self.events(server)
            #expect(stored.count == 1)
            #expect(stored.first?["kind"] == "unsubscribe" && stored.first?["source"] == "one_click")
            #expect(stored.first?["applied"] == "true")

            // Bad tokens: 4xx, a page, nothing stored.
            let bad = [
                Self.tampered(path), String(path.dropLast(3)), "/u/abc", "/u/" + String(repeating: "A", count: 500),
                "/u/%00%01", path + "A",
            ]
            for candidate in bad {
                let answer = try await client.send(
                    "POST", candidate, body: form, contentType: "application/x-www-form-urlencoded")
                #expect([400, 404].contains(answer.status), "\(candidate): \(answer.status)")
                #expect(answer.header("Content-Type")?.hasPrefix("text/html") == true)
                #expect([400, 404].contains(try await client.send("GET", candidate).status), "\(candidate)")
            }
            #expect(try await Self.events(server).count == 1)
            // Neither a token nor a key ever reaches the log.
            #expect(!server.log.contains(String(path.dropFirst(3))))
        }
    }

    @Test func theOpenPixelRecordsOpensAndFlagsMachineNetworks() async throws {
        try await ServeProcess.with { server in
            let send = try await Self.contactAndSend(server)
            let client = APIClient(server: server)
            let printed = try await Self.links(server, ["open", "\(send)"])
            #expect(printed.exitCode == 0, "\(printed.output)")
            let path = Self.path(printed.stdout)
            #expect(path.hasPrefix("/t/o/"))

            let pixel = try await client.send("GET", path)
            #expect(pixel.status == 200)
            #expect(pixel.header("Content-Type") == "image/gif")
            #expect(pixel.header("Cache-Control") == "no-store")
            #expect(pixel.body == Data(base64Encoded: "R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"))
            // X-Forwarded-For from an untrusted peer is ignored: 17.x here is not Apple's proxy.
            _ = try await client.send("GET", path, headers: ["X-Forwarded-For": "17.1.2.3"])
            // A HEAD loads no image and records nothing.
            let head = try await Self.raw(server, "HEAD", path)
            #expect(head.hasPrefix("HTTP/1.1 200"))
            var stored = try await Self.events(server)
            #expect(stored.map { $0["kind"] } == ["open", "open"])
            #expect(
                stored.allSatisfy { $0["machine"] == "false" && $0["applied"] == "true" && $0["source"] == "tracking" })

            // The loopback made a machine network: the next open is a machine open.
            try await Self.sql(
                server,
                """
                INSERT INTO \(server.schema).policies (document)
                VALUES ('{"default": {"tracking": {"machine_open_networks": ["127.0.0.0/8", "::1/128"]}}}')
                ON CONFLICT (singleton) DO UPDATE SET document = excluded.document
                """)
            #expect(try await client.send("GET", path).status == 200)
            stored = try await Self.events(server)
            #expect(stored.last?["machine"] == "true")

            // A click token at the open route, and bad tokens: 4xx, nothing stored.
            let click = Self.path(try await Self.links(server, ["click", "\(send)", "https://example.com/"]).stdout)
            let token = String(click.dropFirst("/t/c/".count))
            for candidate in ["/t/o/" + token, Self.tampered(path), String(path.dropLast(1)), "/t/o/!!"] {
                let answer = try await client.send("GET", candidate)
                #expect([400, 404].contains(answer.status), "\(candidate): \(answer.status)")
            }
            #expect(try await Self.events(server).count == 3)
        }
    }

    @Test func aClickRedirectsOnlyToItsRecordedURLAndRobotsAreFlagged() async throws {
        try await ServeProcess.with { server in
            let send = try await Self.contactAndSend(server)
            let target = "https://shop.example.com/item?id=7&utm_source=mail"
            let printed = try await Self.links(server, ["click", "\(send)", target])
            #expect(printed.exitCode == 0, "\(printed.output)")
            let path = Self.path(printed.stdout)
            #expect(try await Self.links(server, ["click", "\(send)", target]).stdout == printed.stdout)
            let browser =
                "User-Agent: Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Safari/605.1.15"

            let person = try await Self.raw(server, "GET", path, headers: [browser])
            #expect(person.hasPrefix("HTTP/1.1 302"))
            #expect(Self.location(person) == target)
            #expect(person.lowercased().contains("cache-control: no-store"))
            // Whatever the request adds, the redirect goes to the recorded URL.
            let steered = try await Self.raw(server, "GET", path + "?url=https://evil.example/", headers: [browser])
            #expect(Self.location(steered) == target)

            let scanner = try await Self.raw(
                server, "GET", path, headers: ["User-Agent: Mozilla/5.0 (compatible; Mimecast URL Protect)"])
            #expect(Self.location(scanner) == target)
            let head = try await Self.raw(server, "HEAD", path, headers: [browser])
            #expect(head.hasPrefix("HTTP/1.1 302") && Self.location(head) == target)
            // Delivered just now, under a window of an hour: a click now is a scanner's.
            try await Self.sql(server, "UPDATE \(server.schema).sends SET sent_at = now() WHERE id = $1", [send])
            try await Self.sql(
                server,
                """
                INSERT INTO \(server.schema).policies (document) VALUES ('{"default": {"tracking": {"bot_click_window": "1h"}}}')
                ON CONFLICT (singleton) DO UPDATE SET document = excluded.document
                """)
            let early = try await Self.raw(server, "GET", path, headers: [browser])
            #expect(Self.location(early) == target)

            let stored = try await Self.events(server)
            #expect(stored.map { $0["kind"] } == ["click", "click", "click", "click", "click"])
            #expect(stored.allSatisfy { $0["url"] == target && $0["applied"] == "true" })
            #expect(stored.map { $0["bot"] } == ["false", "false", "true", "true", "true"])
            #expect(stored.map { $0["reason"] } == ["", "", "user_agent", "head", "window"])
            // Only people's clicks scored.
            let connection = try await TestDatabase.connect()
            let points: [Int32] = try await connection.query(
                "SELECT points FROM \(server.schema).engagement_events ORDER BY id"
            ).rows.map { try $0.decode("points") }
            await connection.close()
            #expect(points == [10, 10, 0, 0, 0])
            // Kept and shown: the timeline marks a scanner's click.
            let shown = try await server.ebbflow(["contacts", "show", "c-1"])
            #expect(shown.stdout.contains("click (bot) +0 points"), "\(shown.output)")
            let document = try await server.ebbflow(["contacts", "show", "c-1", "--json"])
            #expect(document.stdout.contains("\"bot\" : true"))

            // A link whose recorded URL is gone cannot redirect anywhere: 404, nothing stored.
            try await Self.sql(server, "DELETE FROM \(server.schema).tracked_links WHERE send_id = $1", [send])
            let gone = try await Self.raw(server, "GET", path, headers: [browser])
            #expect(gone.hasPrefix("HTTP/1.1 404"))
            #expect(Self.location(gone) == nil)
            let tampered = try await Self.raw(server, "GET", Self.tampered(path), headers: [browser])
            #expect(tampered.hasPrefix("HTTP/1.1 404") && Self.location(tampered) == nil)
            #expect(try await Self.events(server).count == 5)
        }
    }

    @Test func behindATrustedProxyTheForwardedAddressDecides() async throws {
        try await ServeProcess.with(environment: ["EBBFLOW_TRUSTED_PROXIES": "127.0.0.1, ::1"]) { server in
            let send = try await Self.contactAndSend(server)
            let client = APIClient(server: server)
            let path = Self.path(try await Self.links(server, ["open", "\(send)"]).stdout)
            _ = try await client.send("GET", path, headers: ["X-Forwarded-For": "198.51.100.7"])
            _ = try await client.send("GET", path, headers: ["X-Forwarded-For": "203.0.113.9, 17.58.0.1"])
            #expect(try await Self.events(server).map { $0["machine"] } == ["false", "true"])
        }
        // A malformed list refuses to start, in one line.
        let started = try await EbbflowBinary.run(
            ["serve", "--port", "0", "--schema", "nowhere"], environment: ["EBBFLOW_TRUSTED_PROXIES": "10.0.0.0/99"],
            timeout: .seconds(60))
        #expect(started.exitCode == 1)
        #expect(started.stderr.contains("EBBFLOW_TRUSTED_PROXIES"))
    }

    @Test func theCLIPrintsURLsListsKeysAndRotates() async throws {
        try await ServeProcess.with { server in
            let send = try await Self.contactAndSend(server)
            let client = APIClient(server: server)
            for (url, message) in [
                (nil as String?, "EBBFLOW_PUBLIC_URL is not set"), ("mail.example.com", "absolute http or https"),
                ("https://mail.example.com/?a=1", "no query"),
            ] {
                var environment: [String: String] = [:]
                if let url { environment["EBBFLOW_PUBLIC_URL"] = url }
                let result = try await EbbflowBinary.run(
                    ["links", "unsubscribe", "c-1", "--schema", server.schema], environment: environment,
                    timeout: .seconds(60))
                #expect(result.exitCode == 1 && result.stderr.contains(message), "\(result.output)")
            }
            let trailing = try await Self.links(server, ["unsubscribe", "c-1"], publicURL: Self.base + "/")
            #expect(trailing.stdout.hasPrefix(Self.base + "/u/"))
            let unknown = try await Self.links(server, ["unsubscribe", "nobody"])
            #expect(unknown.exitCode == 1 && unknown.stderr.contains("no contact"))
            #expect(try await Self.links(server, ["open", "0"]).exitCode == 1)
            #expect(try await Self.links(server, ["open", "\(send + 99)"]).stderr.contains("does not exist"))
            let badURL = try await Self.links(server, ["click", "\(send)", "javascript:alert(1)"])
            #expect(badURL.exitCode == 1 && badURL.stderr.contains("URL"))

            let old = Self.path(trailing.stdout)
            let keys = try await Self.links(server, ["keys"])
            #expect(keys.stdout.contains("key 1") && keys.stdout.contains("current"))
            let connection = try await TestDatabase.connect()
            let secret: Data = try await connection.query("SELECT secret FROM \(server.schema).link_keys").first!
                .decode(
                    "secret")
            await connection.close()
            #expect(!keys.output.contains(secret.base64EncodedString()))
            #expect(!keys.output.contains(secret.map { String(format: "%02x", $0) }.joined()))

            #expect(try await Self.links(server, ["rotate-key", "--grace", "9999d"]).exitCode == 1)
            let rotated = try await Self.links(server, ["rotate-key"])
            #expect(rotated.exitCode == 0 && rotated.stdout.contains("key 2 signs"), "\(rotated.output)")
            // Within the grace the old link still works; the new one too.
            #expect(try await client.send("GET", old).status == 200)
            let new = Self.path(try await Self.links(server, ["unsubscribe", "c-1"]).stdout)
            #expect(new != old)
            #expect(try await client.send("GET", new).status == 200)
            // A rotation with no grace retires key 2 at once; key 1 keeps its own grace.
            _ = try await Self.links(server, ["rotate-key", "--grace", "0s"])
            #expect(try await client.send("GET", new).status == 404)
            #expect(try await client.send("GET", old).status == 200)
        }
    }
}
