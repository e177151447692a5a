// The text part derived from a rendered HTML message, for a template without text: readable, links spelled out.
import Foundation

/// Why derived rather than required: most teams write only the HTML, and a message without a
/// text part scores worse with spam filters; a `plain` send (the article's second tip) needs a
/// text anyway. Paragraphs, headings, rows and list items become lines; a link becomes
/// `label (URL)`; `<head>`, `<style>`, `<script>` and comments are dropped; character
/// references are decoded. The links keep their own URLs (not tracked ones). Bytes, not
/// characters, because this runs for every send of an HTML-only template.
enum HTMLText {
    private static let comment = Array("<!--".utf8), commentEnd = Array("-->".utf8)
    private static let skipped: Set<String> = ["head", "style", "script", "title"]
    private static let blocks: Set<String> = [
        "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "blockquote", "section",
    ]

    static func text(from html: String) -> String {
        let bytes = Array(html.utf8)
        let count = bytes.count
        var out: [UInt8] = []
        out.reserveCapacity(count / 2)
        var pendingSpace = false
        var href: String?
        var labelStart = 0
        var index = 0
        func starts(_ needle: [UInt8], at position: Int) -> Bool { HTMLBytes.starts(needle, in: bytes, at: position) }
        func newline(_ lines: Int) {
            pendingSpace = false
            while out.last == 0x20 { out.removeLast() }
            var trailing = 0
            while trailing < out.count && out[out.count - 1 - trailing] == 0x0A { trailing += 1 }
            if !out.isEmpty && trailing < lines { out += repeatElement(0x0A, count: lines - trailing) }
        }
        func space() {
            if pendingSpace && !out.isEmpty && out.last != 0x0A { out.append(0x20) }
            pendingSpace = false
        }
        while index < count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "<") {
                if starts(comment, at: index) {
                    var end = index + 4
                    while end < count && !starts(commentEnd, at: end) { end += 1 }
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
                let nameBytes = tag.drop(while: { $0 == UInt8(ascii: "/") }).prefix(while: {
                    !HTMLBytes.isSpace($0) && $0 != UInt8(ascii: "/")
                })
                // Lower-cased in place into a small (inline) string: every tag of every render
                // passes here. No tag this reads has a longer name than 15 bytes.
                let name =
                    nameBytes.count > 15
                    ? ""
                    : String(unsafeUninitializedCapacity: nameBytes.count) { buffer in
                        for (offset, byte) in nameBytes.enumerated() { buffer[offset] = HTMLBytes.lower(byte) }
                        return nameBytes.count
                    }
                index = end + 1
                if !closing, skipped.contains(name) {
                    // Skip to the matching end tag.
                    let endTag = Array("</\(name)".utf8)
                    var skip = index
                    while skip < count && !starts(endTag, at: skip) { skip += 1 }
                    while skip < count && bytes[skip] != UInt8(ascii: ">") { skip += 1 }
                    index = skip + 1
                    continue
                }
                switch name {
                case "br": newline(1)
                case "tr": newline(1)
                case _ where blocks.contains(name): newline(2)
                case "li":
                    if !closing {
                        newline(1)
                        out += "- ".utf8
                    }
                case "td", "th": pendingSpace = !out.isEmpty && out.last != 0x0A
                case "hr":
                    newline(1)
                    out += "---".utf8
                    newline(1)
                case "a":
                    if closing {
                        if let link = href {
                            let label = String(decoding: out[min(labelStart, out.count)...], as: UTF8.self)
                            if TextTrimming.trimmingWhitespace(label) != link { out += " (\(link))".utf8 }
                        }
                        href = nil
                    } else {
                        href =
                            HTMLLinks.find(in: Array("<a ".utf8) + tag.drop(while: { !HTMLBytes.isSpace($0) }) + [0x3E])
                            .first?
                            .url
                        space()
                        labelStart = out.count
                    }
                default: break
                }
                continue
            }
            // Text up to the next tag: white space collapses to one space; a no-break space is a space that stays.
            var end = index
            while end < count && bytes[end] != UInt8(ascii: "<") { end += 1 }
            let chunk = bytes[index..<end]
            let decoded = chunk.contains(UInt8(ascii: "&")) ? HTMLEntities.decode(bytes: chunk)[...] : chunk
            var position = decoded.startIndex
            while position < decoded.endIndex {
                let current = decoded[position]
                if HTMLBytes.isSpace(current) {
                    pendingSpace = true
                } else if current == 0xC2 && position + 1 < decoded.endIndex && decoded[position + 1] == 0xA0 {
                    space()
                    out.append(0x20)
                    position += 1
                } else {
                    space()
                    out.append(current)
                }
                position += 1
            }
            index = end
        }
        // Each line trimmed, then the whole, on the bytes: only a line that starts or ends with
        // a non-ASCII byte (perhaps a Unicode space) goes through `TextTrimming`'s scalars.
        // A line feed is never part of another scalar in UTF-8; `out` holds no other line break.
        var text: [UInt8] = []
        text.reserveCapacity(out.count)
        var lineStart = 0
        while lineStart <= out.count {
            var lineEnd = lineStart
            while lineEnd < out.count && out[lineEnd] != 0x0A { lineEnd += 1 }
            if lineStart > 0 { text.append(0x0A) }
            var low = lineStart, high = lineEnd
            while low < high && (out[low] == 0x20 || out[low] == 0x09) { low += 1 }
            while high > low && (out[high - 1] == 0x20 || out[high - 1] == 0x09) { high -= 1 }
            if low < high && (out[low] >= 0x80 || out[high - 1] >= 0x80) {
                text += TextTrimming.trimmingWhitespace(String(decoding: out[low..<high], as: UTF8.self)).utf8
            } else {
                text += out[low..<high]
            }
            lineStart = lineEnd + 1
        }
        var low = 0, high = text.count
        while low < high && (text[low] == 0x20 || (0x09...0x0D).contains(text[low])) { low += 1 }
        while high > low && (text[high - 1] == 0x20 || (0x09...0x0D).contains(text[high - 1])) { high -= 1 }
        let trimmed = String(decoding: text[low..<high], as: UTF8.self)
        if low < high && (text[low] >= 0x80 || text[high - 1] >= 0x80) {
            return String(TextTrimming.trimmingWhitespaceAndNewlines(trimmed))
        }
        return trimmed
    }
}
