// JSONDocument prints the bytes the CLI printed from Foundation dictionaries, and reads stored JSON back unchanged.
import EbbflowOperations
import Foundation
import Testing

@Suite struct JSONDocumentTests {
    /// What `Output.json` printed before the operations existed, kept here as the reference.
    static func legacy(_ value: Any) throws -> String {
        let data = try JSONSerialization.data(
            withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
        return String(decoding: data, as: UTF8.self)
    }

    @Test(arguments: [
        #"{"a": true, "b": false, "n": 1, "neg": -5, "f": 1.5, "tenth": 0.1, "one": 1.0, "e": 1e300}"#,
        #"{"max": 9223372036854775807, "min": -9223372036854775808, "past": 12345678901234567890123}"#,
        #"{"s": "a/b \"q\" \\ é 😀 \u0001 \n", "empty": [], "none": {}, "nested": [1, [2.5, null, "x"], {"k": []}]}"#,
        #"[0, -0.0, 3.14159, 1e-7, 100000000000000000000]"#,
        #"{"frac": 123456789012345678901234567890.5, "small": -12345678901234567890, "q": 18446744073709551615}"#,
        #""just text""#, "42", "null", "true",
    ])
    func storedJSONPrintsAsBefore(text: String) throws {
        let data = Data(text.utf8)
        let document = try #require(JSONDocument(parsing: data))
        let before = try Self.legacy(JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]))
        #expect(try document.encoded() == before)
    }

    @Test func builtDocumentsPrintAsTheDictionariesDid() throws {
        let when = "2026-01-01T09:00:00Z"
        let legacy: [String: Any] = [
            "id": Int64(42), "score": 0.0, "rate": 0.123456789, "count": 3, "email": NSNull(), "ok": true,
            "at": when, "url": "https://example.com/a?b=c", "items": [["x": 1] as [String: Any]], "empty": [String](),
        ]
        let document: JSONDocument = [
            "id": .integer(42), "score": .number(0.0), "rate": .number(0.123456789), "count": .whole(3),
            "email": .text(nil), "ok": .bool(true), "at": .string(when), "url": "https://example.com/a?b=c",
            "items": [["x": 1]], "empty": [],
        ]
        #expect(try document.encoded() == Self.legacy(legacy))
        #expect(try document.encoded().contains("\"url\" : \"https://example.com/a?b=c\""))
    }

    @Test func unparsableStoredJSONIsNil() {
        #expect(JSONDocument(parsing: Data("{not json".utf8)) == nil)
        #expect(JSONDocument(parsing: Data()) == nil)
    }

    @Test func readersSayWhatAValueIs() {
        let document: JSONDocument = ["n": 2, "x": 2.5, "s": "t", "b": false, "a": [1]]
        #expect(document["n"]?.integerValue == 2)
        #expect(document["n"]?.doubleValue == 2)
        #expect(document["x"]?.doubleValue == 2.5)
        #expect(document["s"]?.stringValue == "t")
        #expect(document["b"]?.boolValue == false)
        #expect(document["a"]?.arrayValue?.count == 1)
        #expect(document["missing"] == nil)
        #expect(JSONDocument.time(nil) == .null)
        #expect(JSONDocument.time(Date(timeIntervalSince1970: 0)) == .string("1970-01-01T00:00:00Z"))
    }
}
