// A submitted HTML form (application/x-www-form-urlencoded), bounded, with the CSRF token checked.
import EbbflowHTTP
import Hummingbird
import NIOCore

/// Why our own parser: forms here are small and few, their limits must be ours (16 KiB, 100
/// fields, each value 4 KiB), and a malformed one must be refused with words, not guessed at.
struct FormFields: Sendable {
    static let maxBytes = 16 * 1_024
    static let maxFields = 100
    static let maxValueBytes = 4 * 1_024

    private(set) var pairs: [(name: String, value: String)] = []

    /// The first value named `name`.
    subscript(_ name: String) -> String? { pairs.first { $0.name == name }?.value }

    /// Every value named `name`, in order (checkbox lists).
    func all(_ name: String) -> [String] { pairs.filter { $0.name == name }.map(\.value) }

    init(pairs: [(name: String, value: String)]) { self.pairs = pairs }

    /// Reads and parses the body of `request`.
    static func read(_ request: inout Request) async throws -> FormFields {
        if let type = request.headers[.contentType],
            !type.lowercased().hasPrefix("application/x-www-form-urlencoded")
        {
            throw APIError(.unsupportedMediaType, "forms are sent as application/x-www-form-urlencoded")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: maxBytes)
        } catch {
            throw APIError(.contentTooLarge, "the form is larger than \(maxBytes / 1_024) KiB")
        }
        return try parse(String(buffer: buffer))
    }

    static func parse(_ text: String) throws -> FormFields {
        var pairs: [(name: String, value: String)] = []
        for part in text.split(separator: "&", omittingEmptySubsequences: true) {
            guard pairs.count < maxFields else {
                throw APIError(.badRequest, "the form has more than \(maxFields) fields")
            }
            let halves = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(halves[0]), let value = decode(halves.count > 1 ? halves[1] : "") else {
                throw APIError(.badRequest, "the form is not valid URL encoding")
            }
            guard value.utf8.count <= maxValueBytes else {
                throw APIError(
                    .badRequest, "form field \(name.prefix(40)) is longer than \(maxValueBytes) bytes", field: name)
            }
            pairs.append((name, value))
        }
        return FormFields(pairs: pairs)
    }

    /// `+` as space, `%XX` as a byte; nil for a bad escape or bytes that are not UTF-8.
    private static func decode(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(0x20)
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    return nil
                }
                bytes.append(high << 4 | low)
            default: bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
