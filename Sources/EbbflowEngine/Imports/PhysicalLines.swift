// Splits an import's bytes into numbered physical lines on LF, CRLF or a lone CR.
import Foundation

/// One physical line: its 1-based number, its bytes without the line break, the break itself.
struct PhysicalLine {
    var number: Int
    var bytes: [UInt8]
    var lineBreak: [UInt8]
    /// The line was longer than the limit; `bytes` holds only its start.
    var tooLong: Bool
}

/// Why its own splitter: Swift reads `"\r\n"` as one `Character`, so splitting a `String` on
/// `"\n"` found no line at all in a CRLF file, and a CR-only file was one line. Bytes are split
/// here instead, on every break RFC 4180 and NDJSON writers use, before any decoding, so a line
/// of invalid UTF-8 is that line's problem and never the file's. A leading UTF-8 byte order
/// mark is dropped. A line longer than `maxLineBytes` is cut (and flagged), so one endless line
/// cannot exhaust memory.
final class PhysicalLines {
    private let chunks: ByteChunks
    private var buffer: [UInt8] = []
    private var position = 0
    private var atEnd = false
    private var nextNumber = 1
    let maxLineBytes: Int

    init(_ chunks: ByteChunks, maxLineBytes: Int) {
        self.chunks = chunks
        self.maxLineBytes = maxLineBytes
    }

    private var checkedByteOrderMark = false

    /// Refills the buffer when it is used up; false at the end of the input.
    private func fill() throws -> Bool {
        while position >= buffer.count {
            if atEnd { return false }
            buffer = try chunks.next()
            position = 0
            if buffer.isEmpty { atEnd = true; return false }
            if !checkedByteOrderMark {
                checkedByteOrderMark = true
                if buffer.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
            }
        }
        return true
    }

    /// The next line, or nil at the end (a last line without a break is still a line).
    func next() throws -> PhysicalLine? {
        guard try fill() else { return nil }
        var line = PhysicalLine(number: nextNumber, bytes: [], lineBreak: [], tooLong: false)
        nextNumber += 1
        while try fill() {
            let start = position
            var stop = position
            let count = buffer.count
            while stop < count && buffer[stop] != 0x0A && buffer[stop] != 0x0D { stop += 1 }
            let room = maxLineBytes - line.bytes.count
            if stop - start > room {
                line.tooLong = true
                if room > 0 { line.bytes.append(contentsOf: buffer[start..<(start + room)]) }
            } else {
                line.bytes.append(contentsOf: buffer[start..<stop])
            }
            position = stop
            guard stop < count else { continue }
            position += 1
            if buffer[stop] == 0x0A {
                line.lineBreak = [0x0A]
            } else {
                line.lineBreak = [0x0D]
                // CRLF: the LF may start the next chunk.
                if try fill(), buffer[position] == 0x0A {
                    line.lineBreak = [0x0D, 0x0A]
                    position += 1
                }
            }
            return line
        }
        return line
    }
}
