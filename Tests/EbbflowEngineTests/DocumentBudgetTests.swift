// YAML is measured before Yams composes it: aliases as keys, text multiplied by aliases, keys kept as written, JSON nesting.
import EbbflowEngine
import Foundation
import Testing

@Suite(.timeLimit(.minutes(5))) struct DocumentBudgetTests {
    /// Anchors of ten aliases each, eight deep: `h` stands for 10^8 values.
    static func chain(_ levels: Int, first: String = "x") -> String {
        let names = Array("abcdefgh").map(String.init).prefix(levels)
        var lines = ["a: &a [\(Array(repeating: first, count: 10).joined(separator: ", "))]"]
        for (index, name) in names.enumerated().dropFirst() {
            lines.append(
                "\(name): &\(name) [\(Array(repeating: "*\(names[index - 1])", count: 10).joined(separator: ", "))]")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// 303 bytes that kept a CPU busy: Yams hashed the aliased key (all it stands for) while
    /// checking the mapping for repeated keys, inside compose, before any count could run.
    @Test func anAliasAsAMappingKeyIsRefusedBeforeComposing() {
        let yaml = Self.chain(8) + "? *h\n: 1\n"
        #expect(yaml.utf8.count < 400)
        #expect { try DocumentText.json(from: Data(yaml.utf8)) } throws: {
            "\($0)"
                == "the document stands for more than 100000 values once its YAML aliases are expanded: at most 100000"
        }
        // Alone, an alias key is refused by its place, however little it stands for.
        #expect { try DocumentText.json(from: Data("a: &a x\n? *a\n: 1\n".utf8)) } throws: {
            "\($0)" == "line 2, column 3: a mapping key must be plain text, not an alias"
        }
        #expect { try DocumentText.json(from: Data("? [a, b]\n: 1\n".utf8)) } throws: {
            "\($0)" == "line 1, column 3: a mapping key must be plain text, not a list"
        }
    }

    /// A 900 KB string repeated 1,000 times through three anchors: few values, gigabytes of text.
    @Test func textMultipliedByAliasesIsRefusedByItsBytes() {
        let long = String(repeating: "x", count: 900_000)
        let yaml =
            "a: &a \"\(long)\"\nb: &b [\(Array(repeating: "*a", count: 10).joined(separator: ", "))]\n"
            + "c: &c [\(Array(repeating: "*b", count: 10).joined(separator: ", "))]\nd: [\(Array(repeating: "*c", count: 10).joined(separator: ", "))]\n"
        #expect(yaml.utf8.count < DocumentText.maxBytes)
        #expect { try DocumentText.json(from: Data(yaml.utf8)) } throws: {
            "\($0)"
                == "the document stands for more than 1048576 bytes of text once its YAML aliases are expanded: at most 1048576 (1 MiB)"
        }
        // Shared once, the same text is fine.
        #expect(throws: Never.self) { try DocumentText.json(from: Data("a: &a \"\(long)\"\n".utf8)) }
    }

    /// `yes:` once became the key "true" and met `true:` past the repeated-key check; a
    /// segment named `no` was stored as "false".
    @Test func keysKeepTheTextTheyWereWrittenWith() throws {
        let json = try DocumentText.json(
            from: Data(
                "segments:\n  no: {cooldown_days: 60}\n  yes: {cooldown_days: 45}\n  true: {cooldown_days: 50}\n".utf8))
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect((object["segments"] as? [String: Any]).map { Set($0.keys) } == ["no", "yes", "true"])
        #expect(
            try PolicyDocument.parse(Data("segments:\n  no: {cooldown_days: 60}\n".utf8)).policy(for: "no").cooldownDays
                == 60)
        #expect { try DocumentText.json(from: Data("a:\n  \"no\": 1\n  no: 2\n".utf8)) } throws: {
            "\($0)" == "the key \"no\" appears twice in a"
        }
        // Merge keys keep their YAML meaning: the mapping's own keys win.
        let merged = try PolicyDocument.parse(
            Data(
                "default: {cooldown_days: 45}\nsegments:\n  b2b:\n    <<: {cooldown_days: 60, engaged_threshold: 40}\n    cooldown_days: 70\n"
                    .utf8))
        #expect(merged.policy(for: "b2b").cooldownDays == 70)
        #expect(merged.policy(for: "b2b").engagedThreshold == 40)
    }

    /// docs/bad-input.md promises 64 levels for JSON too; only YAML was checked.
    @Test func jsonNestsAtMost64Levels() {
        let deep = "{\"a\": " + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "}"
        #expect { try DocumentText.json(from: Data(deep.utf8)) } throws: {
            "\($0)" == "the document nests deeper than 64 levels: at most 64"
        }
        let fine =
            "{\"a\": " + String(repeating: "[", count: 60) + "\"[[[[[[\"" + String(repeating: "]", count: 60) + "}"
        #expect(throws: Never.self) { try DocumentText.json(from: Data(fine.utf8)) }
    }
}
