// Privacy requests through the operations: results and refusals as the CLI and the API word them.
import EbbflowCore
import EbbflowEngine
import EbbflowOperations
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct PrivacyOperationsTests {
    @Test func forgetAndExportSayWhatHappenedAndRefuseBadIDs() async throws {
        try await MigratedSchema.with { database, schema in
            _ = try await ContactImporter(schema: schema).importContacts(
                "external_id,email\nk-1,k@example.com\n", format: .csv, on: database)
            let operations = PrivacyOperations(schema: schema)
            for (text, message) in [
                ("", "the external id is empty"),
                (String(repeating: "x", count: 257), "the external id is 257 bytes long, at most 256 are accepted"),
                ("a\u{0}b", "the external id contains a NUL byte"),
            ] {
                await #expect(throws: OperationError.invalid(message, field: "external_id")) {
                    _ = try await operations.forget(externalID: text, via: "test", on: database)
                }
                await #expect(throws: OperationError.invalid(message, field: "external_id")) {
                    try await operations.export(externalID: text, via: "test", on: database) { _ in }
                }
            }
            await #expect(throws: OperationError.notFound("no contact with external id \"nobody\"")) {
                _ = try await operations.forget(externalID: "nobody", via: "test", on: database)
            }
            await #expect(throws: OperationError.notFound("no contact with external id \"nobody\"")) {
                try await operations.export(externalID: "nobody", via: "test", on: database) { _ in }
            }
            let done = try await operations.forget(externalID: "k-1", via: "test", on: database)
            #expect(
                done.message.hasPrefix(
                    "k-1 forgotten: identifying data removed, suppressed (forgotten, was active), 0 events"))
            #expect(done.document["forgotten"] == true && done.document["jobs_cancelled"] == 0)
            let again = try await operations.forget(externalID: "k-1", via: "test", on: database)
            #expect(again.message == "k-1 was already forgotten: nothing to do")
            #expect(again.document["already_forgotten"] == true)
            await #expect(
                throws: OperationError.notFound(
                    "\"k-1\" was forgotten (contacts forget): ebbflow holds nothing about them but a keyed digest")
            ) {
                try await operations.export(externalID: "k-1", via: "test", on: database) { _ in }
            }
            // Nothing printed names the key.
            let key: Data = try await database.query("SELECT hmac_key FROM \(schema.quoted).privacy_secret").first!
                .decode("hmac_key")
            let hex = key.map { String(format: "%02x", $0) }.joined()
            let tombstone = try #require(done.document["tombstone"]?.stringValue)
            let text = Collected()
            try await operations.export(externalID: tombstone, via: "test", on: database) { text.append($0) }
            for output in [try done.document.encoded(), text.value] {
                #expect(!output.contains(hex) && !output.contains(key.base64EncodedString()))
            }
            #expect(text.value.contains("\"forget\"") && text.value.contains("\"export\""))
        }
    }
}

/// Text handed over by an export, in order.
final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var text = ""
    func append(_ chunk: String) { lock.withLock { text += chunk } }
    var value: String { lock.withLock { text } }
}
