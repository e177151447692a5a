// The encodings a 7-bit message needs: quoted-printable bodies, RFC 2047 encoded-words and folded header lines.
import Foundation

enum MIMEEncoding {
    /// RFC 5322's hard limit for a line, CRLF excluded.
    static let maximumLineLength = 998
    /// The recommended header line length, which folding aims for.
    static let foldWidth = 78

    // MARK: Bodies

    /// UTF-8 text as quoted-printable (RFC 2045 §6.7): lines of at most 76 characters, soft
    /// breaks (`=` CRLF) inside longer ones, '=' and every non-ASCII or control byte as `=XX`,
    /// a space or tab at the end of a line encoded so no transport strips it. Line breaks of any
    /// kind (LF, CRLF, CR) become CRLF; the output ends with CRLF only when the text ended with
    /// a line break, so a part's content is the text exactly.
    static func quotedPrintable(_ text: String) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count + text.utf8.count / 8)
        let textLines = lines(of: text)
        for (lineIndex, line) in textLines.enumerated() {
            if lineIndex > 0 { output.append(contentsOf: [0x0D, 0x0A]) }
            var tokens: [[UInt8]] = []
            for (index, byte) in line.enumerated() {
                let isLast = index == line.count - 1
                let literal =
                    (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "="))
                    || ((byte == 0x20 || byte == 0x09) && !isLast)
                tokens.append(literal ? [byte] : hexEscape(byte))
            }
            var width = 0
            for (index, token) in tokens.enumerated() {
                let isLast = index == tokens.count - 1
                // 75 leaves room for the soft break's '='; the line's last token may use column 76.
                if width + token.count > 75 && !(isLast && width + token.count <= 76) {
                    output.append(contentsOf: Array("=\r\n".utf8))
                    width = 0
                }
                output.append(contentsOf: token)
                width += token.count
            }
        }
        if text.utf8.last == 0x0A || text.utf8.last == 0x0D { output.append(contentsOf: [0x0D, 0x0A]) }
        return output
    }

    /// The text's lines as UTF-8 bytes, split at LF, CRLF or CR; a final line break ends the
    /// last line rather than starting an empty one.
    static func lines(of text: String) -> [[UInt8]] {
        var result: [[UInt8]] = []
        var current: [UInt8] = []
        var previousWasCR = false
        for byte in text.utf8 {
            if byte == 0x0A {
                if !previousWasCR { result.append(current) }
                current = []
                previousWasCR = false
            } else if byte == 0x0D {
                result.append(current)
                current = []
                previousWasCR = true
            } else {
                current.append(byte)
                previousWasCR = false
            }
        }
        if !current.isEmpty || result.isEmpty { result.append(current) }
        return result
    }

    private static func hexEscape(_ byte: UInt8) -> [UInt8] {
        let digits = Array("0123456789ABCDEF".utf8)
        return [UInt8(ascii: "="), digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]]
    }

    // MARK: Headers

    /// An unstructured header value (Subject, an extra header), folded to `Name: value` lines.
    /// Printable ASCII is folded at spaces; anything else (non-ASCII, a word too long to fold
    /// under 78 columns in a Subject, text that looks like an encoded-word) becomes RFC 2047
    /// encoded-words. Returns the field's full text without the final CRLF.
    static func header(name: String, value: String, encodeLongWords: Bool) throws(MIMEError) -> String {
        guard !value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) else {
            throw MIMEError(field: name, "contains CR or LF (header injection)")
        }
        let printable = value.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F }
        let longestWord = value.split(separator: " ").map(\.utf8.count).max() ?? 0
        let needsEncoding =
            !printable || value.contains("=?")
            || (encodeLongWords && longestWord + name.utf8.count + 2 > foldWidth)
        if needsEncoding {
            guard !value.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\t" || $0.value == 0x7F }) else {
                throw MIMEError(field: name, "contains a control character")
            }
            return encodedWords(name: name, value: value)
        }
        return try fold(name: name, value: value)
    }

    /// `Name: value` folded before spaces so lines stay within 78 columns where a space allows;
    /// a word that alone passes 998 is refused.
    static func fold(name: String, value: String) throws(MIMEError) -> String {
        var lines: [String] = []
        var current = "\(name):"
        for word in value.split(separator: " ", omittingEmptySubsequences: false) {
            if current.utf8.count + 1 + word.utf8.count > foldWidth && current.utf8.count > name.utf8.count + 1 {
                lines.append(current)
                current = " " + word
            } else {
                current += " " + word
            }
        }
        lines.append(current)
        guard lines.allSatisfy({ $0.utf8.count <= maximumLineLength }) else {
            throw MIMEError(
                field: name, "has a word longer than \(maximumLineLength) characters, which cannot be folded")
        }
        return lines.joined(separator: "\r\n")
    }

    /// `=?UTF-8?B?…?=` words of at most 75 characters, one per folded line, never splitting a character.
    static func encodedWords(name: String, value: String) -> String {
        // 75 - "=?UTF-8?B?".count - "?=".count = 63 base64 characters: 45 bytes (whole groups of 3).
        let maximumBytes = 45
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in value {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > maximumBytes && !chunk.isEmpty {
                words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
                chunk = []
            }
            chunk.append(contentsOf: bytes)
        }
        if !chunk.isEmpty || words.isEmpty { words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=") }
        return "\(name): " + words.joined(separator: "\r\n ")
    }

    /// A display name as a phrase: as is when it is plain atoms, quoted when it has specials,
    /// encoded-words when it is not printable ASCII.
    static func phrase(_ name: String) -> String {
        let printable = name.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F }
        guard printable, !name.contains("=?") else {
            return String(encodedWords(name: "", value: name).dropFirst(2))
        }
        let atext = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~ ")
        if name.allSatisfy({ atext.contains($0) }) { return name }
        let escaped = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "\"\(escaped)\""
    }
}
