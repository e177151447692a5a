// Starts a child process with an empty signal mask, as a shell would.
import Foundation

/// Why: the test process's threads block most signals, and Foundation's `Process` passes that
/// mask on. Tools such as `runuser` then wait forever for a SIGCHLD they cannot receive, and a
/// daemon started that way cannot be stopped with SIGTERM.
public enum CleanSpawn {
    /// Runs `path ARGS` to completion with stdout/stderr to /dev/null; returns the exit status.
    public static func run(_ path: String, _ arguments: [String], environment: [String: String]) throws -> Int32 {
        let pid = try spawn(path, arguments, environment: environment, outputPath: "/dev/null", newProcessGroup: false)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status >> 8) & 0xff
    }

    /// Starts `path ARGS` in the background in a process group of its own (so a kill of the
    /// group reaches anything it forks), stdout and stderr appended to `outputPath`; returns
    /// its pid. The caller must kill and `waitpid` it.
    public static func start(_ path: String, _ arguments: [String], environment: [String: String], outputPath: String)
        throws -> pid_t
    {
        try spawn(path, arguments, environment: environment, outputPath: outputPath, newProcessGroup: true)
    }

    private static func spawn(
        _ path: String, _ arguments: [String], environment: [String: String],
        outputPath: String, newProcessGroup: Bool
    ) throws -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGCHLD, SIGPIPE, SIGALRM, SIGHUP, SIGUSR1, SIGUSR2] {
            sigaddset(&defaults, signal)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        if newProcessGroup {
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= POSIX_SPAWN_SETPGROUP
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EINVAL) }
        return pid
    }
}
