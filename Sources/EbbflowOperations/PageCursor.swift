// Opaque keyset cursors for paged lists: what they hold, how they are written, how a bad one is refused.
import Foundation

/// Where the next page of a list starts: the key of the last row a page returned, tagged with
/// the list it belongs to and written as base64url, so a client passes it back unread. Keyset,
/// not offset: a page costs an index range scan however deep, and rows inserted meanwhile
/// neither repeat nor shift what follows.
public enum PageCursor {
    /// The tags of the lists that page; a cursor from one list is refused by another.
    enum List: String {
        case contacts = "c"
        case jobs = "j"
    }

    /// Key bytes a cursor may carry: an external id is at most 256 bytes; this leaves room.
    static let maxKeyBytes = 1_024

    static func make(_ list: List, key: String) -> String {
        Data("\(list.rawValue):\(key)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The key a cursor carries, or `invalid` naming `cursor` when it is not one this list wrote.
    static func key(_ cursor: String, list: List) throws(OperationError) -> String {
        let refused = OperationError.invalid(
            "cursor \"\(cursor.prefix(64))\" is not a cursor this list returned; start again without one",
            field: "cursor")
        guard !cursor.isEmpty, cursor.utf8.count <= (maxKeyBytes + 8) * 4 / 3 + 4,
            cursor.utf8.allSatisfy({ isBase64URL($0) })
        else { throw refused }
        var text = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        text += String(repeating: "=", count: (4 - text.utf8.count % 4) % 4)
        guard let data = Data(base64Encoded: text), let decoded = String(data: data, encoding: .utf8),
            decoded.hasPrefix("\(list.rawValue):")
        else { throw refused }
        let key = String(decoded.dropFirst(list.rawValue.count + 1))
        guard !key.isEmpty, !key.contains("\u{0}") else { throw refused }
        return key
    }

    private static func isBase64URL(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
            || byte == 0x2D || byte == 0x5F
    }
}

/// One page of a keyset-paged list: the rows (for the CLI's table), their documents, and the
/// cursor of the next page (nil on the last).
public struct Page<Row: Sendable>: Sendable {
    /// The rows of this page, as the stores return them.
    public var rows: [Row]
    /// One document per row: the fields of the list's `--json` items.
    public var items: [JSONDocument]
    /// Pass back as `cursor` for the next page; nil when this page is the last.
    public var nextCursor: String?
    /// The list's name in the page document (`contacts`, `jobs`).
    public var key: String

    /// `{"<key>": [items], "next_cursor": "…" | null}`: the API's page.
    public var document: JSONDocument { .object([key: .array(items), "next_cursor": .text(nextCursor)]) }

    /// The bare array: what the CLI's `--json` prints (its shape from before paging).
    public var itemsDocument: JSONDocument { .array(items) }
}
