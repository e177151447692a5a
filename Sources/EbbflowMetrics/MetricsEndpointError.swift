// The typed errors MetricsEndpoint.start() throws, worded for an operator reading one log line.
import Glibc

/// Why the metrics endpoint could not start.
///
/// Each case carries what an operator needs to act (the port, the host, the failing call)
/// so `description` alone makes a useful log line or CLI error, e.g. "port 9090 is already in use".
public enum MetricsEndpointError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Another process (or another endpoint in this one) already listens on the port.
    case portInUse(port: Int)
    /// The process may not bind the port (a port below 1024 without the capability).
    case permissionDenied(port: Int)
    /// The host is neither an address of this machine nor a name that resolves to one.
    case invalidHost(host: String, reason: String)
    /// `start()` was called on an endpoint that is running or has been stopped; make a new one.
    case alreadyStarted
    /// Any other failing system call, with its errno.
    case system(operation: String, errno: Int32, message: String)

    public var description: String {
        switch self {
        case .portInUse(let port):
            "port \(port) is already in use"
        case .permissionDenied(let port):
            "permission denied binding port \(port)"
        case .invalidHost(let host, let reason):
            "cannot listen on host \"\(host)\": \(reason)"
        case .alreadyStarted:
            "the metrics endpoint was already started; create a new MetricsEndpoint to start again"
        case .system(let operation, let errno, let message):
            "\(operation) failed: \(message) (errno \(errno))"
        }
    }

    /// Builds `.system` from the current `errno`, so call it right after the failing call.
    static func lastSystemError(_ operation: String) -> MetricsEndpointError {
        let code = errno
        return .system(operation: operation, errno: code, message: String(cString: strerror(code)))
    }
}
