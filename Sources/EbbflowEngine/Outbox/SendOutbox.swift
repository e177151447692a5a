// The outbox's lifecycle: consumers lease due sends, renew their leases, and finish each as sent or failed.
import EbbflowCore
import Foundation
import PostgresClient

/// What one lease did: the sends now held, and how many due sends it cancelled (their contact
/// may no longer receive them), snoozed (quiet hours) or gave up on (attempts spent).
public struct SendLease: Sendable {
    public var sends: [LeasedSend]
    public var cancelled: Int
    public var snoozed: Int
    public var dead: Int
    public init(sends: [LeasedSend], cancelled: Int, snoozed: Int, dead: Int = 0) {
        self.sends = sends
        self.cancelled = cancelled
        self.snoozed = snoozed
        self.dead = dead
    }
}

/// A consumer's word on one send.
public struct SendResult: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        /// Accepted by the relay or provider, with its message id.
        case sent(messageID: String)
        /// Refused or not delivered: `permanent` (a 5xx, a hard bounce) makes it `dead` at once,
        /// otherwise it is retried with backoff until its attempts are spent.
        case failed(error: String, permanent: Bool)
    }
    public var id: Int64
    /// The lease's token; nil finishes by id alone (`sends ack`/`sends fail`, the admin API),
    /// for a team's sender that acks what it leased, possibly after its lease lapsed.
    public var token: UUID?
    public var outcome: Outcome
    public init(id: Int64, token: UUID?, outcome: Outcome) {
        self.id = id
        self.token = token
        self.outcome = outcome
    }
}

/// What a finish did to one send.
public enum SendFinishOutcome: Sendable, Equatable {
    /// Now `sent` (or already was, with the same message id: an ack repeated is idempotent).
    case sent
    /// `failed`, retried from `at`.
    case retrying(at: Date)
    /// `dead`: a permanent failure, or the last attempt failed.
    case dead
    /// Already `sent` (with another message id), `dead` or `cancelled`: nothing changed.
    case alreadyFinished(state: String)
    /// The token no longer holds the lease (it expired and was taken, or the send was finished
    /// by another): nothing changed.
    case leaseLost
    /// No such send.
    case unknown
}

/// Why an outbox: ebbflow decides who gets which message and when, in the transaction that
/// re-checks the contact; the send is a row written there. Delivering it is another
/// transaction's job, ebbflow's own (`deliver` jobs) or a team's sender (`sends lease`): a
/// consumer leases due sends for a while (`FOR UPDATE SKIP LOCKED`, so consumers never share
/// one), then finishes each with the provider's message id or the error. A lease that expires
/// returns its send, so a consumer killed at any point loses nothing; the price is that a
/// message in flight at the kill may be delivered twice (its id is the same, see
/// `LeasedSend.id`). The contact is re-checked in the lease's statement, so a send decided
/// before its contact was suppressed, engaged or left its stream is cancelled, never delivered.
public struct SendOutbox: Sendable {
    let schema: SchemaName
    var sql: OutboxSQL { OutboxSQL(schema: schema) }

    public init(schema: SchemaName) { self.schema = schema }

    /// Sends a lease may take at once, and how long a lease may last.
    public static let limitBounds = 1...10_000
    public static let leaseSecondsBounds = 1...86_400
    /// A kept error's length at most, in UTF-8 bytes; a longer one is cut and says so. Why:
    /// an SMTP reply or a provider's body is the consumer's text, of any length.
    public static let errorBytes = 2_000
    /// A message id's length at most (RFC 5322's line limit).
    public static let messageIDBytes = 998

    /// Leases up to `limit` due sends for `leaseSeconds`, in one statement (one transaction,
    /// one reading of the clock); see `OutboxSQL.lease` for what is cancelled or snoozed.
    public func lease(limit: Int, leaseSeconds: Int, on connection: isolated PGConnection) throws -> SendLease {
        _ = try InputBounds.integer(limit, field: "limit", in: Self.limitBounds)
        _ = try InputBounds.integer(leaseSeconds, field: "lease", in: Self.leaseSecondsBounds)
        let document = try PolicyStore(schema: schema).load(on: connection)
        let segments = document.segments.sorted { $0.key < $1.key }
        let fallback = document.default
        var lease = SendLease(sends: [], cancelled: 0, snoozed: 0)
        for row in try connection.query(
            sql.lease,
            [
                limit, Double(leaseSeconds), segments.map(\.key), segments.map { $0.value.quietHours?.start },
                segments.map { $0.value.quietHours?.end }, segments.map { $0.value.defaultTimezone },
                segments.map { Int32($0.value.deliveryMaxAttempts) }, fallback.quietHours?.start,
                fallback.quietHours?.end, fallback.defaultTimezone, Int32(fallback.deliveryMaxAttempts),
            ]
        ).rows {
            if try row.decode("kind", as: String.self) == "counts" {
                lease.cancelled = try row.decode("cancelled")
                lease.snoozed = try row.decode("snoozed")
                lease.dead = try row.decode("dead")
                continue
            }
            lease.sends.append(
                LeasedSend(
                    id: try row.decode("id"), contactID: try row.decode("contact_id"),
                    externalID: try row.decode("external_id"), email: try row.decode("email"),
                    flow: try row.decode("flow"), step: try row.decode("step"), template: try row.decode("template"),
                    templateVersion: try row.decode("template_version"), channel: try row.decode("channel"),
                    format: try row.decode("format"), variables: try row.decode("variables"),
                    experiment: try row.decode("experiment"), variant: try row.decode("variant"),
                    attempt: try row.decode("attempts"), decidedAt: try row.decode("at"),
                    leaseToken: try row.decode("lease_token"), leaseExpiresAt: try row.decode("lease_expires_at")))
        }
        lease.sends.sort { $0.id < $1.id }
        return lease
    }

    /// Extends by `leaseSeconds` from now the leases still held by these tokens (a consumer
    /// whose batch takes longer than its lease renews it); returns the ids still held. A send
    /// missing from the answer was taken back, or cancelled because its contact was suppressed
    /// since the lease: its consumer must not deliver it.
    public func renew(_ held: [(id: Int64, token: UUID)], leaseSeconds: Int, on connection: isolated PGConnection)
        throws -> Set<Int64>
    {
        _ = try InputBounds.integer(leaseSeconds, field: "lease", in: Self.leaseSecondsBounds)
        guard !held.isEmpty else { return [] }
        return Set(
            try connection.query(sql.renew, [held.map { $0.id }, held.map { $0.token }, Double(leaseSeconds)]).rows.map
            {
                try $0.decode("id", as: Int64.self)
            })
    }

    /// Finishes sends: sent (message id kept) or failed (every error kept in `send_errors`,
    /// the last on the send; retried with `SendBackoff` until `delivery_max_attempts` are
    /// spent, then `dead`; a permanent failure is `dead` at once). A result with a token
    /// applies only while that token holds the lease (else `leaseLost`); one without applies
    /// to a send not yet finished. An ack of a send already `sent` with the same message id
    /// answers `sent` again and changes nothing. Only the first result for an id in a batch
    /// counts. Run it in a transaction when the caller wants it atomic with more; on its own,
    /// its statements run in one (the rows are locked by the first).
    public func finish(_ results: [SendResult], on connection: isolated PGConnection) throws -> [Int64:
        SendFinishOutcome]
    {
        guard !results.isEmpty else { return [:] }
        if !connection.isInTransaction {
            return try connection.withTransactionSync { try finishLocked(results, on: connection) }
        }
        return try finishLocked(results, on: connection)
    }

    private struct Held {
        var state: String
        var token: UUID?
        var messageID: String?
        var attempts: Int
        var segment: String
    }

    private func finishLocked(_ results: [SendResult], on connection: isolated PGConnection) throws -> [Int64:
        SendFinishOutcome]
    {
        let policies = try PolicyStore(schema: schema).load(on: connection)
        var held: [Int64: Held] = [:]
        var now = Date()
        for row in try connection.query(sql.lockForFinish, [Array(Set(results.map(\.id))).sorted()]).rows {
            held[try row.decode("id")] = Held(
                state: try row.decode("state"), token: try row.decode("lease_token"),
                messageID: try row.decode("message_id"), attempts: try row.decode("attempts"),
                segment: try row.decode("segment"))
            now = try row.decode("now")
        }
        var outcomes: [Int64: SendFinishOutcome] = [:]
        var sent: (ids: [Int64], messageIDs: [String]) = ([], [])
        var failed:
            (ids: [Int64], attempts: [Int32], errors: [String], permanent: [Bool], dead: [Bool], retryAt: [Date?]) = (
                [], [], [], [], [], []
            )
        for result in results where outcomes[result.id] == nil {
            guard let send = held[result.id] else {
                outcomes[result.id] = .unknown
                continue
            }
            if case .sent(let messageID) = result.outcome, send.state == "sent",
                send.messageID == Self.bounded(messageID, bytes: Self.messageIDBytes)
            {
                outcomes[result.id] = .sent
                continue
            }
            if let token = result.token, send.state != "leased" || send.token != token {
                outcomes[result.id] = .leaseLost
                continue
            }
            guard ["pending", "leased", "failed"].contains(send.state) else {
                outcomes[result.id] = .alreadyFinished(state: send.state)
                continue
            }
            switch result.outcome {
            case .sent(let messageID):
                sent.ids.append(result.id)
                sent.messageIDs.append(Self.bounded(messageID, bytes: Self.messageIDBytes))
                outcomes[result.id] = .sent
            case .failed(let error, let permanent):
                // A leased send's attempt was counted when it was leased; a fail by id of a
                // send not under lease is an attempt of its own.
                let attempt = send.state == "leased" ? max(send.attempts, 1) : send.attempts + 1
                let maxAttempts = policies.policy(for: send.segment).deliveryMaxAttempts
                let dead = permanent || attempt >= maxAttempts
                let retryAt = dead ? nil : now.addingTimeInterval(SendBackoff.delay(afterAttempt: attempt))
                failed.ids.append(result.id)
                failed.attempts.append(Int32(clamping: attempt))
                failed.errors.append(Self.bounded(error, bytes: Self.errorBytes))
                failed.permanent.append(permanent)
                failed.dead.append(dead)
                failed.retryAt.append(retryAt)
                outcomes[result.id] = retryAt.map { .retrying(at: $0) } ?? .dead
            }
        }
        if !sent.ids.isEmpty { try connection.execute(sql.markSent, [sent.ids, sent.messageIDs, now]) }
        if !failed.ids.isEmpty {
            try connection.execute(
                sql.markFailed,
                [failed.ids, failed.attempts, failed.errors, failed.permanent, failed.dead, failed.retryAt, now])
        }
        return outcomes
    }

    /// `text` cut to at most `bytes` UTF-8 bytes on a character boundary, saying so when cut;
    /// NUL (which PostgreSQL's text cannot hold) becomes U+FFFD.
    static func bounded(_ text: String, bytes: Int) -> String {
        let clean = text.contains("\0") ? text.replacingOccurrences(of: "\0", with: "\u{FFFD}") : text
        guard clean.utf8.count > bytes else { return clean }
        let marker = " … (truncated)"
        var cut = ""
        var used = 0
        let room = bytes - marker.utf8.count
        for character in clean {
            let size = character.utf8.count
            if used + size > room { break }
            cut.append(character)
            used += size
        }
        return cut + marker
    }
}
