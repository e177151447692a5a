// The variables a template sees for one send: the contact, its last activity, the send, the unsubscribe URL.
import EbbflowCore
import Foundation

/// Names, as a template writes them:
/// - `external_id`, `email`, `attributes.*` (the contact's attributes, as imported or identified);
/// - `last_activity.kind`, `last_activity.url`, `last_activity.at` (the contact's latest
///   engagement a person made: machine opens, scanners' clicks and consent events excluded);
/// - `send.id`, `send.template`, `send.version`, `send.experiment`, `send.variant`, `send.attempt`;
/// - `unsubscribe_url` (the contact's signed one-click URL, when a public base URL is set);
/// - and whatever the deciding code left on the send (reactivation emails carry
///   `last_engagement_kind`, `last_engagement_url`, `last_engagement_at`), unless it has one of the names above.
///
/// A value that is absent or JSON null is missing: it renders empty and is counted.
enum TemplateVariables {
    /// Lists read from attributes keep at most this many items: a section over a list renders
    /// once per item, and nested sections multiply.
    static let maxListItems = 100

    struct Contact {
        var attributes: [String: Any]
        var lastKind: String?
        var lastURL: String?
        var lastAt: Date?
    }

    static func context(for send: LeasedSend, version: Int, contact: Contact?, unsubscribeURL: String?)
        -> [String: Any]
    {
        var root: [String: Any] = [:]
        // Most sends carry no variables of their own (`{}`): skip the JSON decoder for them.
        if !Self.isEmptyObject(send.variables.bytes),
            let decided = try? DocumentValue.parse(json: send.variables.bytes),
            case .object = decided,
            let fields = value(decided) as? [String: Any]
        {
            root = fields
        }
        root["external_id"] = send.externalID
        root["email"] = send.email
        root["attributes"] = contact?.attributes ?? [:]
        var last: [String: Any] = [:]
        if let kind = contact?.lastKind { last["kind"] = kind }
        if let url = contact?.lastURL { last["url"] = url }
        if let at = contact?.lastAt { last["at"] = ISO8601Text.string(at) }
        root["last_activity"] = last
        var sendFields: [String: Any] = ["template": send.template, "version": version]
        // A preview has no send (id 0): its id and attempt are absent, not zero.
        if send.id != 0 {
            sendFields["id"] = send.id
            sendFields["attempt"] = send.attempt
        }
        if let experiment = send.experiment { sendFields["experiment"] = experiment }
        if let variant = send.variant { sendFields["variant"] = variant }
        root["send"] = sendFields
        root["unsubscribe_url"] = unsubscribeURL
        return root
    }

    /// Whether `json` is an empty object (`{}`, white space allowed), or empty.
    static func isEmptyObject(_ json: Data) -> Bool {
        let meaningful = json.lazy.filter { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }
        var iterator = meaningful.makeIterator()
        guard let first = iterator.next() else { return true }
        return first == UInt8(ascii: "{") && iterator.next() == UInt8(ascii: "}") && iterator.next() == nil
    }

    /// A contact's attributes as template values.
    static func attributes(_ json: Data) -> [String: Any] {
        guard let parsed = try? DocumentValue.parse(json: json) else { return [:] }
        return value(parsed) as? [String: Any] ?? [:]
    }

    /// A JSON value as Mustache reads it: text, numbers, booleans (a section shows for true),
    /// lists (bounded) and mappings; null is absent.
    static func value(_ value: DocumentValue) -> Any? {
        switch value {
        case .null: nil
        case .bool(let flag): flag
        case .integer(let number): number
        case .number(let number): number
        case .string(let text): text
        case .list(let items): items.prefix(maxListItems).compactMap { Self.value($0) }
        case .object(let fields):
            fields.reduce(into: [String: Any]()) { result, field in
                if let converted = Self.value(field.value) { result[field.key] = converted }
            }
        }
    }
}
