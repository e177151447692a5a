// One chunk of `deliver` jobs: renew their sends' leases, render, submit over the transport, record bounces, finish.
import EbbflowCore
import EbbflowEngine
import EbbflowMail
import Foundation
import Logging
import PostgresClient

/// Why the sends' database work runs on a connection of its own and not in the chunk job's
/// transaction: the message leaves the process between the lease renewal and the finish, and
/// what is mailed cannot be rolled back. The finish commits on its own as soon as the
/// transport answered; the job's completion follows in the queue's transaction. If that
/// completion fails (the job was rescued, the queue halves the chunk and runs it again), the
/// re-run's renewal no longer holds the finished sends and skips them: nothing is mailed
/// twice. A duplicate needs a crash between the relay's acceptance and the finish's COMMIT,
/// and it carries the same Message-ID as the first copy.
public struct Deliverer: Sendable {
    let pool: PGPool
    let outbox: SendOutbox
    let renderer: TemplateRenderer
    let clock: DatabaseClock
    let assembly: MessageAssembly
    let transport: any DeliveryTransport
    let bounces: BounceRecorder
    /// Seconds a renewed lease lasts: enough to render, submit and finish one chunk.
    let leaseSeconds: Int
    let logger: Logger

    public init(
        pool: PGPool, schema: SchemaName, publicURL: PublicBaseURL?, assembly: MessageAssembly,
        transport: any DeliveryTransport, leaseSeconds: Int, logger: Logger
    ) {
        self.pool = pool
        outbox = SendOutbox(schema: schema)
        renderer = TemplateRenderer(schema: schema, publicBaseURL: publicURL?.text)
        clock = DatabaseClock(schema: schema)
        self.assembly = assembly
        self.transport = transport
        bounces = BounceRecorder(schema: schema)
        self.leaseSeconds = leaseSeconds
        self.logger = logger
    }

    /// What one chunk came to, for tests and logs.
    public struct Report: Sendable, Equatable {
        public var sent = 0
        public var transient = 0
        public var permanent = 0
        public var bounced = 0
        public var renderFailed = 0
        /// Sends whose lease this chunk no longer held (finished, or leased again by another).
        public var skipped = 0
    }

    @discardableResult
    public func deliver(_ jobs: [DeliverArgs]) async throws -> Report {
        var report = Report()
        guard !jobs.isEmpty else { return report }
        let (outbox, renderer, clock, leaseSeconds) = (self.outbox, self.renderer, self.clock, self.leaseSeconds)
        let prepared = try await pool.withConnection { connection in
            try await connection.withTransaction { connection in
                let held = try outbox.renew(
                    jobs.map { (id: $0.send, token: $0.token) }, leaseSeconds: leaseSeconds, on: connection)
                let sends = jobs.filter { held.contains($0.send) }.map(\.leased)
                let rendered = try renderer.render(sends, on: connection)
                return (sends: sends, rendered: rendered, now: try clock.now(on: connection))
            }
        }
        report.skipped = jobs.count - prepared.sends.count
        var results: [SendResult] = []
        var items: [DeliveryItem] = []
        for send in prepared.sends {
            switch prepared.rendered[send.id] {
            case .success(let message)?:
                items.append(DeliveryItem(send: send, message: assembly.message(for: message, date: prepared.now)))
            case .failure(let failure)?:
                report.renderFailed += 1
                results.append(
                    SendResult(
                        id: send.id, token: send.leaseToken,
                        outcome: .failed(error: "render failed: \(failure)", permanent: true)))
            case nil:
                report.renderFailed += 1
                results.append(
                    SendResult(
                        id: send.id, token: send.leaseToken,
                        outcome: .failed(error: "render failed: the renderer returned nothing for it", permanent: true))
                )
            }
        }
        let started = ContinuousClock.now
        let outcomes = items.isEmpty ? [] : await transport.submit(items)
        if !items.isEmpty { DeliveryMetrics.submitted(transport: transport.name, took: ContinuousClock.now - started) }
        var hardBounces: [(item: DeliveryItem, reply: String)] = []
        for (item, outcome) in zip(items, outcomes) {
            let token = item.send.leaseToken
            switch outcome {
            case .accepted(let messageID):
                report.sent += 1
                results.append(SendResult(id: item.send.id, token: token, outcome: .sent(messageID: messageID)))
            case .transient(let error):
                report.transient += 1
                results.append(
                    SendResult(id: item.send.id, token: token, outcome: .failed(error: error, permanent: false)))
            case .permanent(let error, let bounce):
                if bounce {
                    report.bounced += 1
                    hardBounces.append((item, error))
                } else {
                    report.permanent += 1
                }
                results.append(
                    SendResult(id: item.send.id, token: token, outcome: .failed(error: error, permanent: true)))
            }
        }
        // The bounce first: should the process die before the finish, the re-run records the
        // same event (its id names the send and attempt), which is stored once.
        if !hardBounces.isEmpty { try await bounces.record(hardBounces, pool: pool) }
        try await finish(results)
        record(report)
        return report
    }

    /// The finish, tried again through brief database trouble: giving up here means the chunk
    /// is re-run, which would submit what was just accepted a second time.
    private func finish(_ results: [SendResult]) async throws {
        guard !results.isEmpty else { return }
        let outbox = self.outbox
        var attempt = 1
        while true {
            do {
                try await pool.withConnection { connection in
                    try await connection.withTransaction { connection in
                        _ = try outbox.finish(results, on: connection)
                    }
                }
                return
            } catch {
                guard attempt < 5, !Task.isCancelled else { throw error }
                logger.warning(
                    "finishing delivered sends failed; trying again",
                    metadata: ["attempt": "\(attempt)", "error": "\(error)"])
                try? await Task.sleep(for: .milliseconds(200 * attempt))
                attempt += 1
            }
        }
    }

    private func record(_ report: Report) {
        let name = transport.name
        DeliveryMetrics.delivered(transport: name, outcome: "sent", count: report.sent)
        DeliveryMetrics.delivered(transport: name, outcome: "transient", count: report.transient)
        DeliveryMetrics.delivered(transport: name, outcome: "permanent", count: report.permanent)
        DeliveryMetrics.delivered(transport: name, outcome: "bounced", count: report.bounced)
        DeliveryMetrics.delivered(transport: name, outcome: "render_failed", count: report.renderFailed)
        DeliveryMetrics.delivered(transport: name, outcome: "lease_lost", count: report.skipped)
    }
}
