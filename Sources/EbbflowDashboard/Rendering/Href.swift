// Parts of links the dashboard makes from stored names: percent-encoded so a name never changes a link's meaning.
import Foundation

enum Href {
    /// Letters, digits and `-._~` kept; everything else (a `/`, `?`, `&`, space) escaped.
    static let unreserved = CharacterSet(
        charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")

    static func component(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }
}
