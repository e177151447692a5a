// The dashboard's Workers and outbox page over HTTP: a live worker with its queues, a queue's rate limit, the outbox's dead sends escaped.
import EbbflowTestSupport
import Foundation
import Testing

@Suite struct DashboardWorkersHTTPTests {
    @Test func aWorkerItsQueueLimitAndADeadSendAppear() async throws {
        try await ServeProcess.with { server in
            let reader = try await server.createKey("reader", scope: "read")
            let limited = try await server.ebbflow(["queues", "limit", "dash_mail", "--rate", "5/s"])
            #expect(limited.exitCode == 0, "\(limited.output)")
            let connection = try await TestDatabase.connect()
            try await OutboxSeed.pendingSends(3, schema: server.schema, on: connection)
            try await connection.simpleQuery(
                """
                UPDATE \(server.schema).sends SET state = 'dead', attempts = 5,
                    last_error = '550 <b>no such user</b>', finished_at = now()
                WHERE id = (SELECT min(id) FROM \(server.schema).sends)
                """)
            await connection.close()

            let browser = DashboardClient(server: server)
            try await browser.signIn(reader)
            let before = try await browser.get("/dashboard/workers")
            #expect(before.status == 200)
            #expect(before.text.contains("<h1>Workers and outbox</h1>"))
            #expect(before.text.contains("No worker is running"))
            #expect(before.text.contains("5/s, burst"), "the queue's limit")
            #expect(before.text.contains("550 &lt;b&gt;no such user&lt;/b&gt;"), "errors are escaped")
            #expect(!before.text.contains("<b>no such user"))
            #expect(before.text.contains(#"<td class="num">2</td>"#), "two pending sends")
            #expect(before.text.contains(#"<td class="num late">1</td>"#), "one dead send, in red")

            let log = NSTemporaryDirectory() + "dash-worker-\(server.schema).log"
            let pid = try CleanSpawn.start(
                EbbflowBinary.path, ["worker", "--schema", server.schema, "--queues", "dash_mail,dash_other"],
                environment: ProcessInfo.processInfo.environment, outputPath: log)
            defer { kill(pid, SIGKILL) }
            var fragment = ""
            for _ in 0..<100 where !fragment.contains("dash_mail, dash_other") {
                try await Task.sleep(for: .milliseconds(100))
                fragment = try await browser.get("/dashboard/workers/fragments/workers").text
            }
            #expect(fragment.contains("dash_mail, dash_other"), "the worker registers with its queues: \(fragment)")
            #expect(fragment.contains("ago"))
            #expect(!fragment.contains("(stale)"), "a worker that just beat is not stale")
            #expect(!fragment.contains("<html"))
            let outbox = try await browser.get("/dashboard/workers/fragments/outbox")
            #expect(outbox.status == 200)
            #expect(outbox.text.contains("Dead sends, newest first"))
            #expect(try await browser.get("/dashboard/workers?x=1").status == 400)
        }
    }
}
