// Schedules for both front doors: the list, and run-now, enable, disable of one schedule by name.
import EbbflowCore
import EbbflowQueue
import Foundation
import PostgresClient

/// `schedules list|run-now|enable|disable` and `GET /v1/schedules`,
/// `POST /v1/schedules/{name}/run|enable|disable`.
public struct ScheduleOperations: Sendable {
    public let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    /// Every schedule with its next and last run, by name; the document is the array of
    /// `schedules list --json`.
    public func list(on database: PGConnection) async throws -> Shown<[ScheduleRow]> {
        let schedules = ScheduleStore(schema: schema)
        let rows = try await database.run { try schedules.list(on: $0) }
        return Shown(model: rows, document: .array(rows.map(Self.document)))
    }

    /// Makes a schedule due now; the next scheduler pass enqueues it. A disabled schedule is
    /// never fired, and the message says so rather than promise a run that will not come.
    @discardableResult
    public func runNow(name: String, on database: PGConnection) async throws -> ActionOutcome {
        let schedules = ScheduleStore(schema: schema)
        guard let enabled = try await database.run({ try schedules.runNow(name, on: $0) }) else {
            throw Self.unknown(name)
        }
        return ActionOutcome(
            enabled ? "schedule \(name) due now" : "schedule \(name) due now, but disabled: it fires once enabled",
            ["name": .string(name), "enabled": .bool(enabled)])
    }

    /// Enables or disables a schedule (it keeps its definition).
    @discardableResult
    public func setEnabled(name: String, _ enabled: Bool, on database: PGConnection) async throws -> ActionOutcome {
        let schedules = ScheduleStore(schema: schema)
        guard try await database.run({ try schedules.setEnabled(name, enabled, on: $0) }) else {
            throw Self.unknown(name)
        }
        return ActionOutcome(
            "schedule \(name) \(enabled ? "enabled" : "disabled")", ["name": .string(name), "enabled": .bool(enabled)])
    }

    static func unknown(_ name: String) -> OperationError { .notFound("no schedule named \"\(name)\"") }

    /// A schedule as `schedules list --json` prints it; `args` stays a JSON value.
    static func document(_ row: ScheduleRow) -> JSONDocument {
        [
            "name": .string(row.name), "cron": .string(row.cron), "tz": .string(row.timeZone),
            "kind": .string(row.kind), "queue": .string(row.queue), "enabled": .bool(row.enabled),
            "args": JSONDocument(parsing: row.args.bytes) ?? .null,
            "priority": .whole(row.priority), "max_attempts": .whole(row.maxAttempts),
            "next_run_at": .time(row.nextRunAt), "last_run_at": .time(row.lastRunAt),
        ]
    }
}
