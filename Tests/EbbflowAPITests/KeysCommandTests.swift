// `ebbflow keys`: a key printed once and never again, hashes only in the table, names and rates checked, revocation.
import EbbflowTestSupport
import Foundation
import Testing

@Suite struct KeysCommandTests {
    @Test func aKeyIsPrintedOnceAndOnlyItsHashIsStored() async throws {
        let schema = TestDatabase.uniqueSchemaName("keys")
        try await TestDatabase.dropping(schema) {
            #expect(try await EbbflowBinary.run(["migrate", "--schema", schema]).exitCode == 0)
            let created = try await EbbflowBinary.run([
                "keys", "create", "site", "--scope", "ingest", "--schema", schema,
            ])
            #expect(created.exitCode == 0)
            let key = try #require(created.stdout.split(separator: "\n").last.map(String.init))
            #expect(key.range(of: #"^ebf_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$"#, options: .regularExpression) != nil)
            #expect(!created.stderr.contains(key))

            let listed = try await EbbflowBinary.run(["keys", "list", "--schema", schema])
            let json = try await EbbflowBinary.run(["keys", "list", "--json", "--schema", schema])
            let secret = String(key.dropFirst(17)) // after ebf_<public id>_ (the secret may hold an underscore)
            for output in [listed.output, json.output] {
                #expect(!output.contains(secret))
                #expect(output.contains("site"))
            }
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
            #expect(rows.count == 1)
            #expect(rows[0]["scope"] as? String == "ingest")
            #expect(rows[0]["rate_limit"] as? Int == 1_000)

            // What the table holds is SHA-256 of the secret, not the secret.
            let connection = try await TestDatabase.connect()
            let stored = try await connection.query(
                "SELECT encode(secret_sha256, 'hex') AS digest, public_id FROM \(schema).api_keys"
            ).rows.first
            let digest: String = try #require(try stored?.decode("digest"))
            #expect(digest.count == 64)
            #expect(!digest.contains(secret))
            await connection.close()
        }
    }

    @Test func namesScopesAndRatesAreChecked() async throws {
        let schema = TestDatabase.uniqueSchemaName("keys")
        try await TestDatabase.dropping(schema) {
            #expect(try await EbbflowBinary.run(["migrate", "--schema", schema]).exitCode == 0)
            let cases: [([String], String)] = [
                (["keys", "create", "bad name", "--scope", "read"], "must be 1 to 64 letters"),
                (["keys", "create", "--scope", "read", "--", "-x"], "must be 1 to 64 letters"),
                (["keys", "create", "ok", "--scope", "owner"], "owner"),
                (["keys", "create", "ok", "--scope", "read", "--rate-limit", "0"], "rate limit must be 1 to 1000000"),
                (
                    ["keys", "create", "ok", "--scope", "read", "--rate-limit", "99999999999"],
                    "rate limit must be 1 to 1000000"
                ),
                (["keys", "revoke", "nobody"], "no active key is named \"nobody\""),
            ]
            for (arguments, message) in cases {
                let result = try await EbbflowBinary.run(arguments + ["--schema", schema])
                #expect(result.exitCode != 0, "\(arguments)")
                #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            }
            #expect(
                try await EbbflowBinary.run(["keys", "create", "one", "--scope", "read", "--schema", schema]).exitCode
                    == 0)
            let again = try await EbbflowBinary.run(["keys", "create", "one", "--scope", "admin", "--schema", schema])
            #expect(again.exitCode == 1)
            #expect(again.stderr.contains("an active key is named \"one\" already"))
            // Revoked, the name is free again; the old key stays listed with --all.
            #expect(try await EbbflowBinary.run(["keys", "revoke", "one", "--schema", schema]).exitCode == 0)
            #expect(
                try await EbbflowBinary.run(["keys", "create", "one", "--scope", "admin", "--schema", schema]).exitCode
                    == 0)
            let all = try await EbbflowBinary.run(["keys", "list", "--all", "--schema", schema])
            #expect(all.stdout.components(separatedBy: "REVOKED").count == 2)
            #expect(
                try await EbbflowBinary.run(["keys", "list", "--schema", schema]).stdout.split(separator: "\n").count
                    == 1)
        }
    }
}
