// Submits messages to one relay over one long-lived SMTP connection, with a result per message.
import Logging
import NIOCore
import Synchronization

/// The SMTP client delivery uses.
///
/// - One connection, kept open across `send` calls and opened again when it was lost or the
///   server closed it while idle (a message whose transaction failed before the server answered
///   anything on a reused connection is retried once on a fresh one: it was certainly not taken).
/// - Concurrent `send` calls are served one after the other on that connection (`Sendable`; the
///   second waits). A caller that wants parallel connections makes several clients.
/// - Per message, in order: `.accepted` (the 250 after the data), `.transient` (a 4xx, or the
///   connection or its setup failed before that message's final reply) or `.permanent` (a 5xx,
///   or a message that cannot be written). **Connection failures do not throw**: they become
///   `.transient` results for the message in flight and every message after it in the batch,
///   while messages already accepted stay `.accepted`, so a caller never reports as failed what
///   the relay took. A batch does not reconnect after a loss midway; the next call does.
/// - Errors an operator must fix (`SMTPError.isConfigurationError`: AUTH refused, STARTTLS
///   required but not offered, TLS failure) are logged once at error level (again only when the
///   error changes) and make every message transient: nothing is lost while the URL is fixed.
/// - Logs never contain message bodies, addresses or credentials.
public final class SMTPClient: Sendable {
    public let configuration: SMTPConfiguration
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let gate = SMTPGate()
    private let state = Mutex(State())
    private let writer = MIMEWriter()

    private struct State {
        var connection: SMTPConnection?
        var lastLoggedConfigurationError: String?
    }

    public init(configuration: SMTPConfiguration, eventLoopGroup: any EventLoopGroup, logger: Logger) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
    }

    /// Submits each message to its one recipient; one result per message, in order.
    ///
    /// It never throws today (connection failures are per-message `.transient` results, see the
    /// type's notes); `throws` is part of the contract so a later failure mode can be added.
    /// A cancelled task stops before its next message: the rest are `.transient` (`.cancelled`).
    public func send(_ messages: [MailMessage]) async throws -> [SMTPSubmission] {
        await gate.withLock { await self.sendLocked(messages) }
    }

    /// Opens the connection now (if not open) and reports what is wrong, for a check at startup.
    public func verify() async throws(SMTPError) {
        let error: SMTPError? = await gate.withLock { () async -> SMTPError? in
            do throws(SMTPError) {
                _ = try await self.connection()
                return nil
            } catch {
                return error
            }
        }
        if let error { throw error }
    }

    /// QUIT and close the connection; a later `send` opens a new one.
    public func close() async {
        await gate.withLock {
            let connection = self.state.withLock { state in
                defer { state.connection = nil }
                return state.connection
            }
            await connection?.close()
        }
    }

    // MARK: Behind the gate

    private func sendLocked(_ messages: [MailMessage]) async -> [SMTPSubmission] {
        var results: [SMTPSubmission] = []
        results.reserveCapacity(messages.count)
        var broken: SMTPError?
        for message in messages {
            if let broken {
                results.append(.transient(broken))
                continue
            }
            if Task.isCancelled {
                let error = SMTPError(.cancelled, "not sent: the delivery task was cancelled")
                broken = error
                results.append(.transient(error))
                continue
            }
            let data: [UInt8]
            let sender: String
            let recipient: String
            do {
                data = try writer.write(message)
                sender = try MailAddress(parsing: message.from, fieldName: "From").address
                recipient = try MailAddress(parsing: message.to, fieldName: "To").address
            } catch {
                results.append(.permanent(SMTPError(.invalidMessage, "cannot write the message: \(error)")))
                continue
            }
            var retried = false
            while true {
                let connection: SMTPConnection
                let reused: Bool
                do {
                    (connection, reused) = try await self.connection()
                } catch {
                    broken = error
                    results.append(.transient(error))
                    break
                }
                switch await connection.submit(from: sender, to: recipient, data: data) {
                case .finished(let submission, let ended):
                    if let ended {
                        drop(connection)
                        broken = ended
                        logger.debug("SMTP connection ended", metadata: ["smtp.error": "\(ended)"])
                    }
                    results.append(submission)
                case .notStarted(let error):
                    drop(connection)
                    if reused && !retried {
                        // A connection left idle may have been closed by the server meanwhile.
                        retried = true
                        continue
                    }
                    broken = error
                    results.append(.transient(error))
                }
                break
            }
        }
        return results
    }

    /// The open connection, or a new one; logs configuration errors once.
    private func connection() async throws(SMTPError) -> (SMTPConnection, reused: Bool) {
        if let existing = state.withLock({ $0.connection }) {
            if existing.isActive { return (existing, true) }
            drop(existing)
        }
        do {
            let connection = try await SMTPConnection.open(configuration, group: eventLoopGroup, logger: logger)
            state.withLock {
                $0.connection = connection
                $0.lastLoggedConfigurationError = nil
            }
            return (connection, false)
        } catch {
            if error.isConfigurationError {
                let isNew = state.withLock { state in
                    defer { state.lastLoggedConfigurationError = error.message }
                    return state.lastLoggedConfigurationError != error.message
                }
                if isNew {
                    logger.error(
                        "SMTP relay cannot be used as configured; messages stay queued until it is fixed",
                        metadata: ["smtp.url": "\(configuration)", "smtp.error": "\(error)"])
                }
            } else {
                logger.warning(
                    "SMTP connection failed", metadata: ["smtp.url": "\(configuration)", "smtp.error": "\(error)"])
            }
            throw error
        }
    }

    private func drop(_ connection: SMTPConnection) {
        connection.abort()
        state.withLock { state in
            if state.connection === connection { state.connection = nil }
        }
    }
}
