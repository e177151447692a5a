// `ebbflow sends list|lease|ack|fail` as a team's own sender runs them: the real binary against a simulation database.
import EbbflowCore
import EbbflowEngine
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct SendsCLITests {
    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    static func sends(_ document: [String: Any]) -> [[String: Any]] { document["sends"] as? [[String: Any]] ?? [] }

    /// A simulation schema migrated by the binary, its clock at 2027-01-01 12:00, with `sends`
    /// pending sends (`OutboxSeed`); its name, the arguments that name it, and a connection.
    static func seeded(_ prefix: String, sends: Int, dueSecondsAgo: Int = 60) async throws -> (
        schema: String, base: [String], connection: PGConnection
    ) {
        let cli = try CLISchema(prefix)
        #expect(try await cli.run(["migrate", "--simulation"]).exitCode == 0)
        #expect(try await cli.run(["clock", "set", "2027-01-01T12:00:00Z"]).exitCode == 0)
        let connection = try await TestDatabase.connect()
        try await OutboxSeed.pendingSends(sends, schema: cli.schema, dueSecondsAgo: dueSecondsAgo, on: connection)
        return (cli.schema, cli.base, connection)
    }

    /// The outbox as an external sender consumes it: `list` only reads; `lease` needs `--json`
    /// and skips what another consumer holds; a consumer that leased and died loses nothing,
    /// since its lease lapses (the simulation clock moves past it) and the next lease takes the
    /// sends again; `ack` and `fail` finish by id with exit codes a script can branch on.
    @Test func anExternalSenderLeasesAcksAndFails() async throws {
        let (schema, base, connection) = try await Self.seeded("snd", sends: 5)
        func leased() async throws -> Int {
            try await MigratedSchema.count(connection, "SELECT 1 FROM \(schema).sends WHERE state = 'leased'")
        }

        // A lease for a person's eyes is refused: it would take the sends from the delivery.
        let table = try await EbbflowBinary.run(["sends", "lease", "--limit", "2"] + base)
        #expect(table.exitCode != 0 && table.stderr.contains("give --json"), "\(table.stderr)")
        let removed = try await EbbflowBinary.run(["sends", "next", "--limit", "2", "--json"] + base)
        #expect(removed.exitCode != 0 && removed.stderr.contains("sends lease --limit N --json"), "\(removed.stderr)")
        #expect(try await leased() == 0)

        // list only reads, in keyset pages.
        let page = try Self.json(
            try await EbbflowBinary.run(["sends", "list", "--state", "pending", "--limit", "2", "--json"] + base).stdout
        )
        #expect(Self.sends(page).compactMap { $0["external_id"] as? String } == ["c-1", "c-2"])
        let after = try #require(page["next_after"] as? Int)
        let rest = try Self.json(
            try await EbbflowBinary.run(["sends", "list", "--after", "\(after)", "--json"] + base).stdout)
        #expect(Self.sends(rest).compactMap { $0["external_id"] as? String } == ["c-3", "c-4", "c-5"])
        #expect(rest["next_after"] is NSNull)
        #expect(try await leased() == 0, "listing claimed nothing")

        // Another consumer holds the two oldest in an open transaction: SKIP LOCKED passes them by.
        let other = try await TestDatabase.connect()
        try await other.simpleQuery("BEGIN")
        let outbox = SendOutbox(schema: try SchemaName(schema))
        let held = try await other.run { try outbox.lease(limit: 2, leaseSeconds: 60, on: $0) }
        #expect(held.sends.map(\.externalID) == ["c-1", "c-2"])
        let first = try await EbbflowBinary.run(["sends", "lease", "--limit", "2", "--lease", "90s", "--json"] + base)
        #expect(first.exitCode == 0, "\(first.output)")
        let batch = Self.sends(try Self.json(first.stdout))
        #expect(batch.compactMap { $0["external_id"] as? String } == ["c-3", "c-4"])
        #expect(batch.first?["lease_expires_at"] as? String == "2027-01-01T12:01:30Z")
        #expect(batch.first?["attempt"] as? Int == 1 && (batch.first?["lease_token"] as? String)?.count == 36)
        try await other.simpleQuery("COMMIT")
        await other.run { $0.close() }

        // That consumer died after its lease (its process is gone, no ack): nothing is lost.
        #expect(
            Self.sends(
                try Self.json(try await EbbflowBinary.run(["sends", "lease", "--limit", "10", "--json"] + base).stdout)
            ).map { $0["external_id"] as? String } == ["c-5"])
        #expect(try await EbbflowBinary.run(["clock", "advance", "91s"] + base).exitCode == 0)
        let again = Self.sends(
            try Self.json(try await EbbflowBinary.run(["sends", "lease", "--limit", "10", "--json"] + base).stdout))
        #expect(again.compactMap { $0["external_id"] as? String } == ["c-1", "c-2", "c-3", "c-4", "c-5"])
        #expect(again.allSatisfy { $0["attempt"] as? Int == 2 }, "each lapsed lease counted as an attempt")
        let ids = again.compactMap { $0["id"] as? Int }

        // ack and fail by id.
        let ack = try await EbbflowBinary.run(["sends", "ack", "\(ids[0])", "--message-id", "<1@mail.example>"] + base)
        #expect(ack.exitCode == 0 && ack.stdout.contains("send \(ids[0]) sent"), "\(ack.output)")
        let repeated = try await EbbflowBinary.run(
            ["sends", "ack", "\(ids[0])", "--message-id", "<1@mail.example>"] + base)
        #expect(repeated.exitCode == 0, "the same ack again is idempotent: \(repeated.output)")
        let conflicting = try await EbbflowBinary.run(
            ["sends", "ack", "\(ids[0])", "--message-id", "<2@mail.example>"] + base)
        #expect(
            conflicting.exitCode == 4 && conflicting.stderr.contains("already finished (sent)"), "\(conflicting.output)"
        )
        let unknown = try await EbbflowBinary.run(["sends", "ack", "999999", "--message-id", "<x@y>"] + base)
        #expect(unknown.exitCode == 3 && unknown.stderr.contains("no send 999999"), "\(unknown.output)")
        let retry = try await EbbflowBinary.run(
            ["sends", "fail", "\(ids[1])", "--error", "421 4.7.0 try later"] + base)
        #expect(retry.exitCode == 0 && retry.stdout.contains("retried from"), "\(retry.output)")
        let dead = try await EbbflowBinary.run(
            ["sends", "fail", "\(ids[2])", "--error", "550 5.1.1 unknown", "--permanent"] + base)
        #expect(dead.exitCode == 0 && dead.stdout.contains("dead"), "\(dead.output)")
        let late = try await EbbflowBinary.run(["sends", "fail", "\(ids[2])", "--error", "again"] + base)
        #expect(late.exitCode == 4 && late.stderr.contains("already finished (dead)"), "\(late.output)")
        let failed = Self.sends(
            try Self.json(try await EbbflowBinary.run(["sends", "list", "--state", "failed", "--json"] + base).stdout))
        #expect(failed.count == 1 && failed.first?["last_error"] as? String == "421 4.7.0 try later")

        // With the lease's token, a finish applies only while that lease holds the send.
        let token = try #require(again[3]["lease_token"] as? String)
        let wrong = try await EbbflowBinary.run(
            ["sends", "ack", "\(ids[3])", "--message-id", "<4@m>", "--lease-token", UUID().uuidString] + base)
        #expect(wrong.exitCode == 4 && wrong.stderr.contains("no longer held by that lease"), "\(wrong.output)")
        let right = try await EbbflowBinary.run(
            ["sends", "ack", "\(ids[3])", "--message-id", "<4@m>", "--lease-token", token] + base)
        #expect(right.exitCode == 0, "\(right.output)")

        // Bad input: named, nothing changed.
        for (arguments, message) in [
            (["sends", "lease", "--limit", "0", "--json"], "--limit 0: must be between 1 and 10000"),
            (["sends", "lease", "--limit", "5", "--lease", "2d", "--json"], "--lease"),
            (["sends", "list", "--state", "handed_over"], "--state must be one of"),
            (["sends", "ack", "\(ids[4])", "--message-id", "has space"], "--message-id must be"),
            (["sends", "fail", "\(ids[4])", "--error", ""], "--error must be"),
            (["sends", "fail", "\(ids[4])", "--error", "x", "--lease-token", "nope"], "is not a lease token"),
        ] {
            let refused = try await EbbflowBinary.run(arguments + base)
            #expect(refused.exitCode != 0 && refused.stderr.contains(message), "\(arguments): \(refused.stderr)")
        }
        #expect(try await leased() == 1, "c-5 is still leased")
        await connection.run { $0.close() }
        try await TestDatabase.dropSchema(schema)
    }

    /// A sender that leases, then is killed (SIGKILL) before it acks: its sends come back when
    /// the lease lapses, with the lost attempt counted, and the next sender gets every one.
    @Test func aSenderKilledBetweenLeaseAndAckLosesNothing() async throws {
        let (schema, base, connection) = try await Self.seeded("kil", sends: 4, dueSecondsAgo: 0)
        let leasedFile = NSTemporaryDirectory() + "ebbflow-\(schema)-leased.json"
        defer { try? FileManager.default.removeItem(atPath: leasedFile) }
        // The sender: lease, then "deliver" (sleep) before it would ack each send.
        let quoted = ([EbbflowBinary.path, "sends", "lease", "--limit", "3", "--lease", "5m", "--json"] + base).map {
            "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }.joined(separator: " ")
        let sender = Process()
        sender.executableURL = URL(fileURLWithPath: "/bin/sh")
        sender.arguments = [
            "-c", "\(quoted) > '\(leasedFile).part' && mv '\(leasedFile).part' '\(leasedFile)' && exec sleep 600",
        ]
        try sender.run()
        var leased: [Int] = []
        for _ in 0..<600 where leased.isEmpty {
            try await Task.sleep(for: .milliseconds(100))
            if let data = FileManager.default.contents(atPath: leasedFile), !data.isEmpty {
                leased = Self.sends(try Self.json(String(decoding: data, as: UTF8.self))).compactMap {
                    $0["id"] as? Int
                }
            }
        }
        #expect(leased.count == 3, "the sender leased three sends")
        kill(sender.processIdentifier, SIGKILL)
        await OffPool.waitForExit(sender)
        // Before the lease lapses only the fourth send is due; after it, all four.
        let before = Self.sends(
            try Self.json(try await EbbflowBinary.run(["sends", "lease", "--limit", "10", "--json"] + base).stdout))
        #expect(before.count == 1 && !leased.contains(before.first?["id"] as? Int ?? 0))
        #expect(try await EbbflowBinary.run(["clock", "advance", "5m"] + base).exitCode == 0)
        let after = Self.sends(
            try Self.json(try await EbbflowBinary.run(["sends", "lease", "--limit", "10", "--json"] + base).stdout))
        #expect(
            Set(leased).isSubset(of: Set(after.compactMap { $0["id"] as? Int })), "every killed sender's send is back")
        #expect(after.filter { leased.contains($0["id"] as? Int ?? 0) }.allSatisfy { $0["attempt"] as? Int == 2 })
        let lapsed = try await MigratedSchema.count(
            connection, "SELECT 1 FROM \(schema).send_errors WHERE error LIKE 'lease expired%'")
        #expect(lapsed == 4, "each lapse kept as an attempt's error (the three killed, and the one leased above)")
        await connection.run { $0.close() }
        try await TestDatabase.dropSchema(schema)
    }
}
