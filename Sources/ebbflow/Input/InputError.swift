// Bad input to a command: one clear line on stderr and exit code 1, with nothing changed.

/// Thrown by `validate()` and `run()` for input the user must fix. ArgumentParser prints a
/// non-ArgumentParser error as `Error: <description>` and exits 1, without the usage text it
/// adds to its own validation errors (exit 64): one line, as scripts and operators expect.
struct InputError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
