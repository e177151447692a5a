// Documents people write are bounded before they are built: size, YAML alias expansion, nesting.
import EbbflowEngine
import Foundation
import Testing

@Suite struct DocumentTextTests {
    /// The classic "billion laughs": nine levels of nine aliases, half a kilobyte standing for
    /// 9^9 strings. Before the bound, `Yams.load` expanded it and the process ran out of memory.
    static let billionLaughs: String = {
        var lines = [#"a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]"#]
        let names = Array("abcdefghi").map(String.init)
        for (index, name) in names.enumerated().dropFirst() {
            let previous = names[index - 1]
            lines.append("\(name): &\(name) [\(Array(repeating: "*\(previous)", count: 9).joined(separator: ","))]")
        }
        return lines.joined(separator: "\n") + "\n"
    }()

    @Test func billionLaughsIsRefusedInOneLine() {
        #expect(Self.billionLaughs.utf8.count < 600)
        #expect { try DocumentText.json(from: Data(Self.billionLaughs.utf8)) } throws: {
            "\($0)"
                == "the document stands for more than 100000 values once its YAML aliases are expanded: at most 100000"
        }
    }

    /// 350 bytes that once stored an 8 MB policy: a few levels of aliases under `points`.
    @Test func smallAliasBombIsRefusedNotStored() {
        var yaml = "x0: &x0 {open: 1, click: 2, page_visit: 3, form_submit: 4}\n"
        for level in 1...6 {
            yaml +=
                """
                x\(level): &x\(level) [*x\(level - 1), *x\(level - 1), *x\(level - 1), *x\(level - 1), \
                *x\(level - 1), *x\(level - 1), *x\(level - 1), *x\(level - 1)]\n
                """
        }
        #expect(yaml.utf8.count < 600)
        #expect { try PolicyDocument.parse(Data(yaml.utf8)) } throws: {
            "\($0)".contains("once its YAML aliases are expanded")
        }
    }

    @Test func aliasesWithinTheBoundStillWork() throws {
        let yaml = "default: &base {cooldown_days: 45}\nsegments: {b2b: *base}\n"
        #expect(try PolicyDocument.parse(Data(yaml.utf8)).policy(for: "b2b").cooldownDays == 45)
    }

    @Test func oversizedAndDeepDocumentsAreRefused() {
        let big = Data(("# " + String(repeating: "x", count: DocumentText.maxBytes) + "\ndefault: {}\n").utf8)
        #expect { try DocumentText.json(from: big) } throws: {
            "\($0)".hasPrefix("the document is more than 1048576 bytes: at most 1048576 (1 MiB)")
        }
        let deep = "a: " + String(repeating: "[", count: 200) + String(repeating: "]", count: 200) + "\n"
        #expect { try DocumentText.json(from: Data(deep.utf8)) } throws: {
            "\($0)" == "the document nests deeper than 64 levels: at most 64"
        }
        // libyaml's own nesting limit answers first for very deep text; the error is still one short line.
        let deeper = "a: " + String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000) + "\n"
        #expect { try DocumentText.json(from: Data(deeper.utf8)) } throws: {
            "\($0)".hasPrefix("not valid YAML: line 1, column") && "\($0)".count < 300 && !"\($0)".contains("\n")
        }
    }

    /// JSON parsers keep the last of a repeated key; the first value was lost without a word.
    @Test func aKeyWrittenTwiceInJSONIsRefused() throws {
        let cases: [(String, String)] = [
            (
                #"{"default": {"cooldown_days": 45, "cooldown_days": 50}}"#,
                #"the key "cooldown_days" appears twice in default"#
            ),
            (
                #"{"default": {}, "segments": {"b2b": {"frequency_cap": {"sends": 1, "sends": 2}}}}"#,
                #"the key "sends" appears twice in segments.b2b.frequency_cap"#
            ),
            (
                #"{"streams": [{"name": "a"}, {"name": "b", "steps": [{"send": "x", "s\u0065nd": "y"}]}]}"#,
                #"the key "send" appears twice in streams[1].steps[0]"#
            ),
            (#"{"name": "a", "name": "b"}"#, #"the key "name" appears twice in the top-level mapping"#),
        ]
        for (text, expected) in cases {
            #expect { try DocumentText.json(from: Data(text.utf8)) } throws: { "\($0)" == expected }
        }
        // The same key in different objects, or a key-like string as a value, is not a repeat.
        let fine = #"{"a": {"x": 1}, "b": {"x": "x"}, "c": [{"x": 1}, {"x": 2}], "d": "\"x\": 1, \"x\": 2"}"#
        #expect(try DocumentText.json(from: Data(fine.utf8)) == Data(fine.utf8))
    }
}
