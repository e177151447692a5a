// One message's transaction on an open session: MAIL, RCPT, DATA (pipelined where offered), the data, RSET after a refusal.
import NIOCore

/// How a transaction ended, for the client to decide about the connection and the next message.
enum SMTPTransactionOutcome: Sendable {
    /// The server judged the message; the connection can carry the next one unless `connectionEnded` is set.
    case finished(SMTPSubmission, connectionEnded: SMTPError?)
    /// The connection failed before the server answered anything of this transaction: the
    /// message was certainly not taken, and may be tried again on a fresh connection.
    case notStarted(SMTPError)
}

extension SMTPConnection {
    /// Submits one message (already MIME bytes) to one recipient.
    ///
    /// With PIPELINING (RFC 2920) MAIL, RCPT and DATA go in one write and their three replies
    /// are read after; otherwise one at a time, stopping at the first refusal. If DATA got 354
    /// although MAIL or RCPT was refused (a server that does not check), an empty data section
    /// ends it so nothing is delivered. After a refusal, RSET clears the transaction.
    ///
    /// Where the server announced SIZE (RFC 1870), MAIL declares the message's size, and a
    /// message larger than the announced limit fails permanently without a command sent: the
    /// server would refuse it after the whole data crossed the network, and the same bytes
    /// will never fit.
    func submit(from sender: String, to recipient: String, data: [UInt8]) async -> SMTPTransactionOutcome {
        let timeouts = self.timeouts
        var encoded = ByteBuffer()
        let size = SMTPDataEncoding.append(data, to: &encoded)
        if let limit = maximumMessageSize, size > limit {
            return .finished(
                .permanent(
                    SMTPError(.invalidMessage, "message is \(size) bytes; the server accepts at most \(limit)")),
                connectionEnded: nil)
        }
        let commands: [(line: String, name: String, timeout: TimeAmount)] = [
            ("MAIL FROM:<\(sender)>\(supportsSize ? " SIZE=\(size)" : "")", "MAIL FROM", timeouts.command),
            ("RCPT TO:<\(recipient)>", "RCPT TO", timeouts.command),
            ("DATA", "DATA", timeouts.dataInitiation),
        ]
        var rejection: SMTPError?
        var dataAccepted = false
        var answered = 0

        func judge(_ index: Int, _ reply: SMTPReply) {
            answered += 1
            if index < 2 {
                if !reply.isPositiveCompletion && rejection == nil {
                    rejection = .rejected(commands[index].name, reply)
                }
            } else if reply.code == 354 {
                dataAccepted = true
            } else if rejection == nil {
                rejection =
                    reply.isTransientNegative || reply.isPermanentNegative
                    ? .rejected("DATA", reply)
                    : SMTPError(
                        .protocolViolation, "the server answered DATA with \(reply) instead of 354", reply: reply)
            }
        }

        if supportsPipelining {
            var buffer = ByteBuffer()
            for command in commands { buffer.writeString(command.line + "\r\n") }
            let futures = write(buffer, replies: commands.map { ($0.timeout, $0.name) })
            for (index, future) in futures.enumerated() {
                do throws(SMTPError) {
                    judge(index, try await Self.result(of: future))
                } catch {
                    return lost(error, answered: answered, rejection: rejection)
                }
            }
            if dataAccepted && rejection != nil {
                do throws(SMTPError) {
                    _ = try await Self.result(
                        of: write(ByteBuffer(string: ".\r\n"), replies: [(timeouts.dataTermination, "the empty data")])[
                            0])
                } catch {
                    return .finished(submission(for: rejection!), connectionEnded: error)
                }
            }
        } else {
            for (index, command) in commands.enumerated() {
                do throws(SMTPError) {
                    judge(index, try await self.command(command.line, timeout: command.timeout, what: command.name))
                } catch {
                    return lost(error, answered: answered, rejection: rejection)
                }
                if rejection != nil { break }
            }
        }

        if let rejection {
            if answered >= 1 && rejection.reply?.code == 421 && rejection.message.hasPrefix("MAIL FROM") {
                // The server closes instead of starting a transaction (often an idle timeout).
                abort()
                return .notStarted(rejection)
            }
            if rejection.reply?.code == 421 || rejection.kind == .protocolViolation {
                // 421: the server is closing; a protocol error: replies can no longer be trusted.
                abort()
                return .finished(submission(for: rejection), connectionEnded: rejection)
            }
            do throws(SMTPError) {
                let reset = try await command("RSET", timeout: timeouts.command)
                guard reset.isPositiveCompletion else {
                    abort()
                    return .finished(submission(for: rejection), connectionEnded: .rejected("RSET", reset))
                }
            } catch {
                return .finished(submission(for: rejection), connectionEnded: error)
            }
            return .finished(submission(for: rejection), connectionEnded: nil)
        }

        let reply: SMTPReply
        do throws(SMTPError) {
            reply = try await Self.result(
                of: write(encoded, replies: [(timeouts.dataTermination, "the end of the data")])[0])
        } catch {
            return .finished(.transient(error), connectionEnded: error)
        }
        if reply.isPositiveCompletion { return .finished(.accepted(reply), connectionEnded: nil) }
        if reply.isTransientNegative || reply.isPermanentNegative {
            let error = SMTPError.rejected("the message", reply)
            if reply.code == 421 {
                abort()
                return .finished(.transient(error), connectionEnded: error)
            }
            return .finished(submission(for: error), connectionEnded: nil)
        }
        let violation = SMTPError(.protocolViolation, "the server answered the data with \(reply)", reply: reply)
        abort()
        return .finished(.transient(violation), connectionEnded: violation)
    }

    /// The connection failed while replies were awaited: nothing of the transaction was answered
    /// (or only a 421 to MAIL), so the message was not taken; else it is transient.
    private func lost(_ error: SMTPError, answered: Int, rejection: SMTPError?) -> SMTPTransactionOutcome {
        abort()
        if answered == 0 { return .notStarted(error) }
        if let rejection, rejection.reply?.code == 421, rejection.message.hasPrefix("MAIL FROM") {
            return .notStarted(rejection)
        }
        return .finished(.transient(rejection ?? error), connectionEnded: error)
    }

    private func submission(for error: SMTPError) -> SMTPSubmission {
        error.isTransient ? .transient(error) : .permanent(error)
    }
}
