// Where an import's bytes come from (a file, an open descriptor or bytes in memory), read in fixed-size chunks.
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The input of an import, by reference: a file is opened and read in chunks, never loaded
/// whole, so a 1 GB file imports in bounded memory. Sendable, so it can be opened on the
/// connection's own thread (file reads then never block Swift's cooperative pool).
public enum ImportSource: Sendable {
    case file(path: String)
    /// An open, seekable descriptor the caller owns and closes (standard input's private
    /// copy, already unlinked: see `StandardInputSpool`). Each `open()` reads it from byte 0
    /// with pread, so the descriptor's own offset never matters and a retry reads it all again.
    case descriptor(Int32)
    case bytes([UInt8])

    /// Text in memory (tests and the simulator).
    public static func text(_ text: String) -> ImportSource { .bytes(Array(text.utf8)) }

    /// A fresh reader from the first byte (a retried contact import reads its file again).
    func open() throws -> ByteChunks {
        switch self {
        case .file(let path):
            guard let handle = FileHandle(forReadingAtPath: path) else { throw ImportError("cannot read \(path)") }
            return ByteChunks(handle: handle)
        case .descriptor(let fd):
            return ByteChunks(descriptor: fd)
        case .bytes(let bytes):
            return ByteChunks(bytes: bytes)
        }
    }
}

/// Chunks of at most 256 KiB, in order, until the end.
final class ByteChunks {
    private let handle: FileHandle?
    /// A descriptor read by position (not owned: never closed here), and the next position.
    private let descriptor: Int32?
    private var offset: off_t = 0
    private var remaining: ArraySlice<UInt8>
    static let chunkSize = 256 * 1024

    init(handle: FileHandle) {
        self.handle = handle
        descriptor = nil
        remaining = []
    }

    init(descriptor: Int32) {
        handle = nil
        self.descriptor = descriptor
        remaining = []
    }

    init(bytes: [UInt8]) {
        handle = nil
        descriptor = nil
        remaining = bytes[...]
    }

    deinit { try? handle?.close() }

    /// The next chunk; empty at the end.
    func next() throws -> [UInt8] {
        if let handle {
            return try handle.read(upToCount: Self.chunkSize).map { [UInt8]($0) } ?? []
        }
        if let descriptor {
            var chunk = [UInt8](repeating: 0, count: Self.chunkSize)
            while true {
                let count = chunk.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, offset) }
                if count >= 0 {
                    offset += off_t(count)
                    return Array(chunk.prefix(count))
                }
                if errno != EINTR {
                    throw ImportError("cannot read the copy of standard input: \(String(cString: strerror(errno)))")
                }
            }
        }
        let chunk = remaining.prefix(Self.chunkSize)
        remaining = remaining.dropFirst(chunk.count)
        return Array(chunk)
    }
}

/// An import that cannot go on (an unreadable file, a header that is not one): one line.
public struct ImportError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
