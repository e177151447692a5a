// GET /dashboard/streams (flows, streams, members over time, the arbiter's shares), /dashboard/streams/{name}, /dashboard/decisions.
import EbbflowAPI
import EbbflowCore
import EbbflowEngine
import EbbflowHTTP
import Hummingbird
import PostgresClient

struct StreamsRoutes: Sendable {
    let kit: DashboardKit

    static let days = 90
    static let decisionsPerPage = 50

    func add(to group: RouterGroup<HTTPContext>) {
        group.get("streams") { request, context in
            let schema = kit.schema
            let data = try await kit.database.read { connection in try StreamsOverview.load(schema, on: connection) }
            return try await kit.page(
                request, context, section: .streams, title: "Flows and streams", template: "streams/list", data: data)
        }
        group.get("streams/:name") { request, context in
            let name = try request.pathParameter("name", context)
            let schema = kit.schema
            let data = try await kit.database.read { connection in try StreamPage.load(name, schema, on: connection) }
            return try await kit.page(
                request, context, section: .streams, title: "Stream \(name)", template: "streams/show", data: data)
        }
        group.get("decisions") { request, context in
            let stream = request.queryValue("stream")
            let before = try request.queryValue("before").map { text -> Int64 in
                guard let id = Int64(text), id > 0 else {
                    throw DashboardInputError(field: "before", "not a decision id (the \"older\" link gives one)")
                }
                return id
            }
            let schema = kit.schema
            let page = try await kit.database.read { connection in
                try StreamHistory(schema: schema).decisionLog(
                    stream: stream, before: before, limit: Self.decisionsPerPage, on: connection)
            }
            var data: [String: any Sendable] = [
                "entries": page.entries.map(Self.decision), "none": page.entries.isEmpty, "stream": stream ?? "",
                "filtered": stream != nil, "scanned": ViewFormat.count(page.scanned),
            ]
            if let older = page.older {
                data["olderHref"] =
                    "/dashboard/decisions?before=\(older)" + (stream.map { "&stream=\(Href.component($0))" } ?? "")
            }
            return try await kit.page(
                request, context, section: .streams, title: "Arbiter decisions", template: "streams/decisions",
                data: data)
        }
    }

    static func decision(_ entry: StreamDecisionLogEntry) -> [String: any Sendable] {
        let decision = entry.decision
        var row: [String: any Sendable] = [
            "id": "\(entry.id)", "at": ViewFormat.time(decision.at), "trigger": decision.trigger,
            "reason": decision.reason, "chosen": decision.chosen ?? "none",
            "candidates": ContactTimelineView.candidates(decision.candidates.bytes)
                .map { "\($0["stream"] as? String ?? "?") \($0["draw"] as? String ?? "")" }.joined(separator: ", "),
        ]
        row["previous"] = decision.previous
        if !entry.externalID.isEmpty {
            row["contact"] = entry.externalID
            row["contactHref"] = "/dashboard/contacts/\(Href.component(entry.externalID))"
        }
        return row
    }
}
