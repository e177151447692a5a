// The command line's raw bytes, checked for valid UTF-8 before any argument is parsed.
import Foundation

enum RawArguments {
    /// The first argument whose bytes are not valid UTF-8, described without its bytes
    /// ("argument 4 (the value of --args)"), or nil when all are valid.
    ///
    /// Why: Swift decodes the command line with repair, so invalid bytes in `--args` became
    /// U+FFFD and were stored as if the user had typed them. The raw `argv` is the only place
    /// the difference is still visible.
    static func firstInvalidUTF8() -> String? {
        let count = Int(CommandLine.argc)
        guard count > 1 else { return nil }
        for index in 1..<count {
            guard let pointer = CommandLine.unsafeArgv[index], String(validatingCString: pointer) == nil else {
                continue
            }
            let previous = index > 1 ? CommandLine.unsafeArgv[index - 1].flatMap { String(validatingCString: $0) } : nil
            if let previous, previous.hasPrefix("-") { return "argument \(index) (the value of \(previous))" }
            return "argument \(index)"
        }
        return nil
    }
}
