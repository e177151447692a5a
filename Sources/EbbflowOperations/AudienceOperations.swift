// The audience for both front doors: counts by segment and status now, or the daily snapshots.
import EbbflowCore
import EbbflowEngine
import Foundation
import PostgresClient

/// `audience` / `GET /v1/audience` and `audience --history` / `GET /v1/audience/history?days=`.
public struct AudienceOperations: Sendable {
    public let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    /// How far back history goes unless asked.
    public static let defaultDays = 30
    /// The most days of history one call reads (ten years and change).
    public static let maximumDays = 3_660

    /// Contacts by segment and status, now (optionally one segment). The document is the array
    /// of `audience --json`: `[{"segment", "status", "contacts"}]`.
    public func now(segment: String?, on database: PGConnection) async throws -> Shown<[AudienceCount]> {
        let contacts = ContactStore(schema: schema)
        let counts = try await database.run { try contacts.audience(segment: segment, on: $0) }
        return Shown(
            model: counts,
            document: .array(
                counts.map {
                    [
                        "segment": .string($0.segment), "status": .string($0.status.rawValue),
                        "contacts": .whole($0.contacts),
                    ]
                }))
    }

    /// Checks a number of days: `defaultDays` when nil, else 1...`maximumDays`, naming `days`.
    public static func days(_ days: Int?) throws(OperationError) -> Int {
        guard let days else { return defaultDays }
        do { return try InputBounds.integer(days, field: "days", in: 1...maximumDays) } catch {
            throw .invalid(error.description, field: "days")
        }
    }

    /// The daily snapshots of the last `days` days. The document is the array of
    /// `audience --history … --json`: `[{"day", "segment", "status", "contacts"}]`.
    public func history(days: Int?, segment: String?, on database: PGConnection) async throws
        -> Shown<[AudienceSnapshotRow]>
    {
        let days = try Self.days(days)
        let store = AudienceHistory(schema: schema)
        let rows = try await database.run { try store.history(days: days, segment: segment, on: $0) }
        return Shown(
            model: rows,
            document: .array(
                rows.map {
                    [
                        "day": .time($0.day), "segment": .string($0.segment), "status": .string($0.status.rawValue),
                        "contacts": .whole($0.contacts),
                    ]
                }))
    }
}
