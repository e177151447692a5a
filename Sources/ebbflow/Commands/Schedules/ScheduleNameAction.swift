// The shared body of the schedule commands that act on one schedule by name.
import EbbflowQueue
import PostgresClient

extension ConnectionOptions {
    /// Runs `action` on schedule `name`; a false result means no schedule has that name.
    func actOnSchedule(
        _ name: String, done: String,
        _ action: @escaping @Sendable (ScheduleStore, isolated PGConnection) throws -> Bool
    ) async throws {
        let schedules = ScheduleStore(schema: try schemaName)
        let database = try await connect()
        guard try await database.run({ try action(schedules, $0) }) else {
            throw QueueError.invalid("no schedule named \"\(name)\"")
        }
        print("schedule \(name) \(done)")
    }
}
