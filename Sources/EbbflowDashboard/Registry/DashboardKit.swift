// What every page and action of the dashboard is built with: the database, the renderer, the session, answers.
import EbbflowCore
import EbbflowEngine
import EbbflowHTTP
import Foundation
import Hummingbird
import Logging
import NIOCore

/// Why one kit handed to every page's routes: the rules that must hold on every page (a
/// read-only snapshot, the layout with its navigation and CSRF token, the security headers,
/// actions only by POST with their token checked and the admin scope) live here once, and a
/// page's code only says what it reads and which template shows it.
struct DashboardKit: Sendable {
    let schema: SchemaName
    let database: DashboardDatabase
    let renderer: Renderer
    let configuration: DashboardConfiguration
    let sessions: SessionStore
    let cookie: SessionCookie
    let logger: Logger
    /// The audience now by status, segment and channel: recounted in the background once 10 s old.
    let audienceNow = TimedCache<AudienceNowResult>(ttl: .seconds(10))

    static let flashCookie = "ebbflow_flash"

    /// A whole page: `template` rendered with `data`, inside the layout.
    func page(
        _ request: Request, _ context: HTTPContext, section: NavSection?, title: String, template: String,
        data: [String: any Sendable]
    ) async throws -> Response {
        let flash = request.cookies[Self.flashCookie]?.value.removingPercentEncoding.map { String($0.prefix(500)) }
        let signedIn = context.caller
        let csrf = context.browserSession?.csrfToken
        let refresh = configuration.refreshSeconds
        let renderer = self.renderer
        let html = try await withTaskExecutorPreference(globalConcurrentExecutor) {
            // Rendering is CPU work: off the HTTP thread, which must stay free for probes and ingest.
            var data = data
            data["csrf"] = csrf
            data["canAct"] = signedIn?.scope.allows(.admin) ?? false
            data["refreshSeconds"] = refresh
            let body = try renderer.render(template, data)
            let nav: [[String: any Sendable]] = NavSection.allCases.map { item in
                ["title": item.title, "href": item.path, "current": item == section]
            }
            var layout: [String: any Sendable] = [
                "title": title, "body": body, "nav": nav, "css": renderer.assets.stylesheet.path,
                "js": renderer.assets.script.path,
            ]
            layout["flash"] = flash
            layout["keyName"] = signedIn?.keyName
            layout["scope"] = signedIn?.scope.rawValue
            layout["csrf"] = csrf
            return try renderer.render("layout", layout)
        }
        var response = Self.html(.ok, html)
        if flash != nil {
            response.setCookie(
                Cookie(name: Self.flashCookie, value: "", maxAge: 0, path: "/dashboard", sameSite: .strict))
        }
        return response
    }

    /// One live part of a page alone (what the page's script fetches to refresh it).
    func fragment(_ template: String, data: [String: any Sendable]) async throws -> Response {
        let renderer = self.renderer
        let html = try await withTaskExecutorPreference(globalConcurrentExecutor) {
            try renderer.render(template, data)
        }
        return Self.html(.ok, html)
    }

    /// After an action: back to `location` (a path under /dashboard/) with a message for the
    /// next page (post, redirect, get: a reload never repeats the action).
    func redirect(to location: String, flash: String? = nil) -> Response {
        var response = Response(status: .seeOther, headers: [.location: location])
        if let flash {
            let value = flash.prefix(500).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            response.setCookie(
                Cookie(name: Self.flashCookie, value: value, maxAge: 60, path: "/dashboard", sameSite: .strict))
        }
        return response
    }

    /// The form of an action, once the caller is known to be an admin and the form carries
    /// this session's CSRF token from this origin. Every POST route goes through here first.
    func actionForm(_ request: inout Request, _ context: HTTPContext) async throws -> FormFields {
        guard let session = context.browserSession, let caller = context.caller else {
            throw APIError(.unauthorized, "sign in first")
        }
        try RequestOrigin.checkSameOrigin(request)
        let form = try await FormFields.read(&request)
        try RequestOrigin.checkForm(form, request: request, session: session)
        guard caller.scope.allows(.admin) else {
            throw APIError(
                .forbidden, "key \"\(caller.keyName)\" has scope \(caller.scope.rawValue); this action needs admin")
        }
        return form
    }

    /// The form of an action any signed-in browser may take (sign-out), with its CSRF token checked.
    func actionFormAnyScope(_ request: inout Request, _ context: HTTPContext) async throws -> FormFields {
        guard let session = context.browserSession else { throw APIError(.unauthorized, "sign in first") }
        let form = try await FormFields.read(&request)
        try RequestOrigin.checkForm(form, request: request, session: session)
        return form
    }

    static func html(_ status: HTTPResponse.Status, _ html: String) -> Response {
        Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }
}
