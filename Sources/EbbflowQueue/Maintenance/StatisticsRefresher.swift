// Re-analyzes tables that outgrew their planner statistics, so cached plans switch to indexes within seconds.
import Logging
import PostgresClient

/// Prepared statements keep a generic plan made when a table was small; a table that then
/// grows a hundredfold (a sweep enqueuing half a million jobs, a contact import) would be read
/// in full by every claim until autovacuum analyzes it. This service asks the database every
/// few seconds to analyze any table of the schema at least `minPages` large and `factor`
/// times larger than its statistics say (sql/queue/0003 has the rule and the measurements); the new
/// statistics make every session re-plan. A check costs one catalog read.
struct StatisticsRefresher: Sendable {
    let store: JobStore
    /// 128 pages (1 MiB): below that a full read is cheap anyway.
    var minPages = 128
    var factor = 4.0
    let logger: Logger

    /// Returns how many tables were really analyzed. Every outgrown table is asked for, and
    /// PostgreSQL decides (table owner, database owner, MAINTAIN/pg_maintain on 17,
    /// superuser); a table it skipped (a warning, no error) is told apart by its unchanged
    /// statistics, so it is not counted and not logged as refreshed (sql/queue/0005), only mentioned
    /// at debug level.
    func run(on connection: isolated PGConnection) throws -> Int {
        let rows = try connection.query(store.sql.refreshOutgrownStatistics, [minPages, factor]).rows
        var analyzed: [String] = []
        var skipped: [String] = []
        for row in rows {
            let table: String = try row.decode("table")
            if try row.decode("analyzed", as: Bool.self) { analyzed.append(table) } else { skipped.append(table) }
        }
        if !analyzed.isEmpty {
            logger.info("refreshed planner statistics", metadata: ["tables": "\(analyzed.joined(separator: ","))"])
        }
        if !skipped.isEmpty {
            logger.debug(
                "outgrown planner statistics not refreshed: PostgreSQL skipped ANALYZE (this role may not analyze them)",
                metadata: ["tables": "\(skipped.joined(separator: ","))"])
        }
        return analyzed.count
    }
}
