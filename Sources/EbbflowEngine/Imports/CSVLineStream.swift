// The bytes CSV.swift parses: physical lines, each checked for UTF-8 first, as a Foundation InputStream.
import Foundation

/// Feeds CSV.swift's reader, which stops at the first invalid UTF-8 byte and so would lose the
/// rest of the file. Each physical line is validated here first: a bad one is passed on with
/// its bad bytes replaced (U+FFFD) and its number remembered, so the record that contains it is
/// rejected and every other record still reads. Stops early (`cut`) once more than
/// `maxRecordBytes` passed without a completed record: an unterminated quote would otherwise
/// pull the whole rest of the file into one field.
final class CSVLineStream: InputStream {
    private let lines: PhysicalLines
    private var pending: [UInt8] = []
    private var pendingStart = 0
    private var finished = false
    private var status: Stream.Status = .notOpen
    private var bytesSinceMark = 0
    private let maxRecordBytes: Int
    /// Lines whose bytes were not UTF-8, or too long, not yet passed by the records.
    private(set) var badLines: [(line: Int, reason: String)] = []
    private(set) var cut = false
    private(set) var failure: (any Error)?

    init(_ lines: PhysicalLines, maxRecordBytes: Int) {
        self.lines = lines
        self.maxRecordBytes = maxRecordBytes
        super.init(data: Data())
    }

    /// A record ended: the byte budget of the next one starts now.
    func mark() { bytesSinceMark = 0 }

    /// The first bad line within `range`, forgetting those before it.
    func badLine(in range: ClosedRange<Int>) -> (line: Int, reason: String)? {
        badLines.removeAll { $0.line < range.lowerBound }
        return badLines.first { range.contains($0.line) }
    }

    override func open() { status = .open }
    override func close() { status = .closed }
    override var streamStatus: Stream.Status { status }
    override var streamError: (any Error)? { failure }
    override var hasBytesAvailable: Bool { pendingStart < pending.count || !finished }

    override func read(_ buffer: UnsafeMutablePointer<UInt8>, maxLength: Int) -> Int {
        while pendingStart >= pending.count && !finished { refill() }
        if failure != nil { return -1 }
        let count = min(maxLength, pending.count - pendingStart)
        guard count > 0 else { return 0 }
        pending.withUnsafeBufferPointer { source in
            buffer.update(from: source.baseAddress! + pendingStart, count: count)
        }
        pendingStart += count
        return count
    }

    private func refill() {
        pending.removeAll(keepingCapacity: true)
        pendingStart = 0
        guard bytesSinceMark <= maxRecordBytes else {
            cut = true
            finished = true
            return
        }
        do {
            guard let line = try lines.next() else { finished = true; return }
            if line.tooLong {
                badLines.append((line.number, "longer than \(RecordReader.maxLineBytes) bytes"))
                pending = line.bytes
            } else if String(validating: line.bytes, as: UTF8.self) == nil {
                badLines.append((line.number, "not valid UTF-8"))
                pending = Array(String(decoding: line.bytes, as: UTF8.self).utf8)
            } else {
                pending = line.bytes
            }
            pending.append(contentsOf: line.lineBreak)
            bytesSinceMark += pending.count
        } catch {
            failure = error
            finished = true
        }
    }
}
