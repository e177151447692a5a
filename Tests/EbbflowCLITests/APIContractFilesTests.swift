// openapi.yaml says what issue 16 promises about `ebbflow serve` (docker-compose.yml and the Dockerfile: ComposeFileTests).
import Foundation
import Testing
import Yams

@Suite struct APIContractFilesTests {
    /// The repository root, from this file's place in it.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func yaml(_ name: String) throws -> [String: Any] {
        let text = try String(contentsOf: root.appendingPathComponent(name), encoding: .utf8)
        return try #require(try Yams.load(yaml: text) as? [String: Any], "\(name) is a mapping")
    }

    /// Every route of the issue, with the scope it needs: what the server, the tests and the
    /// README are built to. A route renamed or dropped here breaks clients, so it fails first.
    static let routes: [(method: String, path: String, scope: String)] = [
        ("get", "/healthz", "none"), ("get", "/readyz", "none"), ("get", "/metrics", "none"),
        ("get", "/openapi.yaml", "none"),
        ("post", "/v1/track", "ingest"), ("post", "/v1/identify", "ingest"), ("post", "/v1/page", "ingest"),
        ("post", "/v1/batch", "ingest"), ("post", "/v1/events", "ingest"),
        ("get", "/v1/contacts/{external_id}", "read"), ("get", "/v1/contacts", "read"),
        ("get", "/v1/audience", "read"), ("get", "/v1/audience/history", "read"), ("get", "/v1/jobs", "read"),
        ("get", "/v1/jobs/{id}", "read"), ("get", "/v1/schedules", "read"), ("get", "/v1/streams", "read"),
        ("get", "/v1/streams/{name}", "read"), ("get", "/v1/experiments", "read"),
        ("get", "/v1/experiments/{name}", "read"), ("get", "/v1/sends", "read"),
        ("post", "/v1/sends/lease", "admin"), ("post", "/v1/sends/{id}/ack", "admin"),
        ("post", "/v1/sends/{id}/fail", "admin"), ("get", "/v1/templates", "read"),
        ("get", "/v1/templates/{name}", "read"), ("get", "/v1/templates/{name}/preview", "read"),
        ("post", "/v1/templates", "admin"), ("get", "/v1/queues", "read"),
        ("put", "/v1/queues/{queue}/limit", "admin"), ("delete", "/v1/queues/{queue}/limit", "admin"),
        ("post", "/v1/jobs/{id}/retry", "admin"), ("post", "/v1/jobs/{id}/cancel", "admin"),
        ("post", "/v1/schedules/{name}/run", "admin"), ("post", "/v1/schedules/{name}/enable", "admin"),
        ("post", "/v1/schedules/{name}/disable", "admin"), ("put", "/v1/policy", "admin"),
        ("put", "/v1/streams", "admin"), ("post", "/v1/experiments/{name}/promote", "admin"),
        ("post", "/v1/contacts/{external_id}/suppress", "admin"),
        ("post", "/v1/contacts/{external_id}/unsuppress", "admin"),
        ("post", "/webhooks/sendgrid", "none"), ("post", "/webhooks/mailgun", "none"),
        ("post", "/webhooks/postmark", "none"),
        // Provider webhooks: no key; each verifies the provider's own signature.
        ("post", "/webhooks/ses", "none"),
        ("get", "/u/{token}", "none"), ("post", "/u/{token}", "none"), ("get", "/t/o/{token}", "none"),
        ("get", "/t/c/{token}", "none"),
        ("post", "/v1/contacts/{external_id}/export", "admin"), ("post", "/v1/contacts/{external_id}/forget", "admin"),
    ]

    /// The names of a security requirement list (`[{bearerAuth: []}, {basicAuth: []}]`).
    static func schemes(_ value: Any?) -> Set<String> {
        Set(((value as? [[String: Any]]) ?? []).flatMap(\.keys))
    }

    /// The keys of a mapping, or none.
    static func keys(_ value: Any?) -> Set<String> { Set(((value as? [String: Any]) ?? [:]).keys) }

    @Test func openAPIDescribesEveryRouteWithItsAuthAndAnswers() throws {
        let document = try Self.yaml("openapi.yaml")
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: Any])
        let described = paths.flatMap { path, item in
            ((item as? [String: Any]) ?? [:]).keys.filter { ["get", "post", "put", "delete", "patch"].contains($0) }
                .map { "\($0) \(path)" }
        }
        #expect(Set(described) == Set(Self.routes.map { "\($0.method) \($0.path)" }), "no route more or less")
        for route in Self.routes {
            let operation = try #require(
                (paths[route.path] as? [String: Any])?[route.method] as? [String: Any], "\(route)")
            let security = Self.schemes(operation["security"] ?? document["security"])
            let codes = Self.keys(operation["responses"])
            switch route.scope {
            case "none":
                #expect(security.isEmpty, "\(route.path) needs no key")
            case "ingest":
                #expect(security == ["bearerAuth", "basicAuth"], "\(route.path): bearer or Segment's Basic")
                #expect(codes.isSuperset(of: ["200", "400", "401", "403", "413", "415", "429"]), "\(route.path)")
            default:
                #expect(security == ["bearerAuth"], "\(route.path): bearer only")
                #expect(codes.isSuperset(of: ["200", "401", "403", "429"]), "\(route.path)")
                if route.path.contains("{") { #expect(codes.contains("404"), "\(route.path)") }
            }
        }
        let components = try #require(document["components"] as? [String: Any])
        let schemes = try #require(components["securitySchemes"] as? [String: [String: Any]])
        #expect(schemes["bearerAuth"]?["scheme"] as? String == "bearer")
        #expect(schemes["basicAuth"]?["scheme"] as? String == "basic")
        let responses = try #require(components["responses"] as? [String: [String: Any]])
        let tooMany = try #require(responses["TooManyRequests"]?["headers"] as? [String: Any])
        #expect(tooMany["Retry-After"] != nil, "429 carries Retry-After")
        let schemas = try #require(components["schemas"] as? [String: [String: Any]])
        #expect(schemas["Error"]?["required"] as? [String] == ["error"])
        #expect(Self.keys(schemas["Error"]?["properties"]) == ["error", "field"])
        #expect(schemas["IngestReport"]?["required"] as? [String] == ["accepted", "rejected"])
        #expect(Self.keys(schemas["RejectedMessage"]?["properties"]) == ["index", "messageId", "reason"])
        #expect(schemas["MessageCommon"]?["required"] as? [String] == ["userId"], "ebbflow requires userId")
        #expect(schemas["ContactPage"]?["required"] as? [String] == ["contacts", "next_cursor"])
        #expect(schemas["JobPage"]?["required"] as? [String] == ["jobs", "next_cursor"])
        #expect(schemas["SendPage"]?["required"] as? [String] == ["sends", "next_after"])
        #expect(schemas["SendLease"]?["required"] as? [String] == ["sends", "cancelled", "snoozed", "dead"])
    }
}
