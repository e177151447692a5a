// Reads a database password from a file holding just the password (a Docker or Kubernetes secret).
import Foundation

/// A password kept in a file of its own, as Docker and Kubernetes mount secrets.
///
/// Why not only libpq's `passfile`: a secret file holds the bare password, not the
/// `host:port:db:user:password` lines libpq's password file wants. The file is read once, in
/// full, and checked so a mounted directory, an empty secret or a stray second line is a clear
/// one-line refusal rather than a failed authentication; no message ever shows its contents.
public enum PGPasswordFile {
    /// A password is short text; a file larger than this is the wrong file.
    public static let maximumBytes = 1024

    /// The password: the file's text without one trailing line break (`\n` or `\r\n`).
    public static func read(_ path: String) throws(PGError) -> String {
        let what = "the database password file \(path)"
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw PGError(.invalidConfiguration, "\(what) does not exist")
        }
        guard !isDirectory.boolValue else { throw PGError(.invalidConfiguration, "\(what) is a directory, not a file") }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw PGError(.invalidConfiguration, "\(what) cannot be read (permission denied?)")
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: maximumBytes + 1) ?? Data()
        } catch {
            throw PGError(.invalidConfiguration, "\(what) cannot be read")
        }
        guard data.count <= maximumBytes else {
            throw PGError(
                .invalidConfiguration, "\(what) is larger than \(maximumBytes) bytes; it must hold only the password")
        }
        guard var text = String(data: data, encoding: .utf8) else {
            throw PGError(.invalidConfiguration, "\(what) is not UTF-8 text")
        }
        if text.hasSuffix("\r\n") { text.removeLast(1) } else if text.hasSuffix("\n") { text.removeLast() }
        guard !text.isEmpty else { throw PGError(.invalidConfiguration, "\(what) is empty") }
        // By scalar: "\r\n" is one Character, equal to neither "\r" nor "\n".
        guard !text.unicodeScalars.contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\0" }) else {
            throw PGError(.invalidConfiguration, "\(what) holds more than one line; it must hold only the password")
        }
        return text
    }
}
