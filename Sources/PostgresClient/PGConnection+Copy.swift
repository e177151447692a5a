// COPY ... FROM STDIN: bulk loads of rows in COPY's text format, streamed in large chunks.
import CLibPQ

/// Writes rows into a `COPY ... FROM STDIN` in progress. Lives only inside `copyIn`'s closure.
public struct PGCopyWriter: ~Copyable {
    fileprivate var buffer: [UInt8] = []
    fileprivate let flush: (inout [UInt8]) throws -> Void
    /// Rows written so far.
    public private(set) var rowCount = 0
    private static let chunkSize = 256 * 1024

    /// Appends one row; `nil` is SQL NULL. Values are escaped for COPY's text format.
    public mutating func appendRow(_ values: [String?]) throws {
        for (index, value) in values.enumerated() {
            if index > 0 { buffer.append(UInt8(ascii: "\t")) }
            guard let value else {
                buffer.append(UInt8(ascii: "\\"))
                buffer.append(UInt8(ascii: "N"))
                continue
            }
            for byte in value.utf8 {
                switch byte {
                case UInt8(ascii: "\\"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "\t"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "t"))
                case UInt8(ascii: "\n"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "n"))
                case UInt8(ascii: "\r"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "r"))
                default: buffer.append(byte)
                }
            }
        }
        buffer.append(UInt8(ascii: "\n"))
        rowCount += 1
        if buffer.count >= Self.chunkSize { try flush(&buffer) }
    }

    /// Appends bytes already in the COPY format of the statement (text, CSV or binary).
    public mutating func appendRaw(_ bytes: some Sequence<UInt8>) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.chunkSize { try flush(&buffer) }
    }
}

extension PGConnection {
    /// Runs `sql` (a `COPY ... FROM STDIN`) and streams what `body` writes. Returns the number of
    /// rows the server loaded. If `body` throws, the COPY is aborted and nothing is loaded.
    @discardableResult
    public func copyIn(_ sql: String, _ body: (inout PGCopyWriter) throws -> Void) throws -> Int {
        let owns = activity.begin(sql, label: "")
        defer { if owns { activity.end() } }
        let handle = try liveHandle()
        let start = try checked(PQexec(handle.pointer, sql), handle, sql: sql, accept: PGRES_COPY_IN)
        _ = start
        var writer = PGCopyWriter(flush: { bytes in
            // In pieces of at most 1 MiB: PQputCopyData takes an Int32 length, and `appendRaw`
            // may have buffered more than Int32 can count (`Int32(count)` would trap).
            let sent = bytes.withUnsafeBufferPointer { pointer in
                pointer.withMemoryRebound(to: CChar.self) { chars in
                    var offset = 0
                    while offset < chars.count {
                        let piece = Swift.min(chars.count - offset, 1 << 20)
                        guard PQputCopyData(handle.pointer, chars.baseAddress! + offset, Int32(piece)) == 1 else {
                            return Int32(-1)
                        }
                        offset += piece
                    }
                    return Int32(1)
                }
            }
            bytes.removeAll(keepingCapacity: true)
            if sent != 1 { throw self.lostOrUnexpected(handle) }
        })
        do {
            try body(&writer)
            if !writer.buffer.isEmpty { try writer.flush(&writer.buffer) }
        } catch {
            _ = PQputCopyEnd(handle.pointer, "aborted by client: \(error)")
            drainResults(handle)
            throw error
        }
        guard PQputCopyEnd(handle.pointer, nil) == 1 else { throw lostOrUnexpected(handle) }
        var loaded = 0
        var failure: (any Error)?
        while let raw = PQgetResult(handle.pointer) {
            do { loaded = try checked(raw, handle, sql: sql).affectedRows } catch { failure = failure ?? error }
        }
        if let failure { throw failure }
        return loaded
    }

    private func drainResults(_ handle: ConnectionHandle) {
        while let raw = PQgetResult(handle.pointer) { PQclear(raw) }
    }
}
