// The JSON bodies of the outbox's admin routes (lease, ack, fail), read strictly into the operations' parameters.
import Foundation

extension SendOperations {
    /// A body: a JSON object of at most 64 KiB with only `known` keys, else `invalid` naming
    /// the unknown key (or `field` for a body that is no object).
    static func object(_ body: Data, known: [String], shape: String, field: String) throws(OperationError)
        -> [String: JSONDocument]
    {
        guard body.count <= 65_536, let parsed = JSONDocument(parsing: body), case .object(let object) = parsed else {
            throw .invalid("the body must be a JSON object \(shape)", field: field)
        }
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw .invalid("unknown key \"\(unknown.prefix(64))\" in the body; it must be \(shape)", field: unknown)
        }
        return object
    }

    /// `{"limit": N, "lease": "60s"}` (lease optional) → the lease's size and seconds.
    public static func leaseRequest(fromBody body: Data) throws(OperationError) -> (limit: Int, seconds: Int) {
        let shape = "{\"limit\": 1 to \(maximumLease), \"lease\": \"60s\" (optional, 1s to 1d)}"
        let object = try object(body, known: ["limit", "lease"], shape: shape, field: "limit")
        guard case .integer(let limit)? = object["limit"], (1...Int64(maximumLease)).contains(limit) else {
            throw .invalid(
                "limit must be a whole number from 1 to \(maximumLease); the body is \(shape)", field: "limit")
        }
        var seconds = defaultLeaseSeconds
        if let lease = object["lease"] {
            guard case .string(let text) = lease else {
                throw .invalid("lease must be a duration such as \"60s\" or \"5m\"", field: "lease")
            }
            seconds = try leaseSeconds(text)
        }
        return (Int(limit), seconds)
    }

    /// `{"message_id": "…"}`.
    public static func ackRequest(fromBody body: Data) throws(OperationError) -> String {
        let shape = "{\"message_id\": \"…\"}"
        let object = try object(body, known: ["message_id"], shape: shape, field: "message_id")
        guard case .string(let text)? = object["message_id"] else {
            throw .invalid("message_id must be a string; the body is \(shape)", field: "message_id")
        }
        return try messageID(text)
    }

    /// `{"error": "…", "permanent": false}` (permanent optional, false by default).
    public static func failRequest(fromBody body: Data) throws(OperationError) -> (error: String, permanent: Bool) {
        let shape = "{\"error\": \"…\", \"permanent\": false (optional)}"
        let object = try object(body, known: ["error", "permanent"], shape: shape, field: "error")
        guard case .string(let text)? = object["error"] else {
            throw .invalid("error must be a string; the body is \(shape)", field: "error")
        }
        var permanent = false
        if let value = object["permanent"] {
            guard case .bool(let flag) = value else {
                throw .invalid("permanent must be true or false", field: "permanent")
            }
            permanent = flag
        }
        return (try errorText(text), permanent)
    }
}
