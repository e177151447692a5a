// What the Jobs pages read from a link or a form: the state tab, queue and kind filter, cursor, job id, refused naming the field.
import EbbflowHTTP
import EbbflowOperations
import EbbflowQueue
import Hummingbird

/// Why one reader for every Jobs route: the list, its counts fragment, the confirmation page
/// and the action POST must agree on what a filter is and refuse the same bad input with the
/// same words (`JobBulkOperations`' parsers, which name the field).
struct JobsQuery: Sendable {
    var filter: JobFilter
    var cursor: JobCursor?

    /// The tab a bare `/dashboard/jobs` opens on: what will run next.
    static let defaultTab = JobTab.available

    /// A filter from the query of `request`, refusing keys outside `allowed`.
    init(_ request: Request, allowed: Set<String> = ["state", "queue", "kind", "cursor"]) throws {
        let query = request.uri.queryParameters
        try Self.refuseUnknown(query.map { String($0.key) }, allowed: allowed)
        func value(_ name: String) -> String? { query[Substring(name)].map(String.init) }
        try self.init(state: value("state"), queue: value("queue"), kind: value("kind"), cursor: value("cursor"))
    }

    /// A filter from text fields; an absent or empty state is the default tab.
    init(state: String?, queue: String?, kind: String?, cursor: String? = nil) throws {
        let state = state.flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultTab.rawValue
        filter = try JobBulkOperations.filter(state: state, queue: queue, kind: kind)
        self.cursor = try JobBulkOperations.cursor(cursor, tab: filter.tab)
    }

    /// Refuses a key no Jobs route reads (a typo would otherwise silently show every job).
    static func refuseUnknown(_ keys: [String], allowed: Set<String>) throws {
        if let unknown = keys.first(where: { !allowed.contains($0) }) {
            throw APIError(
                .badRequest,
                "unknown parameter \"\(unknown.prefix(64))\"; this page reads \(allowed.sorted().joined(separator: ", "))",
                field: String(unknown.prefix(64)))
        }
    }

    /// A job id from a path or form: a positive whole number, else refused naming `id`.
    static func jobID(_ text: String?) throws -> Int64 {
        guard let text, let id = Int64(text), id > 0 else {
            throw APIError(
                .badRequest, "job id \"\((text ?? "").prefix(64))\" is not a positive whole number", field: "id")
        }
        return id
    }

    /// The query string of this filter on another tab (or this one), without a cursor.
    func query(tab: JobTab? = nil) -> String {
        var parts = ["state=\((tab ?? filter.tab).rawValue)"]
        if let queue = filter.queue { parts.append("queue=\(Href.component(queue))") }
        if let kind = filter.kind { parts.append("kind=\(Href.component(kind))") }
        return parts.joined(separator: "&")
    }

    /// Words for the filter: "discarded jobs in queue default of kind email".
    var described: String { described(count: 2) }

    /// The words for `count` jobs: "job" for one, else "jobs".
    func described(count: Int) -> String {
        var text = "\(filter.tab.rawValue) \(count == 1 ? "job" : "jobs")"
        if let queue = filter.queue { text += " in queue \(queue)" }
        if let kind = filter.kind { text += " of kind \(kind)" }
        return text
    }
}
