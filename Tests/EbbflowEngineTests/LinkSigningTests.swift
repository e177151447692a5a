// Signing keys in the database: made on first use, rotation with a grace period, retired and foreign keys refused; the URLs the library makes.
import EbbflowCore
import EbbflowEngine
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct LinkSigningTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    let base = try! PublicBaseURL("https://mail.example.com/")

    func verifies(_ schema: SchemaName, _ token: String, _ purpose: LinkPurpose, _ connection: PGConnection)
        async throws -> Bool
    {
        let signer = LinkSigner(schema: schema)
        return try await connection.run { connection in
            let now = try DatabaseClock(schema: schema).now(on: connection)
            do {
                _ = try signer.verify(token, purpose: purpose, now: now, on: connection)
                return true
            } catch is LinkRefusal {
                return false
            }
        }
    }

    @Test func rotationKeepsOldLinksWorkingUntilTheGraceEnds() async throws {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            let clock = DatabaseClock(schema: schema)
            try await connection.run { [start] in try clock.set(start, on: $0) }
            let signer = LinkSigner(schema: schema)
            let store = LinkKeyStore(schema: schema)
            #expect(try await connection.run { try store.list(on: $0) }.isEmpty)
            let old = try await connection.run { [start] in
                try signer.sign(.unsubscribe, subject: 7, now: start, on: $0)
            }
            // The first signing made the one key; signing again uses it.
            let keys = try await connection.run { try store.list(on: $0) }
            #expect(keys.count == 1 && keys[0].retiredAt == nil)
            #expect(try await verifies(schema, old, .unsubscribe, connection))
            #expect(try await !verifies(schema, old, .open, connection))

            let rotated = try await connection.withTransaction { [start] in
                try store.rotate(graceSeconds: 30 * 86_400, now: start, on: $0)
            }
            #expect(rotated.retired?.id == keys[0].id && rotated.current.id != keys[0].id)
            let new = try await connection.run { [start] in
                try signer.sign(.unsubscribe, subject: 7, now: start, on: $0)
            }
            #expect(new != old)
            try await connection.run { [start] in try clock.set(start.addingTimeInterval(29 * 86_400), on: $0) }
            #expect(try await verifies(schema, old, .unsubscribe, connection))
            try await connection.run { [start] in try clock.set(start.addingTimeInterval(31 * 86_400), on: $0) }
            #expect(try await !verifies(schema, old, .unsubscribe, connection))
            #expect(try await verifies(schema, new, .unsubscribe, connection))

            // A grace of 0 retires at once.
            _ = try await connection.withTransaction { [start] in
                try store.rotate(graceSeconds: 0, now: start.addingTimeInterval(31 * 86_400), on: $0)
            }
            #expect(try await !verifies(schema, new, .unsubscribe, connection))
            #expect(try await connection.run { try store.list(on: $0) }.filter { $0.retiredAt == nil }.count == 1)
        }
    }

    @Test func anotherDatabasesTokenIsRefused() async throws {
        try await MigratedSchema.with { connection, schema in
            try await MigratedSchema.with { _, other in
                let mine = LinkSigner(schema: schema)
                let theirs = LinkSigner(schema: other)
                let foreign = try await connection.run { connection in
                    try theirs.sign(.open, subject: 1, now: Date(), on: connection)
                }
                // Both schemas have a key 1; the MAC tells them apart.
                _ = try await connection.run { try mine.sign(.open, subject: 1, now: Date(), on: $0) }
                #expect(try await !verifies(schema, foreign, .open, connection))
                #expect(try await verifies(other, foreign, .open, connection))
            }
        }
    }

    @Test func firstUseIsRaceSafe() async throws {
        try await MigratedSchema.with { connection, schema in
            let signer = LinkSigner(schema: schema)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        let own = try await TestDatabase.connect()
                        _ = try await own.withTransaction { try signer.sign(.open, subject: 1, now: Date(), on: $0) }
                        await own.close()
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await connection.run { try LinkKeyStore(schema: schema).list(on: $0) }.count == 1)
        }
    }

    @Test func theLibraryMakesURLsAndRecordsEachLinkOnce() async throws {
        try await MigratedSchema.with { connection, schema in
            let store = EventStore(schema: schema)
            let send: Int64 = try await connection.run { connection in
                let contact = try store.upsertContact(
                    externalID: "c-1", email: "c1@example.com", segment: "default", now: Date(), on: connection)
                return try connection.query(
                    """
                    INSERT INTO \(schema.quoted).sends (contact_id, flow, step, template, channel, at)
                    VALUES ($1, 'f', 1, 't', 'email', now()) RETURNING id
                    """, [contact.id]
                ).first!.decode("id")
            }
            let unsubscribe = UnsubscribeLinks(schema: schema, base: base)
            let tracking = TrackingLinks(schema: schema, base: base)
            let (u, missing, o, a, b, a2) = try await connection.withTransaction { connection in
                let now = Date()
                return (
                    try unsubscribe.url(externalID: "c-1", now: now, on: connection),
                    try unsubscribe.url(externalID: "nobody", now: now, on: connection),
                    try tracking.openURL(sendID: send, now: now, on: connection),
                    try tracking.clickURL(sendID: send, url: "https://example.com/a", now: now, on: connection),
                    try tracking.clickURL(sendID: send, url: "https://example.com/b?x=1", now: now, on: connection),
                    try tracking.clickURL(sendID: send, url: "https://example.com/a", now: now, on: connection)
                )
            }
            #expect(u?.hasPrefix("https://mail.example.com/u/") == true)
            #expect(missing == nil)
            #expect(o.hasPrefix("https://mail.example.com/t/o/"))
            #expect(a.hasPrefix("https://mail.example.com/t/c/") && a == a2 && a != b)
            let links = try await connection.query(
                "SELECT link_index, url FROM \(schema.quoted).tracked_links ORDER BY link_index")
            #expect(
                try links.rows.map { try $0.decode("url", as: String.self) } == [
                    "https://example.com/a", "https://example.com/b?x=1",
                ])
            for bad in ["javascript:alert(1)", "/relative", "https://", "ftp://example.com/x", "https://e.com/a b"] {
                await #expect(throws: LinkInputError.self) {
                    try await connection.withTransaction { connection in
                        try tracking.clickURL(sendID: send, url: bad, now: Date(), on: connection)
                    }
                }
            }
            await #expect(throws: LinkInputError.self) {
                try await connection.withTransaction { try tracking.openURL(sendID: send + 1000, now: Date(), on: $0) }
            }
        }
    }

    @Test func thePublicURLIsCheckedStrictly() throws {
        #expect(try PublicBaseURL("https://mail.example.com/").text == "https://mail.example.com")
        #expect(try PublicBaseURL("http://127.0.0.1:8080/ebbflow//").text == "http://127.0.0.1:8080/ebbflow")
        for bad in [
            "", "mail.example.com", "ftp://x.com", "https://x.com/?a=1", "https://x.com/#f", "https://u:p@x.com",
        ] {
            #expect(throws: LinkInputError.self) { try PublicBaseURL(bad) }
        }
        #expect(throws: LinkInputError.self) { try PublicBaseURL.fromEnvironment([:]) }
    }
}
