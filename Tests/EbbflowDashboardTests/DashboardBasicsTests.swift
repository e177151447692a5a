import EbbflowAPI
// The dashboard's pure parts: templates render and escape, forms parse strictly, tokens and redirects are safe.
import Foundation
import Testing

@testable import EbbflowDashboard

@Suite struct DashboardBasicsTests {
    @Test func everyEmbeddedTemplateParsesAndTheLayoutEscapes() throws {
        let renderer = Renderer.embedded
        let html = try renderer.render(
            "layout",
            [
                "title": "<script>alert(1)</script>", "body": "<p>ours</p>", "nav": [[String: any Sendable]](),
                "css": "/x.css", "js": "/x.js", "keyName": "a\"b", "csrf": "t",
            ])
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!html.contains("<script>alert(1)"))
        #expect(html.contains("<p>ours</p>"))
        #expect(html.contains("a&quot;b"))
        #expect(!html.contains("style="), "no inline style: the Content-Security-Policy forbids it")
    }

    @Test func assetsAreNamedByTheirContent() {
        let assets = Renderer.embedded.assets
        #expect(assets.stylesheet.path.hasPrefix("/dashboard/assets/dashboard."))
        #expect(assets.stylesheet.path.hasSuffix(".css"))
        #expect(!assets.stylesheet.body.isEmpty && !assets.script.body.isEmpty)
        #expect(assets.asset(at: assets.script.path)?.contentType.hasPrefix("text/javascript") == true)
        #expect(assets.asset(at: "/dashboard/assets/../../etc/passwd") == nil)
    }

    @Test func formsDecodeAndRefuseWhatIsNotAForm() throws {
        let form = try FormFields.parse("_csrf=abc&name=J%C3%BCrgen+M&empty=&flag")
        #expect(form["_csrf"] == "abc")
        #expect(form["name"] == "Jürgen M")
        #expect(form["empty"] == "")
        #expect(form["flag"] == "")
        #expect(throws: (any Error).self) { try FormFields.parse("a=%ZZ") }
        #expect(throws: (any Error).self) { try FormFields.parse("a=%C3") }
        let many = (0...FormFields.maxFields).map { "f\($0)=1" }.joined(separator: "&")
        #expect(throws: (any Error).self) { try FormFields.parse(many) }
    }

    @Test func signInSendsBrowsersOnlyToDashboardPaths() {
        #expect(SafeNext.resolve("/dashboard/jobs?state=discarded") == "/dashboard/jobs?state=discarded")
        for hostile in [
            "https://evil.example/", "//evil.example/dashboard/", "/dashboard/../v1/keys", "/dashboardx",
            "/dashboard/\\evil", "/dashboard/a b", nil,
        ] {
            #expect(SafeNext.resolve(hostile) == "/dashboard/overview", "\(hostile ?? "nil")")
        }
    }

    @Test func sessionTokensRoundTripAndRefuseLookalikes() {
        let token = SessionToken.random()
        #expect(token.text.utf8.count == SessionToken.textLength)
        #expect(SessionToken(text: token.text) == token)
        #expect(SessionToken(text: token.text + "A") == nil)
        #expect(SessionToken(text: String(token.text.dropLast()) + "=") == nil)
        #expect(SessionToken.random() != token)
        #expect(constantTimeEqual([1, 2, 3], [1, 2, 3]))
        #expect(!constantTimeEqual([1, 2, 3], [1, 2, 4]))
        #expect(!constantTimeEqual([1, 2], [1, 2, 3]))
    }

    @Test func numbersAndTimesReadTheSameEverywhere() {
        #expect(ViewFormat.count(0) == "0")
        #expect(ViewFormat.count(1_234_567) == "1,234,567")
        #expect(ViewFormat.count(-1_000) == "-1,000")
        #expect(ViewFormat.percent(0.125) == "12.5 %")
        #expect(ViewFormat.percent(.nan) == "–")
        #expect(ViewFormat.time(Date(timeIntervalSince1970: 1_796_652_300)) == "2026-12-07 14:05 UTC")
        #expect(ViewFormat.age(seconds: 42) == "42 s")
        #expect(ViewFormat.age(seconds: 3 * 86_400) == "3 d")
    }

    @Test func aStaleValueIsStillShownWhileOneRefreshRuns() {
        let fresh = TimedCache<Int>(ttl: .seconds(3_600))
        #expect(fresh.peek() == nil, "nothing before the first count")
        fresh.store(7)
        #expect(fresh.peek()?.value == 7 && fresh.peek()?.fresh == true)
        let stale = TimedCache<Int>(ttl: .zero)
        stale.store(1)
        #expect(stale.peek()?.value == 1 && stale.peek()?.fresh == false, "stale, still shown")
        #expect(stale.beginRefresh())
        #expect(!stale.beginRefresh(), "one refresh at a time")
        stale.store(2)
        stale.endRefresh()
        #expect(stale.peek()?.value == 2)
        #expect(stale.beginRefresh(), "the next refresh may start")
    }
}
