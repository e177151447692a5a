// Text the front doors receive (ids, state filters, page sizes, query numbers, a promote body) read into the operations' parameters, refused in one shape.
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

    /// An id written as text (a path segment) of a `noun` ("job", "send"): a positive whole
    /// number, else `invalid` naming `id`.
    public static func id(_ text: String, of noun: String) throws(OperationError) -> Int64 {
        guard let id = Int64(text), id > 0 else {
            throw .invalid("\(noun) id \"\(text.prefix(64))\" is not a positive whole number", field: "id")
        }
        return id
    }

    /// A state filter: nil, or one of `states`, else `invalid` naming `state`.
    public static func state(_ state: String?, in states: [String]) throws(OperationError) -> String? {
        guard let state else { return nil }
        guard states.contains(state) else {
            throw .invalid(
                "--state must be one of \(states.joined(separator: ", ")); got \(state.prefix(64))", field: "state")
        }
        return state
    }

    /// A page size: `defaultLimit` when nil, else 1...`maximum`, or `invalid` naming `limit`.
    public static func limit(_ limit: Int?, defaultLimit: Int, maximum: Int) throws(OperationError) -> Int {
        guard let limit else { return defaultLimit }
        guard limit > 0 && limit <= maximum else {
            throw .invalid("--limit must be 1...\(maximum), got \(limit)", field: "limit")
        }
        return limit
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
