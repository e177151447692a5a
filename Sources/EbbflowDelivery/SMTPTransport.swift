// Delivers messages over the process's SMTP clients (each one connection reused, pipelined where offered).
import EbbflowMail
import Foundation
import Synchronization

/// How the client's answers map: 250 after the data accepted (the send records our
/// Message-ID: the relay's queue id names nothing the provider's webhooks know); 4xx and
/// every connection failure transient; 5xx permanent, and a hard bounce when the relay refused
/// the recipient as non-existent (`5.1.x` at RCPT: bad mailbox, bad system, bad syntax, ...).
///
/// Why several clients (`EBBFLOW_SMTP_CONNECTIONS`, default 4): one connection carries one
/// message at a time between its round trips (MAIL/RCPT/DATA, then the data), so a process
/// whose chunks run at once would queue them behind one connection; each chunk takes the
/// client with the fewest chunks in flight, and a client opens its connection when first used.
public final class SMTPTransport: DeliveryTransport {
    public let name = "smtp"
    let clients: [SMTPClient]
    /// Chunks in flight per client, to pick the least busy one.
    private let inFlight: Mutex<[Int]>

    /// `clients` must not be empty.
    public init(clients: [SMTPClient]) {
        precondition(!clients.isEmpty, "an SMTP transport needs at least one client")
        self.clients = clients
        inFlight = Mutex([Int](repeating: 0, count: clients.count))
    }

    /// The least busy client (the first of equals), counted in flight until `release`.
    func acquire() -> Int {
        inFlight.withLock { counts in
            let index = counts.indices.min { counts[$0] < counts[$1] } ?? 0
            counts[index] += 1
            return index
        }
    }

    func release(_ index: Int) { inFlight.withLock { $0[index] -= 1 } }

    /// How many times the messages a broken connection left untried are submitted again on a
    /// fresh one within one chunk (then they wait for the outbox's retry).
    static let maxRounds = 3

    /// Why rounds: the client answers every message after a lost connection as transient
    /// without trying it, so a relay that drops one message (or a recipient that makes it do so)
    /// would otherwise fail the whole chunk with it, every time. The message that was in flight
    /// keeps its transient outcome (it may have arrived: only the outbox's backoff retries it);
    /// those after it were never sent and go again at once, on a new connection.
    public func submit(_ items: [DeliveryItem]) async -> [DeliveryOutcome] {
        let chosen = acquire()
        defer { release(chosen) }
        let client = clients[chosen]
        var outcomes = [DeliveryOutcome?](repeating: nil, count: items.count)
        var pending = Array(items.indices)
        for round in 1...Self.maxRounds where !pending.isEmpty {
            let submissions: [SMTPSubmission]
            do {
                submissions = try await client.send(pending.map { items[$0].message })
            } catch {
                for index in pending { outcomes[index] = .transient("SMTP submission failed: \(error)") }
                break
            }
            guard submissions.count == pending.count else {
                for index in pending {
                    outcomes[index] = .transient(
                        "the SMTP client answered \(submissions.count) of \(pending.count) messages")
                }
                break
            }
            var untried: [Int] = []
            var broken = false
            for (index, submission) in zip(pending, submissions) {
                if broken, case .transient(let error) = submission, Self.isConnectionLoss(error), round < Self.maxRounds
                {
                    untried.append(index)
                    continue
                }
                if case .transient(let error) = submission, Self.isConnectionLoss(error) { broken = true }
                outcomes[index] = Self.outcome(submission, messageID: items[index].message.messageID)
            }
            pending = untried
        }
        return outcomes.map { $0 ?? .transient("not submitted") }
    }

    /// The connection went away (closed, reset, timed out): what follows was not tried.
    static func isConnectionLoss(_ error: SMTPError) -> Bool {
        error.kind == .connection || error.kind == .timeout
    }

    /// Closes every client at once: each waits for its own chunk in flight, so shutdown takes
    /// the longest of them, not their sum.
    public func close() async {
        await withTaskGroup(of: Void.self) { group in
            for client in clients { group.addTask { await client.close() } }
        }
    }

    static func outcome(_ submission: SMTPSubmission, messageID: String) -> DeliveryOutcome {
        switch submission {
        case .accepted: return .accepted(messageID: messageID)
        case .transient(let error): return .transient(error.description)
        case .permanent(let error): return .permanent(error.description, hardBounce: isHardBounce(error))
        }
    }

    /// A 5xx to RCPT whose enhanced status says the address is bad (RFC 3463 `5.1.x`).
    static func isHardBounce(_ error: SMTPError) -> Bool {
        guard error.kind == .rejected, let reply = error.reply, reply.isPermanentNegative,
            error.message.hasPrefix("RCPT")
        else { return false }
        if let status = reply.enhancedStatus { return status.hasPrefix("5.1.") }
        // Without an enhanced code, RFC 5321's "mailbox unavailable" / "user not local" codes.
        return reply.code == 550 || reply.code == 551 || reply.code == 553
    }
}
