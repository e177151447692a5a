// The dashboard's templates (swift-mustache), compiled once from the files embedded at build time.
import Crypto
import Foundation
import Mustache

/// Why compiled once at start: a template is parsed into a tree once and rendered per request;
/// a template that does not parse stops `serve` at start (its tests render every one), never a
/// request. `{{name}}` escapes `& < > " '`; `{{{name}}}` is used only for HTML we made (a
/// rendered page body, a chart's SVG).
struct Renderer: Sendable {
    let library: MustacheLibrary
    let assets: DashboardAssets

    /// The templates and assets embedded in the binary.
    static let embedded: Renderer = {
        do {
            return try Renderer(files: embeddedDashboardFiles)
        } catch {
            fatalError("the dashboard's embedded templates do not parse: \(error)")
        }
    }()

    /// `files`: contents keyed by path under the target (`Templates/x/y.mustache`, `Assets/…`).
    init(files: [String: String]) throws {
        var templates: [String: MustacheTemplate] = [:]
        for (path, text) in files where path.hasPrefix("Templates/") && path.hasSuffix(".mustache") {
            let name = String(path.dropFirst("Templates/".count).dropLast(".mustache".count))
            templates[name] = try MustacheTemplate(string: text)
        }
        library = MustacheLibrary(templates: templates)
        assets = DashboardAssets(files: files)
    }

    /// `template` rendered with `context`; a missing template is a programming error reported
    /// as one (500), never an empty page.
    func render(_ template: String, _ context: [String: any Sendable]) throws -> String {
        guard let html = library.render(context, withTemplate: template) else {
            throw RenderError(template: template)
        }
        return html
    }
}

struct RenderError: Error, CustomStringConvertible {
    let template: String
    var description: String { "the dashboard has no template named \(template)" }
}

/// The stylesheet and script, each served under a name holding its content's hash, so a
/// browser may keep it for a year and a new build is fetched at once.
struct DashboardAssets: Sendable {
    struct Asset: Sendable {
        let path: String
        let contentType: String
        let body: String
    }

    let stylesheet: Asset
    let script: Asset

    init(files: [String: String]) {
        func asset(_ file: String, _ base: String, _ suffix: String, _ type: String) -> Asset {
            let body = files["Assets/\(file)"] ?? ""
            let hash = SHA256.hash(data: Array(body.utf8)).prefix(6).map { String(format: "%02x", $0) }.joined()
            return Asset(path: "/dashboard/assets/\(base).\(hash).\(suffix)", contentType: type, body: body)
        }
        stylesheet = asset("dashboard.css", "dashboard", "css", "text/css; charset=utf-8")
        script = asset("dashboard.js", "dashboard", "js", "text/javascript; charset=utf-8")
    }

    func asset(at path: String) -> Asset? {
        [stylesheet, script].first { $0.path == path }
    }
}
