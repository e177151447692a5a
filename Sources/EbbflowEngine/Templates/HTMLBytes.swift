// The byte tests the HTML scanners share (links, the text part): ASCII case folding, HTML's white space, a case-blind prefix.

/// Why bytes: the template's HTML is scanned once per render for links and once for the text
/// part; working on UTF-8 bytes keeps both scans linear and cheap, and every byte they test is ASCII.
enum HTMLBytes {
    /// An ASCII upper-case letter folded to lower case; any other byte as it is.
    @inline(__always) static func lower(_ byte: UInt8) -> UInt8 {
        (0x41...0x5A).contains(byte) ? byte | 0x20 : byte
    }

    /// HTML's ASCII white space: space, tab, line feed, carriage return, form feed.
    @inline(__always) static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0C
    }

    /// Whether `bytes` holds `needle` (lower case) at `position`, ignoring ASCII case.
    static func starts(_ needle: [UInt8], in bytes: [UInt8], at position: Int) -> Bool {
        guard position + needle.count <= bytes.count else { return false }
        for offset in 0..<needle.count where lower(bytes[position + offset]) != needle[offset] { return false }
        return true
    }

    /// Whether `bytes` is `lowercased` (lower case ASCII) ignoring ASCII case, without a copy.
    @inline(__always) static func equals(_ bytes: ArraySlice<UInt8>, lowercased: [UInt8]) -> Bool {
        guard bytes.count == lowercased.count else { return false }
        var index = bytes.startIndex
        for byte in lowercased {
            guard lower(bytes[index]) == byte else { return false }
            index += 1
        }
        return true
    }
}
