// The Jobs list page's data: the state tabs with capped counts, unfinished jobs by queue, one keyset page of the tab.
import EbbflowCore
import EbbflowQueue
import Foundation
import PostgresClient

/// Why counts and page come from one snapshot (the caller's read transaction): the tab's
/// count and its first page agree. Every statement is bounded: live counts scan the small
/// `jobs` table, finished counts stop at 100,000 rows of `finished_jobs_prune`, a page reads
/// at most 50,000 index rows of its tab's index (`JobStore.browse`).
enum JobsList {
    /// The page: the counts fragment's data, the filter form's values, the rows and the links on.
    static func load(_ query: JobsQuery, _ schema: SchemaName, on connection: isolated PGConnection) throws
        -> [String: any Sendable]
    {
        var data = try counts(query, schema, on: connection)
        let now = data["nowDate"] as? Date ?? Date()
        let page = try JobStore(schema: schema).browse(query.filter, after: query.cursor, on: connection)
        let base = "/dashboard/jobs?\(query.query())"
        data["jobs"] = page.jobs.map { JobRowView.context($0, now: now) }
        data["none"] = page.jobs.isEmpty
        data["described"] = query.described
        data["queue"] = query.filter.queue ?? ""
        data["kind"] = query.filter.kind ?? ""
        data["state"] = query.filter.tab.rawValue
        data["filtered"] = query.filter.queue != nil || query.filter.kind != nil
        data["timeHeading"] = timeHeading(query.filter.tab)
        data["countsHref"] = "/dashboard/jobs/fragments/counts?\(query.query())"
        data["order"] = orderWords(query.filter.tab)
        if query.cursor != nil { data["firstHref"] = base }
        if let next = page.next { data["nextHref"] = "\(base)&cursor=\(next.text)" }
        if page.scanStopped, let scanned = page.scanned {
            data["scanNote"] =
                "Searched \(ViewFormat.count(scanned)) jobs past this point and found "
                + "\(page.jobs.isEmpty ? "none" : "only \(page.jobs.count)") matching; continue to search further."
        }
        data["bulk"] = JobBulkAction.allCases.filter { $0.tabs.contains(query.filter.tab) }.map { action in
            [
                "label": "\(action.rawValue.capitalized) every matching job…",
                "href": "/dashboard/jobs/confirm?action=\(action.rawValue)&\(query.query())",
                "danger": action == .delete,
            ] as [String: any Sendable]
        }
        return data
    }

    /// The live part: a tab per state with its count (queue filter applied; the kind filter
    /// is not counted: no index serves it), and unfinished jobs by queue.
    static func counts(_ query: JobsQuery, _ schema: SchemaName, on connection: isolated PGConnection) throws
        -> [String: any Sendable]
    {
        let counts = try JobStore(schema: schema).counts(queue: query.filter.queue, on: connection)
        var live: [String: Int] = [:]
        var byQueue: [String: [String: Int]] = [:]
        for row in counts.live {
            live[row.state, default: 0] += row.jobs
            byQueue[row.queue, default: [:]][row.state, default: 0] += row.jobs
        }
        let tabs: [[String: any Sendable]] = JobTab.allCases.map { tab in
            let shown: String =
                if let finished = counts.finished[tab.rawValue] {
                    ViewFormat.count(finished.value) + (finished.capped ? "+" : "")
                } else {
                    ViewFormat.count(live[tab.rawValue] ?? 0)
                }
            return [
                "label": tab.rawValue.capitalized, "count": shown, "href": "/dashboard/jobs?\(query.query(tab: tab))",
                "current": tab == query.filter.tab,
            ]
        }
        let queues: [[String: any Sendable]] = byQueue.keys.sorted().map { queue in
            let states = byQueue[queue] ?? [:]
            var item: [String: any Sendable] = [
                "queue": queue,
                "href": "/dashboard/jobs?state=\(query.filter.tab.rawValue)&queue=\(Href.component(queue))",
            ]
            for state in ["available", "scheduled", "retryable", "running"] {
                item[state] = ViewFormat.count(states[state] ?? 0)
            }
            return item
        }
        var data: [String: any Sendable] = [
            "tabs": tabs, "queues": queues, "noQueues": queues.isEmpty, "asOf": ViewFormat.time(counts.now),
            "nowDate": counts.now,
        ]
        if query.filter.kind != nil { data["kindNote"] = true }
        return data
    }

    static func timeHeading(_ tab: JobTab) -> String {
        switch tab.order {
        case .id: "Started"
        case .claim: "Runs"
        case .finished: "Finished"
        }
    }

    static func orderWords(_ tab: JobTab) -> String {
        switch tab.order {
        case .id: "by id"
        case .claim: "in the order workers will claim them (priority, then run time)"
        case .finished: "newest first"
        }
    }
}
