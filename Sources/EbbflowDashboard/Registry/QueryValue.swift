// A page's query parameter as its filters read it: trimmed, and nil when absent or blank.
import Hummingbird

extension Request {
    /// Why blank is absent: a filter form sends every field, empty ones included (`?segment=`).
    func queryValue(_ name: String) -> String? {
        guard let value = uri.queryParameters.get(name)?.trimmingCharacters(in: .whitespaces), !value.isEmpty
        else { return nil }
        return value
    }
}
