// Finds the http(s) links of a rendered HTML message and rewrites them to tracked click URLs; adds the open pixel.
import Foundation

/// Why a scanner of our own and not a parser: it only has to find the `href` of `<a>` and
/// `<area>` tags (never a `<link>` stylesheet's), with quotes or without, outside comments, and
/// to replace exactly those bytes; everything else of the author's HTML passes through as written.
enum HTMLLinks {
    /// One link: the bytes of its attribute value (quotes excluded) and the URL it names.
    struct Link: Sendable {
        var range: Range<Int>
        var quoted: Bool
        var url: String
    }

    private static let aTag = Array("a".utf8), areaTag = Array("area".utf8), href = Array("href".utf8)
    private static let comment = Array("<!--".utf8), commentEnd = Array("-->".utf8)

    /// The http and https links of `<a href>` and `<area href>`, in order.
    static func find(in html: [UInt8]) -> [Link] {
        var links: [Link] = []
        var index = 0
        let count = html.count
        func starts(_ needle: [UInt8], at position: Int) -> Bool { HTMLBytes.starts(needle, in: html, at: position) }
        while index < count {
            guard html[index] == UInt8(ascii: "<") else {
                index += 1
                continue
            }
            if starts(comment, at: index) {
                var end = index + 4
                while end < count && !starts(commentEnd, at: end) { end += 1 }
                index = end + 3
                continue
            }
            // The tag's name.
            var cursor = index + 1
            let nameStart = cursor
            while cursor < count, !HTMLBytes.isSpace(html[cursor]), html[cursor] != UInt8(ascii: ">"),
                html[cursor] != UInt8(ascii: "/")
            {
                cursor += 1
            }
            let name = html[nameStart..<cursor]
            let linking = HTMLBytes.equals(name, lowercased: aTag) || HTMLBytes.equals(name, lowercased: areaTag)
            // Its attributes, up to the closing `>` (quoted values may hold one).
            while cursor < count && html[cursor] != UInt8(ascii: ">") {
                guard HTMLBytes.isSpace(html[cursor]) || html[cursor] == UInt8(ascii: "/") else {
                    // An attribute name, then maybe `=` and a value.
                    let attributeStart = cursor
                    while cursor < count, !HTMLBytes.isSpace(html[cursor]), html[cursor] != UInt8(ascii: "="),
                        html[cursor] != UInt8(ascii: ">")
                    {
                        cursor += 1
                    }
                    let attribute = html[attributeStart..<cursor]
                    var probe = cursor
                    while probe < count && HTMLBytes.isSpace(html[probe]) { probe += 1 }
                    guard probe < count && html[probe] == UInt8(ascii: "=") else { continue }
                    probe += 1
                    while probe < count && HTMLBytes.isSpace(html[probe]) { probe += 1 }
                    guard probe < count else {
                        cursor = probe
                        break
                    }
                    let valueRange: Range<Int>, quoted: Bool
                    if html[probe] == UInt8(ascii: "\"") || html[probe] == UInt8(ascii: "'") {
                        let quote = html[probe]
                        var end = probe + 1
                        while end < count && html[end] != quote { end += 1 }
                        valueRange = (probe + 1)..<min(end, count)
                        quoted = true
                        cursor = min(end + 1, count)
                    } else {
                        var end = probe
                        while end < count && !HTMLBytes.isSpace(html[end]) && html[end] != UInt8(ascii: ">") {
                            end += 1
                        }
                        valueRange = probe..<end
                        quoted = false
                        cursor = end
                    }
                    if linking && HTMLBytes.equals(attribute, lowercased: href) {
                        let raw = String(decoding: html[valueRange], as: UTF8.self)
                        let url = HTMLEntities.decode(TextTrimming.trimmingWhitespaceAndNewlines(raw))
                        let scheme = url.prefix(8).lowercased()
                        if scheme.hasPrefix("http://") || scheme.hasPrefix("https://") {
                            links.append(Link(range: valueRange, quoted: quoted, url: url))
                        }
                    }
                    continue
                }
                cursor += 1
            }
            index = cursor + 1
        }
        return links
    }

    /// `html` with each link whose replacement `replacement(link)` gives rewritten, and `pixel`
    /// (an `<img>`) put before the last `</body>`, or at the end when there is none.
    static func rewrite(_ html: [UInt8], links: [Link], replacement: (Link) -> String?, pixel: String?) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(html.count + links.count * 64 + 200)
        var position = 0
        for link in links {
            guard let url = replacement(link) else { continue }
            out += html[position..<link.range.lowerBound]
            if link.quoted {
                out += url.utf8
            } else {
                out.append(UInt8(ascii: "\""))
                out += url.utf8
                out.append(UInt8(ascii: "\""))
            }
            position = link.range.upperBound
        }
        out += html[position...]
        if let pixel {
            let tag = Array(
                "<img src=\"\(pixel)\" width=\"1\" height=\"1\" alt=\"\" style=\"display:block;border:0;width:1px;height:1px\">"
                    .utf8)
            if let body = lastClosingBody(out) {
                out.insert(contentsOf: tag, at: body)
            } else {
                out += tag
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func lastClosingBody(_ html: [UInt8]) -> Int? {
        let needle = Array("</body".utf8)
        guard html.count >= needle.count else { return nil }
        var index = html.count - needle.count
        while index >= 0 {
            var matches = true
            for offset in 0..<needle.count {
                let byte = html[index + offset]
                if ((0x41...0x5A).contains(byte) ? byte | 0x20 : byte) != needle[offset] {
                    matches = false
                    break
                }
            }
            if matches { return index }
            index -= 1
        }
        return nil
    }
}
