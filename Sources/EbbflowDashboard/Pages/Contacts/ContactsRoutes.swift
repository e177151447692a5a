// GET /dashboard/contacts (search by external id or email, or a filtered list) and /dashboard/contacts/{external_id} (one contact).
import EbbflowAPI
import EbbflowCore
import EbbflowEngine
import EbbflowHTTP
import EbbflowOperations
import Foundation
import Hummingbird
import PostgresClient

/// Why search is exact (an external id, or an address ignoring case): both are indexed, so a
/// search answers in milliseconds at any audience size; a prefix search would need another
/// index on a table of millions and was not asked for.
struct ContactsRoutes: Sendable {
    let kit: DashboardKit

    static let pageSize = 50
    static let timelineSize = 50

    func add(to group: RouterGroup<HTTPContext>) {
        group.get("contacts") { request, context in
            let query = request.queryValue("q") ?? ""
            let schema = kit.schema
            if !query.isEmpty {
                let hits = try await kit.database.read { connection in
                    try ContactSearch(schema: schema).find(query, on: connection)
                }
                if hits.count == 1 {
                    return Response(
                        status: .seeOther,
                        headers: [.location: "/dashboard/contacts/\(Href.component(hits[0].externalID))"])
                }
                return try await kit.page(
                    request, context, section: .contacts, title: "Contacts", template: "contacts/list",
                    data: [
                        "q": query, "searched": true, "none": hits.isEmpty,
                        "contacts": hits.map {
                            Self.row(externalID: $0.externalID, email: $0.email, segment: $0.segment, status: $0.status)
                        },
                    ])
            }
            let status = try ContactOperations.status(request.queryValue("status"))
            let segment = request.queryValue("segment")
            let after = request.queryValue("after")
            let rows = try await kit.database.read { connection in
                try ContactStore(schema: schema).list(
                    status: status, segment: segment, after: after, limit: Self.pageSize + 1,
                    policies: try PolicyStore(schema: schema).load(on: connection), on: connection)
            }
            var data: [String: any Sendable] = [
                "contacts": rows.prefix(Self.pageSize).map {
                    Self.row(externalID: $0.externalID, email: $0.email, segment: $0.segment, status: $0.status)
                },
                "none": rows.isEmpty, "segment": segment ?? "",
                "statuses": ([nil] + CampaignStatus.allCases).map { option -> [String: any Sendable] in
                    ["value": option?.rawValue ?? "", "name": option?.rawValue ?? "any", "selected": option == status]
                },
            ]
            if rows.count > Self.pageSize, let last = rows.prefix(Self.pageSize).last {
                var parts = ["after=\(Href.component(last.externalID))"]
                if let status { parts.append("status=\(status.rawValue)") }
                if let segment { parts.append("segment=\(Href.component(segment))") }
                data["nextHref"] = "/dashboard/contacts?" + parts.joined(separator: "&")
            }
            return try await kit.page(
                request, context, section: .contacts, title: "Contacts", template: "contacts/list", data: data)
        }
        group.get("contacts/:external_id") { request, context in
            let externalID = try PrivacyOperations.externalID(try request.pathParameter("external_id", context))
            let before = try request.queryValue("before").map { try ContactTimelineCursor(token: $0) }
            let schema = kit.schema
            let data = try await kit.database.read { connection in
                try ContactPage.load(externalID, before: before, limit: Self.timelineSize, schema, on: connection)
            }
            return try await kit.page(
                request, context, section: .contacts, title: "Contact \(externalID)", template: "contacts/show",
                data: data)
        }
        ContactActions(kit: kit).add(to: group)
    }

    static func row(externalID: String, email: String?, segment: String, status: CampaignStatus)
        -> [String: any Sendable]
    {
        var row: [String: any Sendable] = [
            "externalID": externalID, "href": "/dashboard/contacts/\(Href.component(externalID))",
            "segment": segment, "status": status.rawValue,
        ]
        row["email"] = email
        return row
    }
}
