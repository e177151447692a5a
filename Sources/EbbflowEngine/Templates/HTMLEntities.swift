// The few HTML character references a rendered message needs decoded: in a link's href, and in the text derived from HTML.
import Foundation

enum HTMLEntities {
    static let named: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " ", "copy": "©", "reg": "®",
        "hellip": "…", "mdash": "—", "ndash": "–", "rsquo": "’", "lsquo": "‘", "rdquo": "”", "ldquo": "“",
        "euro": "€", "trade": "™", "middot": "·", "bull": "•",
    ]

    /// `text` with `&name;`, `&#NNN;` and `&#xHH;` replaced; an unknown or malformed reference stays as written.
    static func decode(_ text: Substring) -> String {
        guard text.utf8.contains(UInt8(ascii: "&")) else { return String(text) }
        return String(decoding: decode(bytes: Array(text.utf8)[...]), as: UTF8.self)
    }

    /// `decode` on UTF-8 bytes, for the text part derived from HTML (every text run of every
    /// render): no String is made but for a named reference's name. A reference ends at a `;`
    /// within the 12 bytes after the `&` (every name and number here is ASCII, so bytes and
    /// characters agree wherever a reference can be valid).
    static func decode(bytes: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        let end = bytes.endIndex
        while index < end {
            let byte = bytes[index]
            index += 1
            guard byte == UInt8(ascii: "&") else {
                out.append(byte)
                continue
            }
            var semicolon = index
            let limit = min(end, index + 12)
            while semicolon < limit && bytes[semicolon] != UInt8(ascii: ";") { semicolon += 1 }
            if semicolon < limit, let value = reference(bytes[index..<semicolon]) {
                out += value.utf8
                index = semicolon + 1
            } else {
                out.append(byte)
            }
        }
        return out
    }

    private static func reference(_ name: ArraySlice<UInt8>) -> String? {
        guard let first = name.first else { return nil }
        if first == UInt8(ascii: "#") {
            var digits = name.dropFirst()
            var radix: UInt32 = 10
            if let x = digits.first, x == UInt8(ascii: "x") || x == UInt8(ascii: "X") {
                radix = 16
                digits = digits.dropFirst()
            }
            guard !digits.isEmpty, digits.count <= 10 else { return nil }
            var code: UInt32 = 0
            for digit in digits {
                let value: UInt32
                switch digit {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt32(digit - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f") where radix == 16:
                    value = UInt32(digit - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F") where radix == 16:
                    value = UInt32(digit - UInt8(ascii: "A") + 10)
                default: return nil
                }
                let (product, overflow) = code.multipliedReportingOverflow(by: radix)
                guard !overflow else { return nil }
                let (sum, carry) = product.addingReportingOverflow(value)
                guard !carry else { return nil }
                code = sum
            }
            guard code != 0, let scalar = Unicode.Scalar(code) else { return nil }
            return String(Character(scalar))
        }
        return named[String(decoding: name, as: UTF8.self)]
    }
}
