// Experiments of stream steps: their results per variant from the sends, and promotion of a winner.
import EbbflowCore
import Foundation
import PostgresClient

/// An experiment as defined in a stream step, with where it lives.
public struct ExperimentInfo: Sendable {
    public var experiment: StreamDefinition.Experiment
    public var stream: String
    public var step: Int
    public var promoted: (variant: String, template: String, automatic: Bool, at: Date)?
}

/// Why results are computed from the sends and not kept as counters: each send records its
/// experiment and variant, and a conversion is an event of the metric's kind after the send
/// within a window (opens for subject lines, machine opens excluded; clicks for calls to
/// action; reactivation for formats), so the figures can always be recomputed and audited.
public struct ExperimentStore: Sendable {
    let schema: SchemaName
    /// Opens and clicks count within 7 days of the send, reactivation within 14.
    public static func window(_ metric: StreamDefinition.Experiment.Metric) -> Double {
        metric == .reactivation ? 14 * 86_400 : 7 * 86_400
    }

    public init(schema: SchemaName) { self.schema = schema }

    /// Every experiment of the stored streams, by name.
    public func list(on connection: isolated PGConnection) throws -> [ExperimentInfo] {
        var promotions: [String: (String, String, Bool, Date)] = [:]
        let promotionRows = try connection.query(
            "SELECT experiment, variant, template, automatic, promoted_at FROM \(identifier: schema.qualified("experiment_promotions"))"
        )
        for row in promotionRows.rows {
            promotions[try row.decode("experiment")] = (
                try row.decode("variant"), try row.decode("template"), try row.decode("automatic"),
                try row.decode("promoted_at")
            )
        }
        var found: [ExperimentInfo] = []
        for stream in try StreamStore(schema: schema).list(on: connection).map(\.definition) {
            for (index, step) in stream.steps.enumerated() {
                guard case .send(_, let experiment?) = step.action else { continue }
                let promoted = promotions[experiment.name].map {
                    (variant: $0.0, template: $0.1, automatic: $0.2, at: $0.3)
                }
                found.append(
                    ExperimentInfo(experiment: experiment, stream: stream.name, step: index, promoted: promoted))
            }
        }
        return found.sorted { $0.experiment.name < $1.experiment.name }
    }

    /// Sends and conversions per variant (every variant listed, even without sends).
    public func tallies(_ info: ExperimentInfo, on connection: isolated PGConnection) throws -> [VariantTally] {
        // $1 experiment, $2 window in seconds, and for event metrics $3 the event kind.
        let conversion: String
        var bindings: PGBindings = [info.experiment.name, Self.window(info.experiment.metric)]
        switch info.experiment.metric {
        case .opens, .clicks:
            conversion = """
                EXISTS (SELECT 1 FROM \(schema.qualified("engagement_events")) e WHERE e.contact_id = s.contact_id
                        AND e.kind = $3 AND NOT e.machine_open AND NOT e.bot AND e.occurred_at >= s.at AND e.occurred_at <= s.at + make_interval(secs => $2))
                """
            bindings.append(info.experiment.metric == .opens ? "open" : "click")
        case .reactivation:
            conversion = """
                EXISTS (SELECT 1 FROM \(schema.qualified("transitions")) t WHERE t.contact_id = s.contact_id
                        AND t.to_status = 'reactivated' AND t.at >= s.at AND t.at <= s.at + make_interval(secs => $2))
                """
        }
        var counts: [String: (Int, Int)] = [:]
        for row in try connection.query(
            """
            SELECT s.variant, count(*) AS sends, count(*) FILTER (WHERE \(conversion)) AS conversions
            FROM \(schema.qualified("sends")) s WHERE s.experiment = $1 GROUP BY s.variant
            """, bindings
        ).rows {
            counts[try row.decode("variant")] = (try row.decode("sends"), try row.decode("conversions"))
        }
        return info.experiment.variants.map {
            VariantTally(name: $0.name, sends: counts[$0.name]?.0 ?? 0, conversions: counts[$0.name]?.1 ?? 0)
        }
    }

    /// Makes `variant` the template of its step from now on, with its evidence. An automatic
    /// promotion never replaces an earlier promotion; a promotion by hand does. Throws
    /// `ExperimentError` for an unknown experiment or variant.
    public func promote(
        _ name: String, variant: String, automatic: Bool, evidence: [VariantSummary], now: Date,
        on connection: isolated PGConnection
    ) throws {
        guard let info = try list(on: connection).first(where: { $0.experiment.name == name }) else {
            throw ExperimentError("no experiment named \"\(name)\"")
        }
        guard let chosen = info.experiment.variants.first(where: { $0.name == variant }) else {
            throw ExperimentError(
                "experiment \(name) has no variant \"\(variant)\" (variants: \(info.experiment.variants.map(\.name).joined(separator: ", ")))"
            )
        }
        let proof = evidence.map {
            [
                "variant": $0.name, "sends": $0.sends, "conversions": $0.conversions, "rate": $0.rate,
                "low": $0.low, "high": $0.high, "probability_best": $0.probabilityBest,
            ] as [String: Any]
        }
        let json = String(
            decoding: try JSONSerialization.data(withJSONObject: proof, options: [.sortedKeys]), as: UTF8.self)
        try connection.execute(
            """
            INSERT INTO \(schema.qualified("experiment_promotions")) (experiment, variant, template, automatic, evidence, promoted_at)
            VALUES ($1, $2, $3, $4, $5::jsonb, $6)
            ON CONFLICT (experiment) DO UPDATE SET variant = excluded.variant, template = excluded.template, automatic = excluded.automatic,
                evidence = excluded.evidence, promoted_at = excluded.promoted_at
            WHERE NOT excluded.automatic
            """, [name, variant, chosen.template, automatic, json, now])
    }

    /// The promoted variant of experiment `name`, if any.
    func promoted(_ name: String, on connection: isolated PGConnection) throws -> (variant: String, template: String)? {
        try connection.query(
            "SELECT variant, template FROM \(identifier: schema.qualified("experiment_promotions")) WHERE experiment = \(bind: name)"
        )
        .first.map { (try $0.decode("variant", as: String.self), try $0.decode("template", as: String.self)) }
    }
}

public struct ExperimentError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
