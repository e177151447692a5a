// The text part derived from a rendered HTML message, for a template without text: readable, links spelled out.
import Foundation

/// Why derived rather than required: most teams write only the HTML, and a message without a
/// text part scores worse with spam filters; a `plain` send (the article's second tip) needs a
/// text anyway. Paragraphs, headings, rows and list items become lines; a link becomes
/// `label (URL)`; `<head>`, `<style>`, `<script>` and comments are dropped; character
/// references are decoded. The links keep their own URLs (not tracked ones).
enum HTMLText {
    static func text(from html: String) -> String {
        let bytes = Array(html.utf8)
        let count = bytes.count
        var out = ""
        out.reserveCapacity(count / 2)
        var pendingSpace = false
        var href: String?
        var labelStart = 0
        var index = 0
        func lower(_ byte: UInt8) -> UInt8 { (0x41...0x5A).contains(byte) ? byte | 0x20 : byte }
        func starts(_ text: String, at position: Int) -> Bool {
            let needle = Array(text.utf8)
            guard position + needle.count <= count else { return false }
            for offset in 0..<needle.count where lower(bytes[position + offset]) != needle[offset] { return false }
            return true
        }
        func newline(_ lines: Int) {
            pendingSpace = false
            while out.hasSuffix(" ") { out.removeLast() }
            var trailing = 0
            for character in out.reversed() {
                guard character == "\n" else { break }
                trailing += 1
            }
            if !out.isEmpty && trailing < lines { out += String(repeating: "\n", count: lines - trailing) }
        }
        while index < count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "<") {
                if starts("<!--", at: index) {
                    var end = index + 4
                    while end < count && !starts("-->", at: end) { end += 1 }
                    index = end + 3
                    continue
                }
                var end = index + 1
                var quote: UInt8?
                while end < count {
                    let current = bytes[end]
                    if let open = quote {
                        if current == open { quote = nil }
                    } else if current == UInt8(ascii: "\"") || current == UInt8(ascii: "'") {
                        quote = current
                    } else if current == UInt8(ascii: ">") {
                        break
                    }
                    end += 1
                }
                let tag = bytes[(index + 1)..<min(end, count)]
                let closing = tag.first == UInt8(ascii: "/")
                let name = String(
                    decoding: tag.drop(while: { $0 == UInt8(ascii: "/") }).prefix(while: {
                        !($0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || $0 == UInt8(ascii: "/"))
                    }).map(lower), as: UTF8.self)
                index = end + 1
                if !closing, ["head", "style", "script", "title"].contains(name) {
                    // Skip to the matching end tag.
                    var skip = index
                    while skip < count && !starts("</\(name)", at: skip) { skip += 1 }
                    while skip < count && bytes[skip] != UInt8(ascii: ">") { skip += 1 }
                    index = skip + 1
                    continue
                }
                switch name {
                case "br": newline(1)
                case "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "blockquote", "section":
                    newline(2)
                case "tr": newline(1)
                case "li":
                    if !closing {
                        newline(1)
                        out += "- "
                    }
                case "td", "th": pendingSpace = !out.isEmpty && !out.hasSuffix("\n")
                case "hr": newline(1); out += "---"; newline(1)
                case "a":
                    if closing {
                        if let link = href {
                            let label = out.utf8.count >= labelStart ? String(out.utf8.dropFirst(labelStart)) ?? "" : ""
                            if label.trimmingCharacters(in: .whitespaces) != link { out += " (\(link))" }
                        }
                        href = nil
                    } else {
                        href = attribute("href", in: Array(tag))
                        if let link = href {
                            let scheme = link.prefix(7).lowercased()
                            if !(scheme.hasPrefix("http") || scheme.hasPrefix("mailto:")) { href = nil }
                        }
                        if pendingSpace && !out.isEmpty { out += " " }
                        pendingSpace = false
                        labelStart = out.utf8.count
                    }
                default: break
                }
                continue
            }
            // Text up to the next tag: white space collapses to one space.
            var end = index
            while end < count && bytes[end] != UInt8(ascii: "<") { end += 1 }
            let decoded = HTMLEntities.decode(String(decoding: bytes[index..<end], as: UTF8.self)[...])
            for character in decoded {
                if character.isWhitespace && character != "\u{00A0}" {
                    pendingSpace = true
                } else {
                    if pendingSpace && !out.isEmpty && !out.hasSuffix("\n") { out += " " }
                    pendingSpace = false
                    out.append(character == "\u{00A0}" ? " " : character)
                }
            }
            index = end
        }
        return out.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: "\n")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// An attribute's value in a tag's bytes, decoded; nil when absent.
    static func attribute(_ name: String, in tag: [UInt8]) -> String? {
        let link = HTMLLinks.find(
            in: Array("<a ".utf8) + tag.drop(while: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A }) + [UInt8(ascii: ">")])
        return name == "href" ? link.first?.url : nil
    }
}
