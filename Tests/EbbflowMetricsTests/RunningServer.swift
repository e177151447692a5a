// Runs an HTTPServer in its own ServiceGroup for one test, on an ephemeral port, and shuts it down gracefully.
import EbbflowHTTP
import Logging
import ServiceLifecycle
import Synchronization

/// The port the kernel chose, handed from the server's `onListening` to the waiting test.
final class PortBox: Sendable {
    private let stream: AsyncStream<Int>
    private let continuation: AsyncStream<Int>.Continuation

    init() { (stream, continuation) = AsyncStream.makeStream() }
    func told(_ port: Int) { continuation.yield(port) }
    func first() async -> Int? { await stream.first { _ in true } }
}

enum RunningServer {
    /// Starts a server for `routes` on 127.0.0.1 (or `host`), runs `body` with its port, then
    /// shuts the group down gracefully and waits for the server to return.
    static func with<T: Sendable>(
        _ routes: [any HTTPRoutes], host: String = "127.0.0.1", idleTimeout: Duration = .seconds(60),
        _ body: @Sendable (Int) async throws -> T
    ) async throws -> T {
        let box = PortBox()
        let server = HTTPServer(host: host, port: 0, routes: routes, idleTimeout: idleTimeout, logger: quietLogger) {
            box.told($0)
        }
        let group = ServiceGroup(services: [server], logger: quietLogger)
        let running = Task { try await group.run() }
        guard let port = await box.first() else { throw ClientError(description: "the server never listened") }
        do {
            let value = try await body(port)
            await group.triggerGracefulShutdown()
            try await running.value
            return value
        } catch {
            await group.triggerGracefulShutdown()
            try? await running.value
            throw error
        }
    }
}
