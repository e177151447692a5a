// Re-analyzes tables that outgrew their planner statistics, so cached plans switch to indexes within seconds.
import Logging
import PostgresClient
import Synchronization

/// Prepared statements keep a generic plan made when a table was small; a table that then
/// grows a hundredfold (a sweep enqueuing half a million jobs, a contact import) would be read
/// in full by every claim until autovacuum analyzes it. This service asks the database every
/// few seconds to analyze any table of the schema at least `minPages` large and `factor`
/// times larger than its statistics say (sql/queue/0003 has the rule and the measurements); the new
/// statistics make every session re-plan. A check costs one catalog read.
///
/// The function runs as its owner (SECURITY DEFINER, sql/queue/0008), so a worker role with
/// data rights only gets its tables analyzed. Where that cannot work, it says why once, at
/// warning level, rather than every two seconds or not at all: the connected role may not
/// call the function, or the function's owner may not analyze the tables.
struct StatisticsRefresher: Sendable {
    let store: JobStore
    /// 128 pages (1 MiB): below that a full read is cheap anyway (the function refuses less).
    var minPages = 128
    var factor = 4.0
    let logger: Logger
    /// The warnings already given by this process's refresher, by cause.
    let warned = WarnedOnce()

    /// Returns how many tables were really analyzed. A table PostgreSQL skipped (a warning, no
    /// error) is told apart by its unchanged statistics (sql/queue/0005).
    func run(on connection: isolated PGConnection) throws -> Int {
        let rows: [PGRow]
        do {
            rows = try connection.query(store.sql.refreshOutgrownStatistics, [minPages, factor]).rows
        } catch let error as PGError where error.sqlState == "42501" {
            warnOnce(
                "may-not-call",
                "planner statistics are not refreshed: this role may not call refresh_outgrown_statistics (\(error.message)); "
                    + "`ebbflow migrate` run as the schema's owner grants EXECUTE to the <prefix>_worker role"
            )
            return 0
        }
        var analyzed: [String] = []
        var skipped: [String] = []
        for row in rows {
            let table: String = try row.decode("table")
            if try row.decode("analyzed", as: Bool.self) { analyzed.append(table) } else { skipped.append(table) }
        }
        if !analyzed.isEmpty {
            logger.info("refreshed planner statistics", metadata: ["tables": "\(analyzed.joined(separator: ","))"])
        }
        if !skipped.isEmpty, !warned.contains("skipped") {
            let owner = try connection.query(store.sql.statisticsFunctionOwner).first?.decode("owner", as: String.self)
            warnOnce(
                "skipped",
                "planner statistics are not refreshed: PostgreSQL skipped ANALYZE of \(skipped.joined(separator: ", ")) "
                    + "because refresh_outgrown_statistics runs as its owner, \(owner ?? "?"), who may not analyze them "
                    + "(only a table's owner, the database's owner or a superuser may); run `ebbflow migrate` as the schema's owner"
            )
        }
        return analyzed.count
    }

    private func warnOnce(_ cause: String, _ message: String) {
        guard warned.insert(cause) else { return }
        logger.warning("\(message)")
    }
}

/// Causes already warned about, shared by the copies of a refresher.
final class WarnedOnce: Sendable {
    private let causes = Mutex<Set<String>>([])

    /// True the first time `cause` is inserted.
    func insert(_ cause: String) -> Bool { causes.withLock { $0.insert(cause).inserted } }
    func contains(_ cause: String) -> Bool { causes.withLock { $0.contains(cause) } }
}
