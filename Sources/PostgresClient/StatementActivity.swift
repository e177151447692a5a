// What each connection of the process waits for the server on: one lock-protected slot per connection, read by the stall monitor.
import Foundation

/// A statement of this process that a connection is waiting on, as `StatementActivity` saw it.
public struct StatementInFlight: Sendable, Hashable {
    /// The connection's number in this process (not the server's backend pid).
    public let connection: UInt64
    /// The statement's number on that connection: with `connection`, one stall episode.
    public let sequence: UInt64
    /// The statement's first line (at most 160 characters); never its bind values.
    public let firstLine: String
    /// How long it has been waiting for the server.
    public let running: Duration
    /// The server process serving the connection; 0 while it connects.
    public let backendPID: Int32
    /// False for statements bounded by something else (a job handler's, under `--job-timeout`).
    public let watched: Bool
}

/// The statements in flight on every connection of this process.
///
/// Why a slot per connection and not a list of statements: a connection runs one statement
/// at a time, so its slot is written twice per statement (start, end) under a lock of its own
/// that nobody else takes except the monitor, about once a second. The statement's text is
/// kept by reference (no copy, no allocation); its first line is cut only when it is reported.
public enum StatementActivity {
    static let registry = SlotRegistry()

    /// Statements waiting longer than `bound` (watched ones only unless `includingUnwatched`).
    public static func inFlight(longerThan bound: Duration, includingUnwatched: Bool = false) -> [StatementInFlight] {
        let now = ContinuousClock.now
        return registry.all().compactMap { $0.snapshot(now: now) }.filter {
            $0.running >= bound && ($0.watched || includingUnwatched)
        }
    }

    /// Asks the server to cancel every statement of this process that has waited at least
    /// `minimum`, each from a thread of its own (a cancel request opens a connection of its own
    /// and may block); returns how many were asked. For a shutdown past its deadline: blocked
    /// threads return, and every ebbflow write is a transaction, so a cancelled one leaves
    /// nothing half-done (a commit already waiting for a synchronous standby stays committed
    /// locally). The minimum spares quick statements, which end by themselves: a cancel sent as
    /// one ends could hit the connection's next statement instead.
    @discardableResult
    public static func cancelAll(runningLongerThan minimum: Duration = .zero) -> Int {
        let now = ContinuousClock.now
        let busy = registry.all().filter { $0.snapshot(now: now).map { $0.running >= minimum } ?? false }
        for slot in busy {
            let target = slot.cancelTarget
            Thread.detachNewThread { target.cancel() }
        }
        return busy.count
    }
}

/// Every live connection's slot, by the connection's number.
final class SlotRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [UInt64: StatementSlot] = [:]
    private var lastSerial: UInt64 = 0

    func add(cancelTarget: CancelTarget) -> StatementSlot {
        lock.withLock {
            lastSerial += 1
            let slot = StatementSlot(serial: lastSerial, cancelTarget: cancelTarget)
            slots[lastSerial] = slot
            return slot
        }
    }

    func remove(_ slot: StatementSlot) {
        _ = lock.withLock { slots.removeValue(forKey: slot.serial) }
    }

    func all() -> [StatementSlot] { lock.withLock { Array(slots.values) } }
}

/// One connection's statement in flight. Written only by the connection's own thread (begin,
/// end), read by the monitor.
final class StatementSlot: @unchecked Sendable {
    let serial: UInt64
    let cancelTarget: CancelTarget
    private let lock = NSLock()
    private var startedAt: ContinuousClock.Instant?
    private var label: StaticString = ""
    private var sql = ""
    private var sequence: UInt64 = 0
    private var backendPID: Int32 = 0
    /// Above zero while the connection runs statements bounded elsewhere (a job handler's).
    private var unwatchedDepth = 0

    init(serial: UInt64, cancelTarget: CancelTarget) {
        self.serial = serial
        self.cancelTarget = cancelTarget
    }

    /// Marks a statement as started unless one already is (an inner call of the same round
    /// trip); returns whether this call owns the mark and must `end()` it.
    func begin(_ sql: String, label: StaticString) -> Bool {
        let now = ContinuousClock.now
        return lock.withLock {
            guard startedAt == nil else { return false }
            startedAt = now
            self.sql = sql
            self.label = label
            sequence &+= 1
            return true
        }
    }

    func end() {
        lock.withLock {
            startedAt = nil
            sql = ""
        }
    }

    func setBackendPID(_ pid: Int32) { lock.withLock { backendPID = pid } }

    func setWatched(_ watched: Bool) {
        lock.withLock { unwatchedDepth = max(0, unwatchedDepth + (watched ? -1 : 1)) }
    }

    /// The statement in flight, if any; the text is cut to its first line here, off the hot path.
    func snapshot(now: ContinuousClock.Instant) -> StatementInFlight? {
        let taken: (ContinuousClock.Instant, StaticString, String, UInt64, Int32, Bool)? = lock.withLock {
            guard let startedAt else { return nil }
            return (startedAt, label, sql, sequence, backendPID, unwatchedDepth == 0)
        }
        guard let taken else { return nil }
        return StatementInFlight(
            connection: serial, sequence: taken.3, firstLine: Self.firstLine(label: taken.1, sql: taken.2),
            running: now - taken.0, backendPID: taken.4, watched: taken.5)
    }

    static func firstLine(label: StaticString, sql: String) -> String {
        let line =
            sql.split(whereSeparator: \.isNewline).lazy.map { $0.trimmingCharacters(in: .whitespaces) }
            .first { !$0.isEmpty } ?? ""
        let text = label.utf8CodeUnitCount == 0 ? line : (line.isEmpty ? "\(label)" : "\(label): \(line)")
        return text.count > 160 ? String(text.prefix(159)) + "…" : text
    }
}
