// Signing in to the dashboard and what protects a session: cookie flags, CSRF, Origin, revocation, redirects.
import EbbflowTestSupport
import Foundation
import Testing

@Suite struct DashboardSessionHTTPTests {
    @Test func aReadKeySignsInAndTheCookieIsHttpOnlyAndStrict() async throws {
        try await ServeProcess.with { server in
            let reader = try await server.createKey("reader", scope: "read")
            let browser = DashboardClient(server: server)

            let unsigned = try await browser.get("/dashboard/jobs?state=discarded")
            #expect(unsigned.status == 303)
            #expect(unsigned.header("Location") == "/dashboard/sign-in?next=%2Fdashboard%2Fjobs%3Fstate%3Ddiscarded")

            let form = try await browser.get("/dashboard/sign-in?next=%2Fdashboard%2Fjobs")
            #expect(form.status == 200)
            #expect(form.header("Content-Security-Policy")?.contains("default-src 'none'") == true)
            #expect(form.header("Cache-Control") == "no-store")
            #expect(form.header("X-Content-Type-Options") == "nosniff")
            #expect(form.text.contains(#"type="password""#))

            let signedIn = try await browser.signIn(reader, next: "/dashboard/jobs")
            #expect(signedIn.status == 303)
            #expect(signedIn.header("Location") == "/dashboard/jobs")
            let cookie = try #require(signedIn.header("Set-Cookie"))
            #expect(cookie.hasPrefix("ebbflow_session="))
            for flag in ["HttpOnly", "SameSite=Strict", "Path=/dashboard"] { #expect(cookie.contains(flag), "\(flag)") }
            #expect(!cookie.contains("Secure"), "plain HTTP without EBBFLOW_DASHBOARD_SECURE: not Secure")
            #expect(!cookie.contains(reader), "the key itself is never the cookie")

            let overview = try await browser.get("/dashboard/overview")
            #expect(overview.status == 200)
            #expect(overview.text.contains("<h1>Overview</h1>"))
            let timing = try #require(overview.header("Server-Timing"))
            #expect(
                timing.range(of: #"^db;dur=\d+\.\d{3}, total;dur=\d+\.\d{3}$"#, options: .regularExpression) != nil,
                "\(timing)")
            #expect(overview.text.contains("reader"))
            #expect(!overview.text.contains(reader), "no page shows the key")
        }
    }

    @Test func wrongIngestAndEmptyKeysAreRefusedWithAReason() async throws {
        try await ServeProcess.with { server in
            let ingest = try await server.createKey("site", scope: "ingest")
            let browser = DashboardClient(server: server)
            for key in [ingest, "ebf_aaaaaaaaaaaa_wrong", ""] {
                let answer = try await browser.signIn(key)
                #expect(answer.status == 401, "\(key.prefix(16))")
                #expect(answer.text.contains("not an active read or admin key"))
                #expect(answer.header("Set-Cookie") == nil)
            }
        }
    }

    @Test func formsNeedTheSessionsTokenAndThisOrigin() async throws {
        try await ServeProcess.with { server in
            let admin = try await server.createKey("boss", scope: "admin")
            let browser = DashboardClient(server: server)
            try await browser.signIn(admin)
            let token = try await browser.csrfToken()

            let missing = try await browser.post("/dashboard/sign-out", [])
            #expect(missing.status == 403)
            #expect(missing.text.contains("stale"))
            let wrong = try await browser.post("/dashboard/sign-out", [("_csrf", String(token.reversed()))])
            #expect(wrong.status == 403)
            let foreign = try await browser.post(
                "/dashboard/sign-out", [("_csrf", token)], origin: "https://evil.example")
            #expect(foreign.status == 403)
            #expect(foreign.text.contains("another origin"))
            let crossSite = try await browser.post("/dashboard/sign-out", [("_csrf", token)], origin: .some(nil))
            #expect(crossSite.status == 303, "no Origin (curl): the token alone decides")
            #expect(try await browser.get("/dashboard/overview").status == 303, "signed out: back to sign-in")

            #expect(try await browser.get("/dashboard/sign-out").status == 405, "no action by GET")
            let crossSiteSignIn = try await browser.post(
                "/dashboard/sign-in", [("key", admin)], origin: "https://evil.example")
            #expect(crossSiteSignIn.status == 403, "another site cannot sign a browser in (login CSRF)")
        }
    }

    @Test func aRevokedKeysSessionsEndAndSignInSendsOnlyToDashboardPaths() async throws {
        try await ServeProcess.with { server in
            let reader = try await server.createKey("reader", scope: "read")
            let browser = DashboardClient(server: server)
            let answer = try await browser.signIn(reader, next: "https://evil.example/dashboard/")
            #expect(answer.header("Location") == "/dashboard/overview")
            #expect(try await browser.get("/dashboard/overview").status == 200)
            let revoked = try await server.ebbflow(["keys", "revoke", "reader"])
            #expect(revoked.exitCode == 0, "\(revoked.output)")
            var status = 200
            for _ in 0..<50 where status == 200 {
                try await Task.sleep(for: .milliseconds(100))
                status = try await browser.get("/dashboard/overview").status
            }
            #expect(status == 303, "a revoked key's session ends within a second")
            #expect(try await browser.get("/dashboard/overview/fragments/audience").status == 401)
        }
    }

    @Test func behindTLSTheCookieIsSecureAndHostPrefixed() async throws {
        try await ServeProcess.with(environment: ["EBBFLOW_DASHBOARD_SECURE": "1"]) { server in
            let reader = try await server.createKey("reader", scope: "read")
            let browser = DashboardClient(server: server)
            let cookie = try #require(try await browser.signIn(reader).header("Set-Cookie"))
            #expect(cookie.hasPrefix("__Host-ebbflow_session="))
            for flag in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
                #expect(cookie.contains(flag), "\(flag)")
            }
            #expect(!cookie.contains("Domain"))
            #expect(try await browser.get("/dashboard/overview").status == 200)
        }
    }

    @Test func assetsAreCachedForAYearAndTheDashboardCanBeLeftOut() async throws {
        try await ServeProcess.with { server in
            let reader = try await server.createKey("reader", scope: "read")
            let browser = DashboardClient(server: server)
            try await browser.signIn(reader)
            let page = try await browser.get("/dashboard/overview").text
            let range = try #require(
                page.range(of: #"/dashboard/assets/dashboard\.[0-9a-f]+\.css"#, options: .regularExpression))
            let css = try await DashboardClient(server: server).get(String(page[range]))
            #expect(css.status == 200)
            #expect(css.header("Cache-Control") == "public, max-age=31536000, immutable")
            #expect(css.header("Content-Type")?.hasPrefix("text/css") == true)
            #expect(try await browser.get("/dashboard/assets/dashboard.000000000000.css").status == 404)
        }
        try await ServeProcess.with(environment: ["EBBFLOW_DASHBOARD": "0"]) { server in
            let answer = try await DashboardClient(server: server).get("/dashboard/sign-in")
            #expect(answer.status == 404)
        }
    }
}
