// The body of a Segment request split into its messages: one for track/identify/page, each item of a batch.
import EbbflowCore
import Foundation

/// One message of a request as read: its 0-based place and its object, or why it cannot be used.
struct BodyMessage {
    var index: Int
    var object: [String: JSONValue]
    var problem: MessageProblem?
}

/// Why the body is read here and not by a `Decodable` type: a batch must keep its good messages
/// when one is bad, so a number out of range, a key written twice or an oversized message
/// refuses that message alone; only a body that is not a batch at all is refused whole.
enum SegmentBody {
    /// Segment's limit for one message (its HTTP tracking API): 32 KB.
    static let maxMessageBytes = 32 * 1024
    /// Keys of a batch body besides `batch`: what Segment's libraries send with it.
    static let batchKeys: Set<String> = ["batch", "sentAt", "context", "integrations", "writeKey", "_metadata"]

    static func messages(_ body: [UInt8], endpoint: IngestEndpoint) throws(IngestError) -> (
        messages: [BodyMessage], batchSentAt: Date?
    ) {
        if endpoint.isSingleMessage && body.count > maxMessageBytes {
            throw .messageTooLarge(bytes: body.count, limit: maxMessageBytes)
        }
        let data = Data(body)
        if JSONDepth.exceeds(DocumentText.maxDepth, in: data) {
            throw .malformed(reason: "the body nests deeper than \(DocumentText.maxDepth) levels", field: nil)
        }
        let top: LenientJSON
        do { top = try JSONDecoder().decode(LenientJSON.self, from: data) } catch {
            throw .malformed(reason: "the body is not valid JSON text (UTF-8)", field: nil)
        }
        let duplicates = JSONDuplicateKeys.all(in: body)
        guard endpoint == .batch else {
            if let (key, path) = duplicates.first {
                throw .malformed(
                    reason: "the key \"\(key)\" appears twice\(path.isEmpty ? "" : " in \(path)")",
                    field: joined(path, key))
            }
            guard let value = top.value else {
                throw .malformed(reason: "a number in the body is out of range", field: nil)
            }
            guard case .object(let object) = value else {
                throw .malformed(reason: "the body must be a JSON object", field: nil)
            }
            return ([BodyMessage(index: 0, object: object)], nil)
        }
        return try batch(top, duplicates: duplicates)
    }

    private static func batch(_ top: LenientJSON, duplicates: [(key: String, path: String)]) throws(IngestError) -> (
        messages: [BodyMessage], batchSentAt: Date?
    ) {
        let members: [String: LenientJSON]
        switch top {
        case .members(let given): members = given
        case .value(.object(let object)): members = object.mapValues { .value($0) }
        default: throw .malformed(reason: "the body must be a JSON object with a batch array", field: nil)
        }
        if let unknown = members.keys.filter({ !batchKeys.contains($0) }).sorted().first {
            throw .malformed(
                reason:
                    "unknown key \"\(unknown)\" in a batch body (known: \(batchKeys.sorted().joined(separator: ", ")))",
                field: unknown)
        }
        var problems: [Int: MessageProblem] = [:]
        for (key, path) in duplicates {
            guard let index = itemIndex(path) else {
                throw .malformed(
                    reason: "the key \"\(key)\" appears twice\(path.isEmpty ? "" : " in \(path)")",
                    field: joined(path, key))
            }
            let inner = path.drop { $0 != "]" }.dropFirst().drop { $0 == "." }
            if problems[index] == nil {
                problems[index] = MessageProblem(
                    "the key \"\(key)\" appears twice\(inner.isEmpty ? "" : " in \(inner)")",
                    field: joined(String(inner), key))
            }
        }
        var batchSentAt: Date?
        if let sentAt = members["sentAt"], sentAt.value != .null {
            guard case .string(let text)? = sentAt.value, let date = ISO8601Text.parse(text) else {
                throw .malformed(reason: "sentAt is not an ISO 8601 time with its zone", field: "sentAt")
            }
            batchSentAt = date
        }
        guard let batch = members["batch"] else { throw .malformed(reason: "batch is missing", field: "batch") }
        let items: [LenientJSON]
        switch batch {
        case .items(let list): items = list
        case .value(.array(let values)): items = values.map { .value($0) }
        default: throw .malformed(reason: "batch must be an array of messages", field: "batch")
        }
        guard !items.isEmpty else { throw .malformed(reason: "batch is empty", field: "batch") }
        var messages: [BodyMessage] = []
        messages.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            guard let value = item.value else {
                messages.append(
                    BodyMessage(
                        index: index, object: [:], problem: MessageProblem("a number is out of range", field: nil)))
                continue
            }
            guard case .object(let object) = value else {
                messages.append(
                    BodyMessage(index: index, object: [:], problem: MessageProblem("not a JSON object", field: nil)))
                continue
            }
            var problem = problems[index]
            if problem == nil {
                var text = ""
                value.write(to: &text)
                if text.utf8.count > maxMessageBytes {
                    problem = MessageProblem(
                        "the message is \(text.utf8.count) bytes (as compact JSON), more than \(maxMessageBytes)",
                        field: nil)
                }
            }
            messages.append(BodyMessage(index: index, object: object, problem: problem))
        }
        return (messages, batchSentAt)
    }

    /// `batch[3]…` → 3: the message a path lies in, nil outside the batch array.
    private static func itemIndex(_ path: String) -> Int? {
        guard path.hasPrefix("batch[") else { return nil }
        return Int(path.dropFirst(6).prefix { $0 != "]" })
    }

    private static func joined(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
}

/// A JSON value decoded so a number no Double holds spoils only the object or array around it.
enum LenientJSON: Decodable {
    case value(JSONValue)
    /// An object with a member out of range somewhere inside.
    case members([String: LenientJSON])
    /// An array with an item out of range somewhere inside.
    case items([LenientJSON])
    case outOfRange

    init(from decoder: any Decoder) throws {
        do { self = .value(try JSONValue(from: decoder)) } catch is JSONValue.OutOfRange {
            let single = try decoder.singleValueContainer()
            if let members = try? single.decode([String: LenientJSON].self) {
                self = .members(members)
            } else if let items = try? single.decode([LenientJSON].self) {
                self = .items(items)
            } else {
                self = .outOfRange
            }
        }
    }

    /// The value, or nil when a number inside it is out of range.
    var value: JSONValue? {
        switch self {
        case .value(let value): return value
        case .outOfRange: return nil
        case .members(let members):
            var object: [String: JSONValue] = [:]
            for (key, member) in members {
                guard let value = member.value else { return nil }
                object[key] = value
            }
            return .object(object)
        case .items(let items):
            var values: [JSONValue] = []
            for item in items {
                guard let value = item.value else { return nil }
                values.append(value)
            }
            return .array(values)
        }
    }
}
