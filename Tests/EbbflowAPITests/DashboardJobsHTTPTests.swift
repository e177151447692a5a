// The dashboard's Jobs pages over HTTP: tabs with counts, keyset paging, a job's page, retry by POST, bulk confirmation, refusals.
import EbbflowTestSupport
import Foundation
import Testing

@Suite struct DashboardJobsHTTPTests {
    /// Enqueues a job of a kind no handler knows and lets a worker discard it; returns its id.
    static func discardedJob(_ server: ServeProcess, args: String = "{}") async throws -> Int64 {
        let enqueued = try await server.ebbflow([
            "jobs", "enqueue", "dashboard_test_unknown_kind", "--queue", "default", "--args", args,
        ])
        #expect(enqueued.exitCode == 0, "\(enqueued.output)")
        let drained = try await server.ebbflow(["worker", "--drain", "--queues", "default"])
        #expect(drained.exitCode == 0, "\(drained.output)")
        let browser = DashboardClient(server: server)
        try await browser.signIn(try await server.createKey("finder-\(UUID().uuidString.prefix(6))", scope: "read"))
        let page = try await browser.get("/dashboard/jobs?state=discarded").text
        let range = try #require(page.range(of: #"href="/dashboard/jobs/\d+""#, options: .regularExpression))
        return Int64(page[range].dropFirst(#"href="/dashboard/jobs/"#.count).dropLast())!
    }

    /// The message a redirect leaves for the next page.
    static func flash(_ answer: APIResponse) -> String? {
        guard let cookie = answer.header("Set-Cookie"), cookie.hasPrefix("ebbflow_flash=") else { return nil }
        return String(cookie.split(separator: ";")[0].dropFirst("ebbflow_flash=".count)).removingPercentEncoding
    }

    @Test func tabsCountAndPagesFollowTheKeyset() async throws {
        try await ServeProcess.with { server in
            let reader = try await server.createKey("reader", scope: "read")
            let scheduled = try await server.ebbflow([
                "jobs", "enqueue", "dashboard_paging", "--queue", "mail", "--in", "2h", "--count", "130",
                "--args", #"{"to":"someone"}"#,
            ])
            #expect(scheduled.exitCode == 0, "\(scheduled.output)")
            let browser = DashboardClient(server: server)
            try await browser.signIn(reader)

            let first = try await browser.get("/dashboard/jobs?state=scheduled&queue=mail")
            #expect(first.status == 200)
            let page = first.text
            #expect(page.contains("<h1>Jobs</h1>"))
            #expect(page.contains(#"aria-current="page">Scheduled <span class="tab-count">130</span>"#), "\(page)")
            #expect(page.contains(#"data-refresh="/dashboard/jobs/fragments/counts?state=scheduled&amp;queue=mail""#))
            #expect(
                page.components(separatedBy: #"<tr><th scope="row" class="num"><a href="/dashboard/jobs/"#).count - 1
                    == 100)
            #expect(page.contains("runs in 119 min") || page.contains("runs in 2 h"), "times by the database clock")
            #expect(!page.contains("every matching job"), "a read key sees no action")
            let next = try #require(
                page.range(
                    of: #"href="/dashboard/jobs\?state=scheduled&amp;queue=mail&amp;cursor=[A-Za-z0-9_-]+""#,
                    options: .regularExpression))
            let nextPath = String(page[next].dropFirst(6).dropLast()).replacingOccurrences(of: "&amp;", with: "&")

            let second = try await browser.get(nextPath)
            #expect(second.status == 200)
            #expect(
                second.text.components(separatedBy: #"<tr><th scope="row" class="num"><a href="/dashboard/jobs/"#).count
                    - 1 == 30)
            #expect(second.text.contains("First page"))
            #expect(!second.text.contains(#"rel="next""#), "the last page links no further")

            let fragment = try await browser.get("/dashboard/jobs/fragments/counts?state=scheduled&queue=mail")
            #expect(fragment.status == 200)
            #expect(fragment.text.contains(#"<span class="tab-count">130</span>"#))
            #expect(!fragment.text.contains("<html"), "a fragment is only its part")

            let wrongTab = try await browser.get(
                "/dashboard/jobs?state=available&\(nextPath.split(separator: "&").last!)")
            #expect(wrongTab.status == 400)
            #expect(wrongTab.text.contains("cursor"))
            #expect(try await browser.get("/dashboard/jobs?state=exploded").status == 400)
            #expect(try await browser.get("/dashboard/jobs?stat=discarded").status == 400, "unknown keys are refused")
            #expect(try await browser.get("/dashboard/jobs/0").status == 400)
            #expect(try await browser.get("/dashboard/jobs/999999").status == 404)
            #expect(try await browser.get("/dashboard/workers").status == 200)
        }
    }

    @Test func anAdminRetriesADiscardedJobWithTheToken() async throws {
        try await ServeProcess.with { server in
            let admin = try await server.createKey("boss", scope: "admin")
            let reader = try await server.createKey("reader", scope: "read")
            let id = try await Self.discardedJob(server, args: #"{"note":"<script>alert(1)</script>"}"#)
            let browser = DashboardClient(server: server)
            try await browser.signIn(admin)

            let show = try await browser.get("/dashboard/jobs/\(id)")
            #expect(show.status == 200)
            #expect(show.text.contains("<h1>Job \(id)</h1>"))
            #expect(show.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "args are escaped")
            #expect(!show.text.contains("<script>alert"))
            #expect(show.text.contains("finished: discarded"))
            #expect(show.text.contains("unknown_kind"), "the attempt's error is on the timeline")
            #expect(show.text.contains(#"<button type="submit">Retry</button>"#))
            #expect(!show.text.contains(">Cancel</button>"), "a discarded job cannot be cancelled")

            let noToken = try await browser.post("/dashboard/jobs/actions", [("action", "retry"), ("id", "\(id)")])
            #expect(noToken.status == 403)

            let readerBrowser = DashboardClient(server: server)
            try await readerBrowser.signIn(reader)
            let readerToken = try await readerBrowser.csrfToken()
            let readerShow = try await readerBrowser.get("/dashboard/jobs/\(id)")
            #expect(!readerShow.text.contains(">Retry</button>"), "a read key sees no button")
            #expect(!readerShow.text.contains("Delete…"))
            let refused = try await readerBrowser.post(
                "/dashboard/jobs/actions", [("_csrf", readerToken), ("action", "retry"), ("id", "\(id)")])
            #expect(refused.status == 403)
            #expect(try await readerBrowser.get("/dashboard/jobs/confirm?action=delete&id=\(id)").status == 403)

            let token = try await browser.csrfToken(on: "/dashboard/jobs/\(id)")
            let retried = try await browser.post(
                "/dashboard/jobs/actions", [("_csrf", token), ("action", "retry"), ("id", "\(id)")])
            #expect(retried.status == 303)
            #expect(retried.header("Location") == "/dashboard/jobs/\(id)")
            #expect(Self.flash(retried) == "retried job \(id)")
            let after = try await browser.get("/dashboard/jobs/\(id)")
            #expect(after.text.contains("<dt>State</dt><dd>available</dd>"), "back in the queue (no worker runs here)")

            let again = try await browser.post(
                "/dashboard/jobs/actions", [("_csrf", token), ("action", "cancel"), ("id", "x")])
            #expect(again.status == 400)
            let unknown = try await browser.post(
                "/dashboard/jobs/actions", [("_csrf", token), ("action", "retry"), ("id", "\(id)"), ("force", "1")])
            #expect(unknown.status == 400, "unknown fields are refused")
        }
    }

    @Test func bulkConfirmationSaysHowManyAndDeleteNeedsTheCount() async throws {
        try await ServeProcess.with { server in
            let admin = try await server.createKey("boss", scope: "admin")
            let enqueued = try await server.ebbflow([
                "jobs", "enqueue", "dashboard_bulk", "--queue", "bulk", "--in", "3h", "--count", "25",
            ])
            #expect(enqueued.exitCode == 0, "\(enqueued.output)")
            let browser = DashboardClient(server: server)
            try await browser.signIn(admin)

            let list = try await browser.get("/dashboard/jobs?state=scheduled&queue=bulk")
            #expect(list.text.contains("Retry every matching job…"))
            #expect(list.text.contains("Cancel every matching job…"))
            #expect(list.text.contains("Delete every matching job…"))
            let completed = try await browser.get("/dashboard/jobs?state=completed")
            #expect(!completed.text.contains("Retry every matching job"), "only actions valid for the tab")

            let confirm = try await browser.get("/dashboard/jobs/confirm?action=delete&state=scheduled&queue=bulk")
            #expect(confirm.status == 200)
            #expect(confirm.text.contains("Delete <strong>25</strong> scheduled jobs in queue bulk (ids up to "))
            #expect(confirm.text.contains("jobs that change state meanwhile are skipped"))
            let maxRange = try #require(
                confirm.text.range(of: #"name="max_id" value="\d+""#, options: .regularExpression))
            let maxID = String(confirm.text[maxRange].split(separator: "\"")[3])
            let token = try await browser.csrfToken(on: "/dashboard/jobs?state=scheduled&queue=bulk")
            let fields = [
                ("_csrf", token), ("action", "delete"), ("state", "scheduled"), ("queue", "bulk"), ("kind", ""),
                ("max_id", maxID), ("count", "25"),
            ]
            let untyped = try await browser.post("/dashboard/jobs/actions", fields + [("typed", "24")])
            #expect(untyped.status == 400)
            #expect(untyped.text.contains("type the number"))
            #expect(
                try await browser.get("/dashboard/jobs?state=scheduled&queue=bulk").text.contains(
                    #"Scheduled <span class="tab-count">25</span>"#), "nothing was deleted")

            let refusedTab = try await browser.get("/dashboard/jobs/confirm?action=cancel&state=completed")
            #expect(refusedTab.status == 400)

            let deleted = try await browser.post("/dashboard/jobs/actions", fields + [("typed", "25")])
            #expect(deleted.status == 303)
            #expect(deleted.header("Location") == "/dashboard/jobs?state=scheduled&queue=bulk")
            #expect(Self.flash(deleted) == "deleted 25; skipped 0; none remain")
            #expect(
                try await browser.get("/dashboard/jobs?state=scheduled&queue=bulk").text.contains(
                    #"Scheduled <span class="tab-count">0</span>"#))
        }
    }

    @Test func aRareKindIsFoundByContinuingABoundedScan() async throws {
        try await ServeProcess.with { server in
            let reader = try await server.createKey("reader", scope: "read")
            for (kind, count, delay) in [("dash_many", "50050", "1h"), ("dash_needle", "1", "2h")] {
                let enqueued = try await server.ebbflow([
                    "jobs", "enqueue", kind, "--queue", "scan", "--in", delay, "--count", count,
                ])
                #expect(enqueued.exitCode == 0, "\(enqueued.output)")
            }
            let browser = DashboardClient(server: server)
            try await browser.signIn(reader)
            let first = try await browser.get("/dashboard/jobs?state=scheduled&kind=dash_needle")
            #expect(first.status == 200)
            #expect(
                first.text.contains("Searched 50,000 jobs past this point and found none matching"), "\(first.text)")
            #expect(!first.text.contains("<td>dash_needle</td>"))
            let link = try #require(
                first.text.range(
                    of: #"href="[^"]+" rel="next">Continue searching"#, options: .regularExpression))
            let next = String(first.text[link].split(separator: "\"")[1]).replacingOccurrences(of: "&amp;", with: "&")
            let second = try await browser.get(next)
            #expect(second.status == 200)
            #expect(second.text.contains("<td>dash_needle</td>"), "the scan continues where it stopped")
            #expect(!second.text.contains("Searched 50,000"))
        }
    }
}
