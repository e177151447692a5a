// The outbox for both front doors: list sends, lease due ones, ack or fail one by id.
import EbbflowCore
import EbbflowEngine
import Foundation
import PostgresClient

/// `sends list|lease|ack|fail` and `GET /v1/sends`, `POST /v1/sends/lease`,
/// `POST /v1/sends/{id}/ack`, `POST /v1/sends/{id}/fail`: a team's own sender consumes the
/// outbox through these (ebbflow's own delivery calls `SendOutbox` directly).
public struct SendOperations: Sendable {
    public let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    public static let defaultLimit = 100
    /// The largest page of `sends list` the API serves (the CLI passes its own, larger, bound).
    public static let maximumLimit = 1_000
    /// The most sends one lease hands over (`SendOutbox.limitBounds`).
    public static let maximumLease = SendOutbox.limitBounds.upperBound
    /// The default lease, and its bounds as durations.
    public static let defaultLeaseSeconds = 60
    public static let leaseBounds = SendOutbox.leaseSecondsBounds

    /// A send id written as text (a path segment): a positive whole number, else `invalid` naming `id`.
    public static func id(_ text: String) throws(OperationError) -> Int64 {
        try OperationInput.id(text, of: "send")
    }

    /// Checks a state filter: nil or one of the states, naming `state`.
    public static func state(_ state: String?) throws(OperationError) -> String? {
        try OperationInput.state(state, in: OutboxEntry.states)
    }

    /// Checks a page size: `defaultLimit` when nil, else 1...`maximum`, naming `limit`.
    public static func limit(_ limit: Int?, maximum: Int = maximumLimit) throws(OperationError) -> Int {
        try OperationInput.limit(limit, defaultLimit: defaultLimit, maximum: maximum)
    }

    /// Checks `after`: nil is 0 (from the start), else 0 or a positive id, naming `after`.
    public static func after(_ after: Int64?) throws(OperationError) -> Int64 {
        guard let after else { return 0 }
        guard after >= 0 else { throw .invalid("--after must be a send id (0 or more), got \(after)", field: "after") }
        return after
    }

    /// A lease's length as a duration (`60s`, `5m`): 1 s to 1 day, naming `lease`.
    public static func leaseSeconds(_ text: String?) throws(OperationError) -> Int {
        guard let text else { return defaultLeaseSeconds }
        do {
            let seconds = try InputBounds.duration(
                text, field: "--lease", minimum: Double(leaseBounds.lowerBound),
                maximum: Double(leaseBounds.upperBound))
            guard seconds == seconds.rounded() else {
                throw OperationError.invalid("--lease \"\(text.prefix(64))\": must be whole seconds", field: "lease")
            }
            return Int(seconds)
        } catch let error as BoundError {
            throw .invalid(error.description, field: "lease")
        } catch let error as OperationError {
            throw error
        } catch {
            throw .invalid("--lease \"\(text.prefix(64))\": not a duration", field: "lease")
        }
    }

    /// A message id: 1 to 998 bytes of printable ASCII (what a Message-ID or a provider's id is), naming `message_id`.
    public static func messageID(_ text: String) throws(OperationError) -> String {
        guard !text.isEmpty, text.utf8.count <= SendOutbox.messageIDBytes,
            text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else {
            throw .invalid(
                "--message-id must be 1 to \(SendOutbox.messageIDBytes) bytes of printable ASCII without spaces",
                field: "message_id")
        }
        return text
    }

    /// A lease token as `sends lease` printed it (a UUID), naming `lease_token`; nil stays nil.
    /// With one, an ack or fail applies only while that lease holds the send (else a
    /// conflict): a sender whose lease lapsed and was taken by another finishes nothing.
    public static func leaseToken(_ text: String?) throws(OperationError) -> UUID? {
        guard let text else { return nil }
        guard let token = UUID(uuidString: text) else {
            throw .invalid("--lease-token \"\(text.prefix(64))\" is not a lease token (a UUID)", field: "lease_token")
        }
        return token
    }

    /// An error text: 1 to 65,536 bytes (kept cut to `SendOutbox.errorBytes`, saying so), naming `error`.
    public static func errorText(_ text: String) throws(OperationError) -> String {
        guard !text.isEmpty, text.utf8.count <= 65_536, !text.utf8.contains(0) else {
            throw .invalid("--error must be 1 to 65536 bytes of text without NUL", field: "error")
        }
        return text
    }

    /// One page of sends, oldest first (by id), of `state` (nil: any), after id `after`. Only reads.
    public func list(
        state: String?, after: Int64?, limit: Int?, maximumLimit: Int = SendOperations.maximumLimit,
        on database: PGConnection
    ) async throws -> (rows: [OutboxEntry], document: JSONDocument) {
        let state = try Self.state(state)
        let limit = try Self.limit(limit, maximum: maximumLimit)
        let after = try Self.after(after)
        let outbox = SendOutbox(schema: schema)
        var rows = try await database.run { try outbox.list(state: state, after: after, limit: limit + 1, on: $0) }
        let more = rows.count > limit
        if more { rows.removeLast(rows.count - limit) }
        return (
            rows,
            .object([
                "sends": .array(rows.map(Self.document)),
                "next_after": more ? rows.last.map { JSONDocument.integer($0.id) } ?? .null : .null,
            ])
        )
    }

    /// Leases up to `limit` due sends for `leaseSeconds`: `{"sends": [...], "cancelled": n,
    /// "snoozed": n, "dead": n}`, each send with its `lease_token` and `lease_expires_at`.
    public func lease(limit: Int, leaseSeconds: Int, on database: PGConnection) async throws -> (
        lease: SendLease, document: JSONDocument
    ) {
        guard (1...Self.maximumLease).contains(limit) else {
            throw OperationError.invalid("--limit must be 1...\(Self.maximumLease), got \(limit)", field: "limit")
        }
        guard Self.leaseBounds.contains(leaseSeconds) else {
            throw OperationError.invalid(
                "--lease must be 1s...1d, got \(leaseSeconds)s", field: "lease")
        }
        let outbox = SendOutbox(schema: schema)
        let lease = try await database.run { try outbox.lease(limit: limit, leaseSeconds: leaseSeconds, on: $0) }
        return (
            lease,
            .object([
                "sends": .array(lease.sends.map(Self.document)), "cancelled": .whole(lease.cancelled),
                "snoozed": .whole(lease.snoozed), "dead": .whole(lease.dead),
            ])
        )
    }

    /// Acks send `id` as sent with `messageID`. `notFound` for an unknown send; `conflict` for
    /// one already finished otherwise (sent with another id, dead, cancelled). Repeating an
    /// ack with the same message id answers as the first did.
    public func ack(id: Int64, messageID: String, leaseToken: String? = nil, on database: PGConnection) async throws
        -> ActionOutcome
    {
        let messageID = try Self.messageID(messageID)
        let token = try Self.leaseToken(leaseToken)
        return try await finish(SendResult(id: id, token: token, outcome: .sent(messageID: messageID)), on: database)
    }

    /// Records a failed attempt of send `id`: retried with backoff, or `dead` when `permanent`
    /// or its attempts are spent. `notFound`/`conflict` as for `ack`.
    public func fail(
        id: Int64, error: String, permanent: Bool, leaseToken: String? = nil, on database: PGConnection
    ) async throws -> ActionOutcome {
        let error = try Self.errorText(error)
        let token = try Self.leaseToken(leaseToken)
        return try await finish(
            SendResult(id: id, token: token, outcome: .failed(error: error, permanent: permanent)), on: database)
    }

    private func finish(_ result: SendResult, on database: PGConnection) async throws -> ActionOutcome {
        let outbox = SendOutbox(schema: schema)
        let id = result.id
        let outcome = try await database.run { try outbox.finish([result], on: $0)[id] } ?? .unknown
        switch outcome {
        case .sent:
            return ActionOutcome("send \(id) sent", ["id": .integer(id), "state": "sent"])
        case .retrying(let at):
            return ActionOutcome(
                "send \(id) failed; retried from \(OperationTime.text(at))",
                ["id": .integer(id), "state": "failed", "retry_at": .time(at)])
        case .dead:
            return ActionOutcome("send \(id) dead: no more attempts", ["id": .integer(id), "state": "dead"])
        case .alreadyFinished(let state):
            throw OperationError.conflict("send \(id) is already finished (\(state)); nothing changed")
        case .leaseLost:
            throw OperationError.conflict(
                "send \(id) is no longer held by that lease (it lapsed and was taken again, or the send was finished); nothing changed"
            )
        case .unknown:
            throw OperationError.notFound("no send \(id)")
        }
    }

    /// A send as `sends list --json` prints it.
    public static func document(_ entry: OutboxEntry) -> JSONDocument {
        var object: [String: JSONDocument] = [
            "id": .integer(entry.id), "external_id": .string(entry.externalID), "email": .text(entry.email),
            "flow": .string(entry.flow), "step": .whole(entry.step), "template": .string(entry.template),
            "template_version": .whole(entry.templateVersion), "channel": .string(entry.channel),
            "format": .string(entry.format), "at": .time(entry.at), "state": .string(entry.state),
            "attempts": .whole(entry.attempts),
        ]
        let optional: [String: JSONDocument] = [
            "not_before": .time(entry.notBefore), "lease_expires_at": .time(entry.leaseExpiresAt),
            "sent_at": .time(entry.sentAt), "message_id": .text(entry.messageID),
            "finished_at": .time(entry.finishedAt),
            "cancel_reason": .text(entry.cancelReason), "last_error": .text(entry.lastError),
            "experiment": .text(entry.experiment), "variant": .text(entry.variant),
        ]
        for (key, value) in optional where value != .null { object[key] = value }
        return .object(object)
    }

    /// A leased send as `sends lease --json` prints it: what a sender needs to render and
    /// address it, and the lease (`lease_token` and `lease_expires_at`).
    public static func document(_ send: LeasedSend) -> JSONDocument {
        [
            "id": .integer(send.id), "external_id": .string(send.externalID), "email": .text(send.email),
            "flow": .string(send.flow), "step": .whole(send.step), "template": .string(send.template),
            "template_version": .whole(send.templateVersion), "channel": .string(send.channel),
            "format": .string(send.format), "variables": JSONDocument(parsing: send.variables.bytes) ?? .object([:]),
            "experiment": .text(send.experiment), "variant": .text(send.variant), "attempt": .whole(send.attempt),
            "at": .time(send.decidedAt), "lease_token": .string(send.leaseToken.uuidString.lowercased()),
            "lease_expires_at": .time(send.leaseExpiresAt),
        ]
    }
}
