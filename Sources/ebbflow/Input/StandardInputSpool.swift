// Standard input's private copy for an import: a file only this process can read, and no name.
import EbbflowEngine
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Copies standard input, chunk by chunk, to a file made with mkstemp (mode 0600, a random name
/// in $TMPDIR) that is unlinked right after it is opened, and returns its open descriptor. Why:
/// a retried contact import reads its input again and a pipe can be read only once, but the
/// copy holds the imported contacts or events. Once named `ebbflow-import-<pid>` and readable
/// by every local user, it was left behind by SIGTERM, SIGINT or a copy that failed (disk full).
/// Unlinked, it has no name to read or to leave: the kernel frees it when the descriptor closes
/// or the process ends, however it ends. The caller closes the descriptor.
enum StandardInputSpool {
    static func copy(from input: FileHandle = .standardInput) throws -> Int32 {
        let directory = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template =
            Array((directory.hasSuffix("/") ? directory : directory + "/").utf8CString.dropLast())
            + Array("ebbflow-import-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw InputError(
                "cannot make a temporary copy of standard input in \(directory): \(String(cString: strerror(errno)))")
        }
        // Unlinked before a single byte is copied: nothing can be left behind from here on.
        _ = template.withUnsafeBufferPointer { unlink($0.baseAddress!) }
        do {
            let out = FileHandle(fileDescriptor: fd, closeOnDealloc: false)
            while let chunk = try input.read(upToCount: 1 << 20), !chunk.isEmpty { try out.write(contentsOf: chunk) }
        } catch {
            close(fd)
            throw InputError(
                "cannot copy standard input to a temporary file in \(directory): \(error.localizedDescription)")
        }
        return fd
    }
}
