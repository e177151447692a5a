// The dashboard's actions over real HTTP: admin only, CSRF and origin checked on every one, confirmations, and bad input as pages.
import EbbflowTestSupport
import Foundation
import Testing

@Suite struct DashboardActionsHTTPTests {
    /// Imports two contacts through the CLI, as an operator would.
    static func importContacts(_ server: ServeProcess) async throws {
        let file = NSTemporaryDirectory() + "dash-contacts-\(UUID().uuidString.prefix(8)).csv"
        try
            "external_id,email,segment\nann,ann@example.com,retail\nbob,bob@example.com,retail\njane@example.com,jane@example.org,retail\n"
            .write(
                toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let imported = try await server.ebbflow(["contacts", "import", file])
        #expect(imported.exitCode == 0, "\(imported.output)")
    }

    @Test func everyActionNeedsTheTokenThisOriginAndAnAdminKey() async throws {
        try await ServeProcess.with { server in
            try await Self.importContacts(server)
            let admin = try await server.createKey("boss", scope: "admin")
            let reader = try await server.createKey("reader", scope: "read")
            let browser = DashboardClient(server: server)
            try await browser.signIn(admin)
            let token = try await browser.csrfToken()
            let actions = [
                "/dashboard/contacts/ann/suppress", "/dashboard/contacts/ann/unsuppress",
                "/dashboard/contacts/ann/export", "/dashboard/contacts/ann/forget",
                "/dashboard/schedules/audience_snapshot/run", "/dashboard/schedules/audience_snapshot/disable",
                "/dashboard/schedules/audience_snapshot/enable", "/dashboard/experiments/none/promote",
            ]
            for path in actions {
                let missing = try await browser.post(path, [("reason", "x")])
                #expect(missing.status == 403, "\(path) without a token")
                let foreign = try await browser.post(path, [("_csrf", token)], origin: "http://evil.example")
                #expect(foreign.status == 403, "\(path) from another origin")
            }
            let contact = try await browser.get("/dashboard/contacts/ann")
            #expect(contact.text.contains("<h1>Contact ann</h1>"))
            #expect(try await browser.get("/dashboard/contacts/ann").text.contains("active"), "nothing was suppressed")

            let readBrowser = DashboardClient(server: server)
            try await readBrowser.signIn(reader)
            let readToken = try await readBrowser.csrfToken()
            let refused = try await readBrowser.post("/dashboard/contacts/ann/suppress", [("_csrf", readToken)])
            #expect(refused.status == 403)
            #expect(refused.text.contains("has scope read; this action needs admin"))
            #expect(!(try await readBrowser.get("/dashboard/contacts/ann").text.contains("Suppress…")))
        }
    }

    @Test func suppressUnsuppressForgetAndExportGoThroughTheirConfirmations() async throws {
        try await ServeProcess.with { server in
            try await Self.importContacts(server)
            let admin = try await server.createKey("boss", scope: "admin")
            let browser = DashboardClient(server: server)
            try await browser.signIn(admin)
            let token = try await browser.csrfToken()

            let confirm = try await browser.get("/dashboard/contacts/ann/suppress")
            #expect(confirm.status == 200 && confirm.text.contains("Suppress ann?"))
            let done = try await browser.post(
                "/dashboard/contacts/ann/suppress", [("_csrf", token), ("reason", "asked")])
            #expect(done.status == 303)
            #expect(done.header("Location") == "/dashboard/contacts/ann")
            let flash = try #require(done.header("Set-Cookie")?.split(separator: ";").first.map(String.init))
            #expect(flash.hasPrefix("ebbflow_flash="))
            let page = try await browser.get(
                "/dashboard/contacts/ann", headers: ["Cookie": "\(browser.cookie ?? ""); \(flash)"])
            #expect(page.text.contains("contact ann suppressed"), "the next page shows the flash")
            #expect(page.header("Set-Cookie")?.contains("Max-Age=0") == true, "and clears it")
            #expect(!(try await browser.get("/dashboard/contacts/ann").text.contains("contact ann suppressed")))

            let noSource = try await browser.post("/dashboard/contacts/ann/unsuppress", [("_csrf", token)])
            #expect(noSource.status == 400)
            #expect(noSource.text.contains("consent source"))
            let lifted = try await browser.post(
                "/dashboard/contacts/ann/unsuppress", [("_csrf", token), ("consent_source", "signed form 2026-12-07")])
            #expect(lifted.status == 303)

            let export = try await browser.post("/dashboard/contacts/ann/export", [("_csrf", token)])
            #expect(export.status == 200)
            #expect(export.header("Content-Disposition") == "attachment; filename=\"contact-ann.json\"")
            #expect(export.text.contains("ann@example.com"), "the contact's document")
            #expect((try? JSONSerialization.jsonObject(with: export.body)) is [String: Any], "one JSON object")

            let wrong = try await browser.post("/dashboard/contacts/bob/forget", [("_csrf", token), ("confirm", "bo")])
            #expect(wrong.status == 400)
            #expect(wrong.text.contains("nothing was erased"))
            #expect(try await browser.get("/dashboard/contacts/bob").status == 200, "bob is still there")
            let forgotten = try await browser.post(
                "/dashboard/contacts/bob/forget", [("_csrf", token), ("confirm", "bob")])
            #expect(forgotten.status == 303)
            #expect(try await browser.get("/dashboard/contacts/bob").status == 404)
        }
    }

    @Test func badInputAndUnknownNamesAreClearPages() async throws {
        try await ServeProcess.with { server in
            let reader = try await server.createKey("reader", scope: "read")
            let browser = DashboardClient(server: server)
            try await browser.signIn(reader)
            for (path, status, text) in [
                ("/dashboard/contacts?status=happy", 400, "happy"),
                ("/dashboard/contacts/nobody", 404, "no contact with external id"),
                ("/dashboard/contacts/nobody?before=yesterday", 400, "before: not a timeline cursor"),
                ("/dashboard/streams/nothing", 404, "no stream named"),
                ("/dashboard/experiments/nothing", 404, "no experiment named"),
                ("/dashboard/decisions?before=0", 400, "before"),
                ("/dashboard/no-such-page", 404, "The dashboard has no such page."),
            ] {
                let answer = try await browser.get(path)
                #expect(answer.status == status, "\(path)")
                #expect(answer.text.contains(text), "\(path): \(answer.text.prefix(300))")
                #expect(answer.header("Content-Security-Policy") != nil, "\(path)")
            }
            // Names are percent-encoded in links and decoded from the path: an id with an @ works.
            try await Self.importContacts(server)
            let found = try await browser.get("/dashboard/contacts?q=jane%40example.org")
            #expect(found.status == 303)
            #expect(found.header("Location") == "/dashboard/contacts/jane%40example.com")
            let jane = try await browser.get("/dashboard/contacts/jane%40example.com")
            #expect(jane.status == 200 && jane.text.contains("<h1>Contact jane@example.com</h1>"))
            let wrongMethod = try await browser.get("/dashboard/sign-out")
            #expect(wrongMethod.status == 405 && wrongMethod.text.contains("actions are forms, sent by POST"))
            let search = try await browser.get("/dashboard/contacts?q=%20%20")
            #expect(search.status == 200, "a blank search lists contacts")
        }
    }

    @Test func badDashboardSettingsStopServeWithOneLine() async throws {
        for (variable, value) in [
            ("EBBFLOW_DASHBOARD_SECURE", "maybe"), ("EBBFLOW_DASHBOARD_REFRESH_SECONDS", "0"),
            ("EBBFLOW_DASHBOARD", "yes please"),
        ] {
            let schema = TestDatabase.uniqueSchemaName("dashcfg")
            try await TestDatabase.dropping(schema) {
                _ = try await EbbflowBinary.run(["migrate", "--schema", schema], timeout: .seconds(120))
                let run = try await EbbflowBinary.run(
                    ["serve", "--schema", schema, "--port", "0"], environment: [variable: value], timeout: .seconds(60))
                #expect(run.exitCode != 0, "\(variable)=\(value)")
                #expect(run.output.contains("cannot serve: \(variable) must be"), "\(run.output)")
            }
        }
        let flags = try await EbbflowBinary.run(["serve", "--dashboard-connections", "0"], timeout: .seconds(60))
        #expect(flags.output.contains("--dashboard-connections must be 1...100, got 0"), "\(flags.output)")
    }
}
