// The template routes over real HTTP: apply on the admin scope, list/show/preview on read, the CLI's documents and refusals.
import EbbflowTestSupport
import Foundation
import Testing

@Suite struct TemplatesHTTPTests {
    @Test func templatesApplyListShowAndPreview() async throws {
        try await ServeProcess.with { server in
            let client = APIClient(server: server)
            let read = try await server.createKey("reader", scope: "read")
            let admin = try await server.createKey("ops", scope: "admin")
            let document = Data(
                "name: hello\nsubject: \"Hi {{attributes.first_name}}\"\ntext: \"Hello {{email}}\"\n".utf8)
            let refusedForRead = try await client.send(
                "POST", "/v1/templates", key: read, body: document, contentType: "application/yaml")
            #expect(refusedForRead.status == 403)
            let applied = try await client.send(
                "POST", "/v1/templates", key: admin, body: document, contentType: "application/yaml")
            #expect(applied.status == 200, "\(String(decoding: applied.body, as: UTF8.self))")
            let outcomes = applied.json["templates"] as? [[String: Any]]
            #expect(outcomes?.first?["outcome"] as? String == "created" && outcomes?.first?["version"] as? Int == 1)

            let bad = try await client.send(
                "POST", "/v1/templates", key: admin, body: Data("name: b\nsubject: s\ntext: \"{{/x}}\"\n".utf8),
                contentType: "application/yaml")
            #expect(bad.status == 400 && bad.json["field"] as? String == "text")
            #expect((bad.json["error"] as? String)?.hasPrefix("template b: text: line 1:") == true)

            let list = try await client.send("GET", "/v1/templates", key: read)
            let cli = try await server.ebbflow(["templates", "list", "--json"])
            #expect(
                try JSONSerialization.jsonObject(with: list.body) as? NSArray
                    == JSONSerialization.jsonObject(with: Data(cli.stdout.utf8)) as? NSArray)
            let shown = try await client.send("GET", "/v1/templates/hello?version=1", key: read)
            #expect(shown.status == 200 && shown.json["current_version"] as? Int == 1)
            #expect(try await client.send("GET", "/v1/templates/hello?version=2", key: read).status == 404)
            #expect(try await client.send("GET", "/v1/templates/hello?version=x", key: read).status == 400)
            #expect(try await client.send("GET", "/v1/templates/nope", key: read).status == 404)

            let contacts = NSTemporaryDirectory() + "tpl-\(UUID().uuidString).csv"
            try Data("external_id,email,first_name\nann,ann@example.com,Ann\nbob,,Bob\n".utf8).write(
                to: URL(fileURLWithPath: contacts))
            defer { try? FileManager.default.removeItem(atPath: contacts) }
            #expect(try await server.ebbflow(["contacts", "import", contacts]).exitCode == 0)
            let preview = try await client.send("GET", "/v1/templates/hello/preview?contact=ann", key: read)
            #expect(preview.status == 200)
            #expect(
                preview.json["subject"] as? String == "Hi Ann"
                    && preview.json["text"] as? String == "Hello ann@example.com")
            #expect(try await client.send("GET", "/v1/templates/hello/preview", key: read).status == 400)
            #expect(try await client.send("GET", "/v1/templates/hello/preview?contact=zed", key: read).status == 404)
            #expect(try await client.send("GET", "/v1/templates/hello/preview?contact=bob", key: read).status == 409)
            #expect(
                try await client.send("GET", "/v1/templates/hello/preview?contact=ann&format=rich", key: read).status
                    == 400)
        }
    }
}
