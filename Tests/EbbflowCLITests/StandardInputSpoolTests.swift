// An import's copy of standard input: readable by its process only, and never left behind.
import EbbflowTestSupport
import Foundation
import Testing

@Suite struct StandardInputSpoolTests {
    /// The copy was once `$TMPDIR/ebbflow-import-<pid>`, mode 0644, for any local user to read
    /// while the import ran, and left behind by SIGTERM. While an import waits for more input,
    /// its copy is open, mode 0600 and already unlinked; SIGTERM then leaves nothing in TMPDIR.
    @Test func theCopyIsPrivateUnlinkedAndGoneAfterSIGTERM() async throws {
        let schema = TestDatabase.uniqueSchemaName("spool")
        let base = ["--schema", schema, "--database-url", try TestDatabase.url]
        #expect(try await EbbflowBinary.run(["migrate"] + base).exitCode == 0)
        let tmp = try scratchDirectory("\(schema)-tmp")
        defer { try? FileManager.default.removeItem(at: tmp) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: EbbflowBinary.path)
        process.arguments = ["contacts", "import", "-", "--format", "csv"] + base
        process.environment = ProcessInfo.processInfo.environment.merging(["TMPDIR": tmp.path]) { $1 }
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        try input.fileHandleForWriting.write(contentsOf: Data("external_id,email\nc-1,c1@example.com\n".utf8))
        let copy = try await spoolCopy(of: process.processIdentifier)
        #expect(
            copy?.target.hasSuffix(" (deleted)") == true,
            "the copy keeps a name while the import runs: \(String(describing: copy))")
        #expect(
            copy.map { $0.mode & 0o777 } == 0o600,
            "mode \(String(describing: copy.map { String($0.mode & 0o777, radix: 8) }))")
        #expect(leftovers(in: tmp).isEmpty)
        kill(process.processIdentifier, SIGTERM)
        await waitForExit(process)
        try? input.fileHandleForWriting.close()
        #expect(leftovers(in: tmp).isEmpty, "SIGTERM left \(leftovers(in: tmp))")
        try await TestDatabase.dropSchema(schema)
    }

    /// A copy that fails (here standard input is a directory, so reading it fails as a full
    /// disk would fail the writes) fails the import and leaves nothing in TMPDIR.
    @Test func aFailedCopyLeavesNothing() async throws {
        let tmp = try scratchDirectory("\(TestDatabase.uniqueSchemaName("spoolfail"))-tmp")
        defer { try? FileManager.default.removeItem(at: tmp) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: EbbflowBinary.path)
        process.arguments = ["events", "import", "-", "--format", "ndjson", "--database-url", try TestDatabase.url]
        process.environment = ProcessInfo.processInfo.environment.merging(["TMPDIR": tmp.path]) { $1 }
        process.standardInput = try FileHandle(forReadingFrom: tmp)
        process.standardOutput = FileHandle.nullDevice
        let err = Pipe()
        process.standardError = err
        try process.run()
        let stderr = await Task.detached {
            String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        }.value
        await waitForExit(process)
        #expect(process.terminationStatus != 0 && stderr.contains("standard input"), "\(stderr)")
        #expect(leftovers(in: tmp).isEmpty, "a failed copy left \(leftovers(in: tmp))")
    }
}

/// The ebbflow-import files in `directory`.
private func leftovers(in directory: URL) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter {
        $0.hasPrefix("ebbflow-import")
    }
}

/// The copy of standard input open in process `pid` (its /proc link and its file's mode), once
/// it is unlinked, or as last seen when it still has a name after 20 s; nil if never seen.
private func spoolCopy(of pid: Int32) async throws -> (target: String, mode: mode_t)? {
    var seen: (target: String, mode: mode_t)?
    for _ in 0..<1_000 {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
        for fd in fds {
            let path = "/proc/\(pid)/fd/\(fd)"
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path),
                target.contains("/ebbflow-import")
            else { continue }
            var info = stat()
            guard stat(path, &info) == 0 else { continue }
            seen = (target, info.st_mode)
            if target.hasSuffix(" (deleted)") { return seen }
        }
        try await Task.sleep(for: .milliseconds(20))
    }
    return seen
}

/// Waits for `process` to end off the cooperative pool.
private func waitForExit(_ process: Process) async {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread {
            process.waitUntilExit()
            continuation.resume()
        }
    }
}
