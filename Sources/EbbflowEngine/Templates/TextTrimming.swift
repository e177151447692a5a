// White space trimmed from the ends of a rendered text without Foundation, on the render's hot path.

/// Why not `trimmingCharacters(in:)`: Foundation's version goes through `NSString` and UTF-16 on
/// Linux, and in the text part derived from HTML (one trim per line) it was most of a render's
/// time (73 % of `ebbflow-bench templates`' pure render, docs/benchmarks.md). These trim the
/// same characters (`TextTrimmingTests` compares them), scalar by scalar on the native UTF-8: `whitespaces` is Unicode's space
/// separators and the tab, `whitespacesAndNewlines` adds line feed to carriage return, NEL and
/// the line and paragraph separators, as Foundation's character sets define them.
enum TextTrimming {
    /// A space separator (Unicode category Zs), a tab or a zero-width space: Foundation's
    /// `CharacterSet.whitespaces` as CoreFoundation defines it (U+200B included).
    @inline(__always) static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x80 { return scalar.value == 0x20 || scalar.value == 0x09 }
        return scalar.value == 0x200B || scalar.properties.generalCategory == .spaceSeparator
    }

    /// `isWhitespace` or a line break: Foundation's `CharacterSet.whitespacesAndNewlines`.
    @inline(__always) static func isWhitespaceOrNewline(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A...0x0D, 0x85, 0x2028, 0x2029: true
        default: isWhitespace(scalar)
        }
    }

    /// `text` without the scalars `drop` accepts at either end.
    static func trimmed(_ text: Substring, _ drop: (Unicode.Scalar) -> Bool) -> Substring {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !drop($0) }) else { return text[text.endIndex...] }
        let last = scalars.lastIndex(where: { !drop($0) })!
        return Substring(scalars[first...last])
    }

    /// `text` without white space (`isWhitespace`) at either end.
    static func trimmingWhitespace(_ text: some StringProtocol) -> Substring {
        trimmed(Substring(text), isWhitespace)
    }

    /// `text` without white space or line breaks (`isWhitespaceOrNewline`) at either end.
    static func trimmingWhitespaceAndNewlines(_ text: some StringProtocol) -> Substring {
        trimmed(Substring(text), isWhitespaceOrNewline)
    }
}
