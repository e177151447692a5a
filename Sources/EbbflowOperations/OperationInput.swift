// Text the HTTP API receives (query numbers, a promote body) read into the operations' parameters, refused in one shape.
import Foundation

/// The API reads its parameters as text; these turn that text into what the operations take,
/// so a malformed value is refused here, naming its field, before any bound is checked.
public enum OperationInput {
    /// A whole-number query parameter (`limit`, `days`): nil when absent, else its value, or
    /// `invalid` naming `field` when it is not a whole number (`limit=ten`, `limit=1.5`).
    public static func integer(_ text: String?, field: String) throws(OperationError) -> Int? {
        guard let text else { return nil }
        guard let value = Int(text) else {
            throw .invalid("\(field) \"\(text.prefix(64))\" is not a whole number", field: field)
        }
        return value
    }

    /// The variant of a promote body, `{"variant": "…"}`: a JSON object with that one key, a
    /// non-empty string. Anything else is `invalid` naming `variant` (or the unknown key).
    public static func variant(fromBody body: Data) throws(OperationError) -> String {
        let shape = "the body must be a JSON object {\"variant\": \"…\"}"
        guard body.count <= 65_536, let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw .invalid(shape, field: "variant")
        }
        if let unknown = object.keys.sorted().first(where: { $0 != "variant" }) {
            throw .invalid("unknown key \"\(unknown.prefix(64))\" in the body; \(shape)", field: unknown)
        }
        guard let variant = object["variant"] as? String, !variant.isEmpty else {
            throw .invalid("\(shape): variant must be a non-empty string", field: "variant")
        }
        return variant
    }
}
