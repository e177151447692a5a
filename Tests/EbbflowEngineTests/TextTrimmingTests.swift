// TextTrimming trims exactly what Foundation's trimmingCharacters(in:) trims, which it replaces on the render path.
import Foundation
import Testing

@testable import EbbflowEngine

@Suite struct TextTrimmingTests {
    /// Every edge the derived text part meets: ASCII and Unicode spaces (no-break, em, ideographic),
    /// tabs, line breaks of every kind, text that is only white space, and none at all.
    static let samples: [String] = [
        "", " ", "\t", "\n", "plain", "  two words  ", "\t tabbed\t", "\u{00A0}nbsp\u{00A0}",
        "\u{2003}em space\u{3000}", "\u{202F}narrow\u{205F}", "line\n", "\r\nwindows\r\n", "\u{0085}nel\u{2028}",
        "\u{2029}para", " \u{00A0}\t\n\u{3000} ", "é accent ", " 日本語 ", "x\u{200B}", "\u{FEFF}bom", "a \n b",
    ]

    @Test(arguments: samples) func matchesFoundation(_ text: String) {
        #expect(String(TextTrimming.trimmingWhitespace(text)) == text.trimmingCharacters(in: .whitespaces))
        #expect(
            String(TextTrimming.trimmingWhitespaceAndNewlines(text))
                == text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Random mixes of the characters above, so a combination the samples miss is still compared.
    @Test func matchesFoundationOnRandomMixes() {
        let pieces = [
            "a", "é", " ", "\t", "\n", "\r", "\u{00A0}", "\u{2003}", "\u{3000}", "\u{0085}", "\u{2028}", "\u{200B}",
            "日",
        ]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let text = (0..<Int.random(in: 0...8, using: &generator)).map { _ in
                pieces.randomElement(using: &generator)!
            }.joined()
            #expect(String(TextTrimming.trimmingWhitespace(text)) == text.trimmingCharacters(in: .whitespaces))
            #expect(
                String(TextTrimming.trimmingWhitespaceAndNewlines(text))
                    == text.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }
}
