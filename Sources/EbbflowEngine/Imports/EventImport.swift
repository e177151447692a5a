// Imports engagement events as a stream: good lines recorded and applied in batch transactions, bad lines reported.
import EbbflowCore
import Foundation
import PostgresClient

/// What an import did, line by line where it matters.
public struct EventImportReport: Sendable {
    /// Lines read (records and rejected lines; blank lines are not counted).
    public var read = 0
    public var applied = 0
    public var duplicates = 0
    /// Lines whose transaction committed (stored, duplicate or rejected).
    public var committedLines = 0
    /// Kept, but no contact has their external id.
    public var unknownContactLines = ListedLines()
    public var rejectedLines = ListedLines()
    public var unknownContacts: [RejectedLine] { unknownContactLines.lines }
    public var rejected: [RejectedLine] { rejectedLines.lines }
}

public struct EventImporter: Sendable {
    let store: EventStore
    let applier: EventApplier
    let policies: PolicyStore

    public init(schema: SchemaName) {
        store = EventStore(schema: schema)
        applier = EventApplier(schema: schema)
        policies = PolicyStore(schema: schema)
    }

    /// `text` in memory (the simulator, tests): see `importEvents(from:)`.
    public func importEvents(
        _ text: String, format: InputFormat, batchSize: Int = 1_000,
        inEachBatch: (@Sendable (isolated PGConnection) throws -> Void)? = nil,
        on connection: PGConnection
    ) async throws -> EventImportReport {
        try await importEvents(
            from: .text(text), format: format, batchSize: batchSize, inEachBatch: inEachBatch, on: connection)
    }

    /// Reads `source` as a stream and records and applies good lines in batches of `batchSize`,
    /// each batch one transaction (one insert, one set-based application), so memory stays
    /// bounded whatever the file's size. The file is read on the connection's own thread.
    ///
    /// A batch that fails on a transient database error (deadlock, timeouts, a lost connection:
    /// `PGError.isTransientDatabaseError`) is retried whole with backoff, never turned into rejections; one
    /// that the server refuses for its data is retried line by line, so one bad line loses
    /// nothing else and nothing is ever half-applied. Any other failure stops the import with
    /// `ImportStopped`, which says how many lines were committed. Every event carries an
    /// idempotency key, so re-running an import after any stop applies each event once.
    ///
    /// `inEachBatch` runs first in every batch's transaction, so what it writes commits with
    /// that batch's events: the simulator moves its clock this way, so that no worker sees the
    /// new time before the events that happened before it have arrived. It must be idempotent
    /// (a failed batch is retried).
    public func importEvents(
        from source: ImportSource, format: InputFormat, batchSize: Int = 1_000,
        inEachBatch: (@Sendable (isolated PGConnection) throws -> Void)? = nil,
        on connection: PGConnection
    ) async throws -> EventImportReport {
        try await connection.run { [self] connection in
            let document = try await TransientRetry.run { try policies.load(on: connection) }
            // The accepted kinds, once per import rather than once per line.
            let known = document.acceptedEventKinds
            var report = EventImportReport()
            // This run's identity: the key of a line with neither time nor provider id is its
            // place in this run, so the run's own retries store it once (see `insertEvents`).
            let run = UUID().uuidString
            var batch: [(line: Int, event: IncomingEvent)] = []
            var pendingLines = 0
            // The first line read since the last commit: where a stop is reported.
            var firstPendingLine = 0
            var lastLine = 0
            func commit() async throws {
                defer { batch.removeAll(keepingCapacity: true) }
                do {
                    try await commitBatch(
                        batch, document: document, prelude: inEachBatch, into: &report, on: connection)
                } catch let error as PGError where error.isCausedByRowData && batch.count == 1 && inEachBatch == nil {
                    // A batch of one line (a one-line file, the last line of a 1,001-line one):
                    // its own data was refused, so it is a rejected line, not a stopped import.
                    report.rejectedLines.append(
                        RejectedLine(line: batch[0].line, reason: "the database refused it: \(error.message)"))
                } catch let error as PGError where error.isCausedByRowData && batch.count > 1 && inEachBatch == nil {
                    // Line by line would commit `inEachBatch` with the first line alone, ahead of
                    // the rest of its batch; with it, the batch's failure is the caller's to see.
                    for item in batch {
                        do {
                            try await commitBatch(
                                [item], document: document, prelude: nil, into: &report, on: connection)
                        } catch let error as PGError where error.isCausedByRowData {
                            report.rejectedLines.append(
                                RejectedLine(line: item.line, reason: "the database refused it: \(error.message)"))
                        }
                    }
                }
                report.committedLines += pendingLines
                pendingLines = 0
                firstPendingLine = 0
            }
            do {
                let lines = try RecordReader.lines(
                    source, format: format, as: EventLine.self,
                    userInfo: [.acceptedEventKinds: known])
                while let item = try lines.next() {
                    report.read += 1
                    pendingLines += 1
                    if firstPendingLine == 0 { firstPendingLine = item.number }
                    lastLine = item.number
                    switch item {
                    case .rejected(let rejection):
                        report.rejectedLines.append(rejection)
                    case .line(let line, let decoded):
                        var event = decoded.event
                        if event.occurredAt == nil && event.providerEventID == nil { event.place = "\(run):\(line)" }
                        batch.append((line, event))
                    }
                    if batch.count >= max(1, batchSize) { try await commit() }
                }
                try await commit()
            } catch let error as ImportError where report.committedLines == 0 {
                throw error
            } catch {
                throw ImportStopped(
                    line: firstPendingLine == 0 ? lastLine + 1 : firstPendingLine,
                    committedLines: report.committedLines, reason: "\(error)")
            }
            report.rejectedLines.sort()
            report.unknownContactLines.sort()
            return report
        }
    }

    /// One transaction, retried through transient errors: insert the batch, apply what was
    /// stored for known contacts, then count.
    private func commitBatch(
        _ batch: [(line: Int, event: IncomingEvent)], document: PolicyDocument,
        prelude: (@Sendable (isolated PGConnection) throws -> Void)?,
        into report: inout EventImportReport, on connection: isolated PGConnection
    ) async throws {
        guard !batch.isEmpty else { return }
        let events = batch.map(\.event)
        let (stored, appliedCount, refused) = try await TransientRetry.run {
            try await connection.withTransaction { [store, applier] connection in
                try prelude?(connection)
                let now = try store.now(on: connection)
                let stored = try store.record(events, now: now, on: connection)
                let known = stored.filter { $0.contactID != nil }.map(\.id)
                let settled = try applier.settle(eventIDs: known, policies: document, now: now, on: connection)
                return (stored, settled.applied.count, settled.rejected)
            }
        }
        // Events kept but refused when settled (dated past max_future_skew, say) are rejected
        // lines too: the summary and the exit status must show them, not only `events rejected`.
        var refusals: [Int64: String] = [:]
        for event in refused { refusals[event.eventID] = event.reason }
        // Lines whose idempotency key was stored before (or earlier in the batch) are duplicates.
        var storedByOrdinal: [Int: StoredEvent] = [:]
        for row in stored { storedByOrdinal[row.ordinal] = row }
        for (index, item) in batch.enumerated() {
            guard let row = storedByOrdinal[index + 1] else {
                report.duplicates += 1
                continue
            }
            if let reason = refusals[row.id] {
                report.rejectedLines.append(
                    RejectedLine(line: item.line, reason: "\(reason) (event kept, not applied)"))
            } else if row.contactID == nil && row.externalID == ForgottenPeople.eventPlaceholder
                && item.event.externalID != ForgottenPeople.eventPlaceholder
            {
                // sql/engine/0024 stored it without its identifier: the person was forgotten.
                report.rejectedLines.append(RejectedLine(line: item.line, reason: ForgottenPeople.eventRefusal))
            } else if row.contactID == nil {
                report.unknownContactLines.append(
                    RejectedLine(
                        line: item.line, reason: "no contact with external id \"\(item.event.externalID)\" (event kept)"
                    ))
            }
        }
        report.applied += appliedCount
    }
}
