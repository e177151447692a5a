// Reading a provider's JSON payload field by field: bounded texts, numbers and times, each refusal naming its field.
import EbbflowEngine
import Foundation

/// A JSON object of a payload and where it sits (`[3]`, `event-data`), so a refusal names the
/// field as the provider's documentation does (`[3].timestamp`, `event-data.severity`).
struct WebhookJSON {
    let values: [String: Any]
    let path: String

    /// The body parsed as JSON (at most `WebhookLimits.maxDepth` levels), or a 400.
    static func parse(_ body: [UInt8]) throws(WebhookRefusal) -> Any {
        guard !exceedsDepth(body) else {
            throw .malformed("the body nests deeper than \(WebhookLimits.maxDepth) levels", field: nil)
        }
        do {
            return try JSONSerialization.jsonObject(with: Data(body), options: [])
        } catch {
            throw .malformed("the body is not JSON", field: nil)
        }
    }

    static func object(_ value: Any?, at path: String) throws(WebhookRefusal) -> WebhookJSON {
        guard let values = value as? [String: Any] else {
            throw .malformed("\(path) must be a JSON object", field: path)
        }
        return WebhookJSON(values: values, path: path)
    }

    func field(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// A text, nil when absent or null; refused when not a text, longer than `max` bytes, or
    /// holding a NUL character (PostgreSQL stores none).
    func string(_ key: String, max: Int = WebhookLimits.maxTextBytes) throws(WebhookRefusal) -> String? {
        guard let value = values[key], !(value is NSNull) else { return nil }
        guard let text = value as? String else { throw .malformed("\(field(key)) must be a string", field: field(key)) }
        guard text.utf8.count <= max else {
            throw .malformed("\(field(key)) is longer than \(max) bytes", field: field(key))
        }
        guard !text.utf8.contains(0) else { throw .malformed("\(field(key)) holds a NUL character", field: field(key)) }
        return text
    }

    func requiredString(_ key: String, max: Int = WebhookLimits.maxTextBytes) throws(WebhookRefusal) -> String {
        guard let text = try string(key, max: max), !text.isEmpty else {
            throw .malformed("\(field(key)) is required", field: field(key))
        }
        return text
    }

    /// A number (a text of digits is taken too: providers differ), nil when absent or null.
    func number(_ key: String) throws(WebhookRefusal) -> Double? {
        guard let value = values[key], !(value is NSNull) else { return nil }
        if let number = value as? NSNumber, !(value is String) { return number.doubleValue }
        if let text = value as? String, text.utf8.count <= 32, let number = Double(text), number.isFinite {
            return number
        }
        throw .malformed("\(field(key)) must be a number", field: field(key))
    }

    /// A flag: JSON true/false (or 1/0), nil when absent or null.
    func bool(_ key: String) throws(WebhookRefusal) -> Bool? {
        guard let value = values[key], !(value is NSNull) else { return nil }
        if let flag = value as? Bool { return flag }
        throw .malformed("\(field(key)) must be true or false", field: field(key))
    }

    /// A time given as Unix seconds, within 1970...9999.
    func unixTime(_ key: String) throws(WebhookRefusal) -> Date? {
        guard let seconds = try number(key) else { return nil }
        guard seconds.isFinite, (0...253_402_300_799).contains(seconds) else {
            throw .malformed("\(field(key)) must be Unix seconds within 1970...9999", field: field(key))
        }
        return Date(timeIntervalSince1970: seconds)
    }

    /// A time given as RFC 3339 text (Postmark), fractional seconds allowed.
    func isoTime(_ key: String) throws(WebhookRefusal) -> Date? {
        guard let text = try string(key, max: 64) else { return nil }
        guard let date = Self.rfc3339(text) else {
            throw .malformed("\(field(key)) must be an RFC 3339 time", field: field(key))
        }
        return date
    }

    func object(_ key: String) throws(WebhookRefusal) -> WebhookJSON? {
        guard let value = values[key], !(value is NSNull) else { return nil }
        return try Self.object(value, at: field(key))
    }

    /// ebbflow's send id as a provider carries it in custom arguments (`"42"` or `42`); nil when
    /// absent or not a positive integer: the event then finds its contact by address.
    func sendID(_ key: String = "ebbflow_send_id") -> Int64? {
        switch values[key] {
        case let text as String: Int64(text.trimmingCharacters(in: .whitespaces)).flatMap { $0 > 0 ? $0 : nil }
        case let number as NSNumber where !(number is Bool):
            number.doubleValue == number.doubleValue.rounded() && number.int64Value > 0 ? number.int64Value : nil
        default: nil
        }
    }

    static func rfc3339(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = fractional.date(from: text) { return date }
        // Postmark writes up to seven fraction digits (.NET ticks), which ISO8601DateFormatter refuses.
        guard let dot = text.firstIndex(of: "."),
            let end = text[dot...].firstIndex(where: { $0 == "Z" || $0 == "+" || $0 == "-" })
        else { return nil }
        let digits = text[text.index(after: dot)..<end]
        guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy(\.isNumber) else { return nil }
        return fractional.date(from: String(text[..<dot]) + "." + digits.prefix(3) + String(text[end...]))
    }

    /// True when the JSON text opens more than the allowed levels inside each other.
    static func exceedsDepth(_ body: [UInt8]) -> Bool { JSONDepth.exceeds(WebhookLimits.maxDepth, in: body) }

    /// Properties as JSON object text (sorted keys), for `ProviderEvent.properties`.
    static func properties(_ object: [String: Any]) -> String {
        guard
            let data = try? JSONSerialization.data(
                withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
