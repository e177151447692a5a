import Foundation
import Testing

// Each import kind decodes through one Decodable line type: the same line as CSV or NDJSON gives the same value or the same rejection.
@testable import EbbflowEngine

@Suite struct ImportLineTests {
    /// Every line of `text` decoded as `Line`: the values and the rejections, by line number.
    func lines<Line: Decodable>(
        _ text: String, _ format: InputFormat, as: Line.Type,
        kinds: Set<String> = ["open", "click"]
    ) throws -> (lines: [Int: Line], rejected: [Int: String]) {
        let stream = try RecordReader.lines(
            .text(text), format: format, as: Line.self, userInfo: [.acceptedEventKinds: kinds])
        var lines: [Int: Line] = [:]
        var rejected: [Int: String] = [:]
        while let item = try stream.next() {
            switch item {
            case .line(let number, let line): lines[number] = line
            case .rejected(let rejection): rejected[rejection.line] = rejection.reason
            }
        }
        return (lines, rejected)
    }

    @Test func anEventLineReadsTheSameFromCSVAndNDJSON() throws {
        let csv = try lines(
            """
            external_id,KIND,occurred_at,machine_open,properties,source,extra
            c-1,open,2026-01-01T09:00:00Z,TRUE,"{""a"": 1}",esp,ignored
            """, .csv, as: EventLine.self)
        let json = try lines(
            """
            {"external_id": "c-1", "Kind": "open", "occurred_at": "2026-01-01T09:00:00Z", "machine_open": true, \
            "properties": {"a": 1}, "source": "esp", "extra": [1]}
            """, .ndjson, as: EventLine.self)
        #expect(csv.rejected.isEmpty && json.rejected.isEmpty)
        for line in [csv.lines[2], json.lines[1]] {
            #expect(
                line?.externalID == "c-1" && line?.kind == "open" && line?.machineOpen == true && line?.source == "esp")
            #expect(line?.occurredAt == Date(timeIntervalSince1970: 1_767_258_000))
        }
        #expect(json.lines[1]?.properties == .init(#"{"a":1}"#))
    }

    /// The reasons a line is refused, in the order the fields are checked, from either format.
    @Test(arguments: [
        (#"{"kind": "open"}"#, "kind\nopen", "external_id is missing"),
        (
            #"{"external_id": "c", "kind": "opn", "occurred_at": "soon"}"#, "external_id,kind,occurred_at\nc,opn,soon",
            "unknown event kind \"opn\" (accepted: click, open)"
        ),
        (
            #"{"external_id": "c", "kind": "open", "machine_open": "maybe"}"#,
            "external_id,kind,machine_open\nc,open,maybe",
            "machine_open \"maybe\" is not true or false"
        ),
        (
            #"{"external_id": "c", "kind": "open", "properties": [1]}"#, "external_id,kind,properties\nc,open,[1]",
            "properties is not a JSON object"
        ),
        (
            #"{"external_id": "c", "kind": "open", "occurred_at": "yesterday"}"#,
            "external_id,kind,occurred_at\nc,open,yesterday",
            "occurred_at \"yesterday\" is not an ISO 8601 time with its zone, such as 2026-01-01T09:00:00Z"
        ),
    ])
    func eventLinesAreRefusedAlikeInBothFormats(json: String, csv: String, reason: String) throws {
        #expect(try lines(json, .ndjson, as: EventLine.self).rejected == [1: reason])
        #expect(try lines(csv, .csv, as: EventLine.self).rejected == [2: reason])
    }

    /// NDJSON numbers and booleans where text is expected read as their text (as before the
    /// Decodable lines); NaN is not JSON; 1e400 and a repeated key are refused by name.
    @Test func ndjsonValuesThatAreNotStrings() throws {
        let result = try lines(
            """
            {"external_id": 42, "kind": "open", "machine_open": 1}
            {"external_id": "c", "kind": "open", "score": NaN}
            {"external_id": "c", "kind": "open", "score": 1e400}
            {"external_id": "c", "kind": "open", "KIND": "click"}
            [1, 2]
            {"external_id": "c\\u0000", "kind": "open"}
            {"external_id": "c", "kind": "open", "note": {"x": "\\u0000"}}
            """, .ndjson, as: EventLine.self)
        #expect(result.lines[1]?.externalID == "42" && result.lines[1]?.machineOpen == true)
        #expect(
            result.rejected == [
                2: "not a JSON object", 3: "score is not a finite number",
                4: "the key \"kind\" appears twice (keys match without regard to case)", 5: "not a JSON object",
                6: "external_id contains a NUL byte", 7: "note contains a NUL byte",
            ])
    }

    /// A key written twice in the same case, at the top or inside a value, is refused: a JSON
    /// decoder keeps one of the two values without a word.
    @Test func anExactlyRepeatedKeyIsRefusedNotResolved() throws {
        let events = try lines(
            """
            {"external_id": "c", "kind": "open", "kind": "click"}
            {"external_id": "c", "kind": "open", "properties": {"a": 1, "a": 2}}
            {"external_id": "c", "kind": "open", "properties": {"a": {"b": 1}, "c": {"b": 2}}}
            {"external_id": "c", "kind": "open", " Kind ": "open"}
            """, .ndjson, as: EventLine.self)
        #expect(
            events.rejected == [
                1: "the key \"kind\" appears twice (keys match without regard to case)",
                2: "the key \"a\" appears twice in properties",
                4: "the key \"kind\" appears twice (keys match without regard to case)",
            ])
        #expect(events.lines[3]?.properties == .init(#"{"a":{"b":1},"c":{"b":2}}"#))
        let contacts = try lines(
            """
            {"external_id": "c", "attributes": {"plan": "a", "plan": "b"}}
            {"external_id": "c", "external_id": "d"}
            """, .ndjson, as: ContactLine.self)
        #expect(
            contacts.rejected == [
                1: "the key \"plan\" appears twice in attributes",
                2: "the key \"external_id\" appears twice (keys match without regard to case)",
            ])
        // The same inside an attributes column given as JSON text, in CSV or NDJSON.
        let csv = try lines(
            "external_id,attributes\nc,\"{\"\"p\"\": {\"\"q\"\": 1, \"\"q\"\": 2}}\"", .csv, as: ContactLine.self)
        #expect(csv.rejected == [2: "the key \"q\" appears twice in attributes.p"])
        let text = try lines(
            #"{"external_id": "c", "attributes": "{\"plan\": 1, \"plan\": 2}"}"#, .ndjson, as: ContactLine.self)
        #expect(text.rejected == [1: "the key \"plan\" appears twice in attributes"])
    }

    /// NDJSON numbers where text is expected read as the number's value, written as JSON writes
    /// it; a whole number keeps every digit, past Int64 too (JSONSerialization kept them; as a
    /// Double two 30-digit ids would become the same external_id).
    @Test func ndjsonNumbersReadAsTextKeepEveryDigit() throws {
        let result = try lines(
            """
            {"external_id": 12, "kind": "open"}
            {"external_id": 12.0, "kind": "open"}
            {"external_id": 12.5, "kind": "open"}
            {"external_id": 9007199254740993, "kind": "open"}
            {"external_id": 123456789012345678901234567890, "kind": "open"}
            {"external_id": 123456789012345678901234567891, "kind": "open", "properties": {"n": -123456789012345678901234567891}}
            """, .ndjson, as: EventLine.self)
        #expect(result.rejected.isEmpty)
        #expect(
            (1...6).map { result.lines[$0]?.externalID }
                == [
                    "12", "12", "12.5", "9007199254740993", "123456789012345678901234567890",
                    "123456789012345678901234567891",
                ])
        #expect(result.lines[6]?.properties == .init(#"{"n":-123456789012345678901234567891}"#))
    }

    @Test func aContactLineGivesTheSameRowFromCSVAndNDJSON() throws {
        let csv = try lines(
            """
            external_id,segment,campaign_status,engagement_score,reactivation_cycle,last_engagement_at,Country,attributes
            c-1,retail,suppressed,12.5,2,2026-01-01T09:00:00Z,NZ,"{""tier"": ""gold"", ""n"": 1}"
            """, .csv, as: ContactLine.self)
        let json = try lines(
            """
            {"external_id": "c-1", "segment": "retail", "campaign_status": "suppressed", "engagement_score": 12.5, \
            "reactivation_cycle": 2, "last_engagement_at": "2026-01-01T09:00:00Z", "Country": "NZ", "attributes": \
            {"tier": "gold", "n": 1}}
            """, .ndjson, as: ContactLine.self)
        let expected: [String?] = [
            "7", "c-1", nil, "retail", "suppressed", "12.5", "1767258000.0", "2",
            #"{"country":"NZ","n":1,"tier":"gold"}"#, nil,
        ]
        #expect(csv.lines[2]?.row(line: 7).values == expected)
        #expect(json.lines[1]?.row(line: 7).values == expected)
    }

    @Test func contactBoundsNameTheFieldAndTheText() throws {
        let result = try lines(
            """
            external_id,engagement_score,reactivation_cycle,campaign_status,attributes
            a,NaN,,,
            b,-1,,,
            c,x,,,
            d,,99999999999,,
            e,,,sleepy,
            f,,,,"{""n"": 1e400}"
            g,,,,[1]
            """, .csv, as: ContactLine.self)
        #expect(
            result.rejected == [
                2: "engagement_score \"NaN\": must be a finite number",
                3: "engagement_score \"-1\": must be between 0.0 and 1000000.0",
                4: "engagement_score \"x\": is not a number",
                5: "reactivation_cycle \"99999999999\": must be between 0 and 1000",
                6: "campaign_status \"sleepy\" is not one of active, engaged, inactive, reactivated, suppressed",
                7: "attributes is not valid JSON (a number out of range?)", 8: "attributes is not a JSON object",
            ])
    }
}
