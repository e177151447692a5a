import EbbflowAPI
// GET /dashboard/experiments and /dashboard/experiments/{name}, and promoting a variant (confirm, then POST).
import EbbflowCharts
import EbbflowCore
import EbbflowEngine
import EbbflowHTTP
import EbbflowOperations
import Foundation
import Hummingbird
import PostgresClient

/// Why promotion asks for confirmation: it changes what every later send of the step says,
/// for every contact, and cannot be taken back from the dashboard; the confirmation shows the
/// evidence of the moment beside the variant.
struct ExperimentsRoutes: Sendable {
    let kit: DashboardKit

    func add(to group: RouterGroup<HTTPContext>) {
        group.get("experiments") { request, context in
            let schema = kit.schema
            let data = try await kit.database.read { connection in try Self.list(schema, on: connection) }
            return try await kit.page(
                request, context, section: .experiments, title: "Experiments", template: "experiments/list",
                data: data)
        }
        group.get("experiments/:name") { request, context in
            let name = try request.pathParameter("name", context)
            let schema = kit.schema
            let data = try await kit.database.read { connection in try Self.detail(name, schema, on: connection) }
            return try await kit.page(
                request, context, section: .experiments, title: "Experiment \(name)", template: "experiments/show",
                data: data)
        }
        group.get("experiments/:name/promote") { request, context in
            let name = try request.pathParameter("name", context)
            guard let variant = request.uri.queryParameters["variant"].map(String.init) else {
                throw APIError(.badRequest, "say which variant to promote (?variant=NAME)", field: "variant")
            }
            let schema = kit.schema
            var data = try await kit.database.read { connection in try Self.detail(name, schema, on: connection) }
            let variants = data["variants"] as? [[String: any Sendable]] ?? []
            guard let chosen = variants.first(where: { $0["name"] as? String == variant }) else {
                throw APIError(.notFound, "experiment \(name) has no variant named \"\(variant)\"", field: "variant")
            }
            data["chosen"] = chosen
            data["action"] = "/dashboard/experiments/\(Href.component(name))/promote"
            return try await kit.page(
                request, context, section: .experiments, title: "Promote \(variant)?",
                template: "experiments/promote", data: data)
        }
        group.post("experiments/:name/promote") { request, context in
            var request = request
            let form = try await kit.actionForm(&request, context)
            let name = try request.pathParameter("name", context)
            guard let variant = form["variant"], !variant.isEmpty else {
                throw APIError(.badRequest, "say which variant to promote", field: "variant")
            }
            let operations = ExperimentOperations(schema: kit.schema)
            let outcome = try await kit.database.act { connection in
                try await operations.promote(name: name, variant: variant, on: connection)
            }
            return kit.redirect(to: "/dashboard/experiments/\(Href.component(name))", flash: outcome.message)
        }
    }

    /// Why cached tallies: counting conversions live probes the events after every send (about
    /// a second at 100,000 sends); `dashboard_rollup` keeps them at most 5 minutes old, and the
    /// page says when they were counted. Promotion itself counts live, in its transaction.
    static func list(_ schema: SchemaName, on connection: isolated PGConnection) throws -> [String: any Sendable] {
        let experiments: [[String: any Sendable]] = try ExperimentTallyCache(schema: schema).judgements(on: connection)
            .map { judgement in
                let info = judgement.info
                var item: [String: any Sendable] = [
                    "name": info.experiment.name,
                    "href": "/dashboard/experiments/\(Href.component(info.experiment.name))",
                    "stream": info.stream, "step": "\(info.step + 1)", "metric": info.experiment.metric.rawValue,
                    "variants": judgement.cached.tallies.map { "\($0.name) (\(ViewFormat.count($0.sends)) sends)" }
                        .joined(separator: ", "),
                ]
                item["promoted"] = info.promoted.map { $0.variant + ($0.automatic ? " (automatically)" : "") }
                return item
            }
        return ["experiments": experiments, "none": experiments.isEmpty]
    }

    static func detail(_ name: String, _ schema: SchemaName, on connection: isolated PGConnection) throws
        -> [String: any Sendable]
    {
        let rule = PromotionRule()
        guard
            let judgement = try ExperimentTallyCache(schema: schema).judgements(rule: rule, on: connection)
                .first(where: { $0.info.experiment.name == name })
        else { throw OperationError.notFound("no experiment named \"\(name)\"") }
        let info = judgement.info
        let metric = info.experiment.metric.rawValue
        let chart = Chart.intervals(
            id: "variants", title: "\(metric.capitalized) rate per variant, with 95 % intervals",
            rows: judgement.summaries.map {
                IntervalRow(
                    label: $0.name, estimate: $0.rate, low: $0.low, high: $0.high,
                    note: "\(ViewFormat.count($0.sends)) sends")
            }, axis: "\(metric) per send")
        let templates = Dictionary(
            info.experiment.variants.map { ($0.name, $0.template) }, uniquingKeysWith: { first, _ in first })
        let variants: [[String: any Sendable]] = judgement.summaries.map { summary in
            [
                "name": summary.name, "template": templates[summary.name] ?? "",
                "sends": ViewFormat.count(summary.sends), "conversions": ViewFormat.count(summary.conversions),
                "rate": ViewFormat.percent(summary.rate),
                "interval": "\(ViewFormat.percent(summary.low)) – \(ViewFormat.percent(summary.high))",
                "best": ViewFormat.percent(summary.probabilityBest),
                "promoteHref":
                    "/dashboard/experiments/\(Href.component(name))/promote?variant=\(Href.component(summary.name))",
                "isPromoted": info.promoted?.variant == summary.name,
            ]
        }
        let verdict =
            info.promoted.map { "promoted: \($0.variant)\($0.automatic ? " (automatically)" : "")" }
            ?? judgement.winner.map { "the rule is met: \($0) will be promoted at the next daily judgement" }
            ?? "collecting: the rule needs \(rule.minimumSendsPerVariant) sends per variant and one variant "
            + "\(Int(rule.minimumLift * 100)) % better than the others with a probability of "
            + "\(Int(rule.probabilityBest * 100)) %"
        var data: [String: any Sendable] = [
            "name": name, "stream": info.stream, "step": "\(info.step + 1)", "metric": metric,
            "streamHref": "/dashboard/streams/\(Href.component(info.stream))",
            "cancelHref": "/dashboard/experiments/\(Href.component(name))",
            "verdict": verdict, "variants": variants, "lift": "\(Int(rule.minimumLift * 100)) %",
            "chart": ChartView.context(chart), "open": info.promoted == nil,
            "counted": judgement.cached.computedAt.map {
                "Counted at \(ViewFormat.time($0)) by the dashboard_rollup job (every 5 minutes)."
            }
                ?? "Not counted yet: the dashboard_rollup job counts every 5 minutes.",
        ]
        data["promoted"] = info.promoted.map { "\($0.variant) on \(ViewFormat.time($0.at))" }
        return data
    }
}
