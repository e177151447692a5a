// Suppress, unsuppress, export and forget one contact: each a GET confirmation page, then a POST an admin key sends.
import EbbflowAPI
import EbbflowCore
import EbbflowEngine
import EbbflowHTTP
import EbbflowOperations
import Foundation
import Hummingbird

/// Why every one is confirmed: suppressing cancels the contact's pending sends, unsuppressing
/// needs the consent that allows it on record, an export writes an audit row and hands over
/// personal data, and forgetting erases the contact for good (it must be typed to be done).
struct ContactActions: Sendable {
    let kit: DashboardKit

    enum Action: String, CaseIterable, Sendable {
        case suppress, unsuppress, export, forget

        var title: String {
            switch self {
            case .suppress: "Suppress"
            case .unsuppress: "Unsuppress"
            case .export: "Export"
            case .forget: "Forget"
            }
        }
    }

    func add(to group: RouterGroup<HTTPContext>) {
        for action in Action.allCases {
            group.get(RouterPath("contacts/:external_id/\(action.rawValue)")) { request, context in
                let externalID = try PrivacyOperations.externalID(try request.pathParameter("external_id", context))
                return try await kit.page(
                    request, context, section: .contacts, title: "\(action.title) \(externalID)?",
                    template: "contacts/confirm", data: Self.confirmation(action, externalID))
            }
            group.post(RouterPath("contacts/:external_id/\(action.rawValue)")) { request, context in
                var request = request
                let form = try await kit.actionForm(&request, context)
                let externalID = try PrivacyOperations.externalID(try request.pathParameter("external_id", context))
                return try await perform(action, externalID, form)
            }
        }
    }

    private func perform(_ action: Action, _ externalID: String, _ form: FormFields) async throws -> Response {
        let schema = kit.schema
        let page = "/dashboard/contacts/\(Href.component(externalID))"
        switch action {
        case .suppress:
            let reason = (form["reason"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            let outcome = try await kit.database.act { connection in
                try await ConsentOperations(schema: schema).suppress(
                    externalID: externalID, reason: reason.isEmpty ? "suppressed from the dashboard" : reason,
                    on: connection)
            }
            return kit.redirect(to: page, flash: outcome.message)
        case .unsuppress:
            let source = (form["consent_source"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            guard !source.isEmpty else {
                throw APIError(
                    .badRequest, "say where the new consent comes from (consent source)", field: "consent_source")
            }
            let outcome = try await kit.database.act { connection in
                try await ConsentOperations(schema: schema).unsuppress(
                    externalID: externalID, consentSource: source, on: connection)
            }
            return kit.redirect(to: page, flash: outcome.message)
        case .export:
            let database = kit.database.database
            let found = try await kit.database.act { connection in
                try await PrivacyOperations(schema: schema).beginExport(
                    externalID: externalID, via: "api", on: connection)
            }
            let file = externalID.unicodeScalars.map {
                CharacterSet.alphanumerics.contains($0) && $0.isASCII ? String($0) : "_"
            }.joined().prefix(80)
            return Response(
                status: .ok,
                headers: [
                    .contentType: "application/json; charset=utf-8",
                    .contentDisposition: "attachment; filename=\"contact-\(file).json\"",
                ],
                body: ExportBody.streamed(found, schema: schema, database: database))
        case .forget:
            guard form["confirm"] == externalID else {
                throw APIError(
                    .badRequest, "type the contact's external id exactly to forget it; nothing was erased",
                    field: "confirm")
            }
            let outcome = try await kit.database.act { connection in
                try await PrivacyOperations(schema: schema).forget(externalID: externalID, via: "api", on: connection)
            }
            return kit.redirect(to: NavSection.contacts.path, flash: outcome.message)
        }
    }

    static func confirmation(_ action: Action, _ externalID: String) -> [String: any Sendable] {
        let lines: [String] =
            switch action {
            case .suppress:
                [
                    "The contact becomes suppressed: no message of any flow, stream or campaign reaches it.",
                    "Its pending and failed sends are cancelled, it leaves its stream, and an audit row records who and why.",
                    "Unsuppressing later needs the source of new consent.",
                ]
            case .unsuppress:
                [
                    "The contact becomes active again, on email, whatever it was suppressed for (an unsubscribe or a complaint too).",
                    "Do this only with new consent on record: say where it comes from; the audit row keeps it.",
                ]
            case .export:
                [
                    "Downloads everything ebbflow holds about the contact as one JSON document (the same as `ebbflow contacts export`).",
                    "The export is recorded in the contact's audit rows.",
                ]
            case .forget:
                [
                    "Erases the person: the email, external id, attributes, URLs, provider ids, send variables and "
                        + "consent details are removed; the contact becomes an anonymous tombstone suppressed as "
                        + "forgotten, so the audience's and experiments' figures do not change after the fact.",
                    "A keyed digest stays, so the person is never imported again by mistake. This cannot be undone: type the external id to confirm.",
                ]
            }
        var data: [String: any Sendable] = [
            "externalID": externalID, "verb": action.title,
            "lines": lines.map { ["line": $0] as [String: any Sendable] },
            "action": "/dashboard/contacts/\(Href.component(externalID))/\(action.rawValue)",
            "back": "/dashboard/contacts/\(Href.component(externalID))",
            "danger": action == .suppress || action == .forget,
        ]
        switch action {
        case .suppress: data["reasonField"] = true
        case .unsuppress: data["consentField"] = true
        case .forget: data["typeField"] = true
        case .export: break
        }
        return data
    }
}
