// The engagement policy: points, thresholds, waits and caps, with defaults and strict validation.
import EbbflowCore
import Foundation

/// One segment's rules. Field names in JSON are snake_case; any field left out takes the
/// default below, which is the practice this project implements.
public struct EngagementPolicy: Codable, Sendable, Equatable {
    /// Points per event kind. Kinds named here are the kinds ebbflow accepts.
    public var points: [String: Int] = ["open": 5, "click": 10, "high_intent_visit": 15, "form_submit": 15, "page_visit": 1]
    /// Points for an open flagged as a machine open (Apple Mail Privacy Protection).
    public var machineOpenPoints: Int = 0
    /// Score at which a contact becomes `engaged` and leaves the send flow.
    public var engagedThreshold: Int = 20
    /// Flow sends without engagement before a contact becomes `inactive`.
    public var inactiveAfterSends: Int = 3
    /// Days without engagement before the sweep makes a contact `inactive`.
    public var inactiveAfterDays: Int = 90
    /// Days an inactive contact rests before reactivation email 1 (30–90).
    public var cooldownDays: Int = 30
    /// Days between reactivation emails, and after the second before giving up.
    public var reactivationWaitDays: Int = 7
    /// What happens to a contact silent through both reactivation emails.
    public var afterReactivation: AfterReactivation = .moveToChannel
    /// The channel `moveToChannel` moves contacts to.
    public var alternativeChannel: String = "ads"
    public var decay: ScoreDecay = ScoreDecay()
    /// At most `sends` marketing sends per contact per `perDays` days.
    public var frequencyCap: FrequencyCap = FrequencyCap()
    /// The formats of reactivation emails 1 and 2; `["html", "plain"]` alternates them, as the
    /// practice suggests trying a plain, personal-looking email after a designed one.
    public var reactivationFormats: [SendFormat] = [.html, .html]
    /// How far ahead of the database clock an event may be dated (a duration, 0 to 1d). Why:
    /// one open dated years ahead moved `last_engagement_at` past the clock and froze the
    /// score until then; a later event is kept, rejected with its reason, and never scored.
    public var maxFutureSkew: String = "10m"
    /// The largest `max_future_skew`: a clock a day wrong is not a skew.
    public static let maxFutureSkewBound: Double = 86_400

    /// `max_future_skew` in seconds (validated by `validate`).
    public var maxFutureSkewSeconds: Double { DurationText.seconds(maxFutureSkew) ?? 600 }

    public init() {}

    public enum SendFormat: String, Codable, Sendable {
        case html, plain
    }

    public enum AfterReactivation: String, Codable, Sendable {
        case suppress
        case moveToChannel = "move_to_channel"
    }

    public struct FrequencyCap: Codable, Sendable, Equatable {
        public var sends: Int = 3
        public var perDays: Int = 7
        public init() {}
        private enum CodingKeys: String, CodingKey { case sends, perDays = "per_days" }
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            sends = try container.decodeIfPresent(Int.self, forKey: .sends) ?? 3
            perDays = try container.decodeIfPresent(Int.self, forKey: .perDays) ?? 7
        }
    }

    private enum CodingKeys: String, CodingKey {
        case points, machineOpenPoints = "machine_open_points", engagedThreshold = "engaged_threshold"
        case inactiveAfterSends = "inactive_after_sends", inactiveAfterDays = "inactive_after_days"
        case cooldownDays = "cooldown_days", reactivationWaitDays = "reactivation_wait_days"
        case afterReactivation = "after_reactivation", alternativeChannel = "alternative_channel"
        case decay, frequencyCap = "frequency_cap", reactivationFormats = "reactivation_formats"
        case maxFutureSkew = "max_future_skew"
    }

    public init(from decoder: any Decoder) throws {
        let defaults = EngagementPolicy()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        points = try container.decodeIfPresent([String: Int].self, forKey: .points) ?? defaults.points
        machineOpenPoints = try container.decodeIfPresent(Int.self, forKey: .machineOpenPoints) ?? defaults.machineOpenPoints
        engagedThreshold = try container.decodeIfPresent(Int.self, forKey: .engagedThreshold) ?? defaults.engagedThreshold
        inactiveAfterSends = try container.decodeIfPresent(Int.self, forKey: .inactiveAfterSends) ?? defaults.inactiveAfterSends
        inactiveAfterDays = try container.decodeIfPresent(Int.self, forKey: .inactiveAfterDays) ?? defaults.inactiveAfterDays
        cooldownDays = try container.decodeIfPresent(Int.self, forKey: .cooldownDays) ?? defaults.cooldownDays
        reactivationWaitDays = try container.decodeIfPresent(Int.self, forKey: .reactivationWaitDays) ?? defaults.reactivationWaitDays
        afterReactivation = try container.decodeIfPresent(AfterReactivation.self, forKey: .afterReactivation) ?? defaults.afterReactivation
        alternativeChannel = try container.decodeIfPresent(String.self, forKey: .alternativeChannel) ?? defaults.alternativeChannel
        decay = try container.decodeIfPresent(ScoreDecay.self, forKey: .decay) ?? defaults.decay
        frequencyCap = try container.decodeIfPresent(FrequencyCap.self, forKey: .frequencyCap) ?? defaults.frequencyCap
        reactivationFormats = try container.decodeIfPresent([SendFormat].self, forKey: .reactivationFormats) ?? defaults.reactivationFormats
        maxFutureSkew = try container.decodeIfPresent(String.self, forKey: .maxFutureSkew) ?? defaults.maxFutureSkew
    }

    /// Refuses a bad value with the field's JSON name and the value.
    public func validate(prefix: String = "") throws(PolicyError) {
        func field(_ name: String) -> String { prefix.isEmpty ? name : "\(prefix).\(name)" }
        guard !points.isEmpty else { throw PolicyError(field: field("points"), value: "{}", reason: "must name at least one event kind") }
        guard reactivationFormats.count == 2 else {
            throw PolicyError(field: field("reactivation_formats"), value: "\(reactivationFormats.map(\.rawValue))", reason: "names the formats of emails 1 and 2: two values")
        }
        for (kind, value) in points.sorted(by: { $0.key < $1.key }) {
            guard Self.isKindName(kind) else {
                throw PolicyError(field: field("points"), value: kind, reason: "event kinds are lower-case letters, digits and underscores")
            }
            guard value >= 0 else { throw PolicyError(field: field("points.\(kind)"), value: "\(value)", reason: "points must not be negative") }
        }
        guard machineOpenPoints >= 0 else {
            throw PolicyError(field: field("machine_open_points"), value: "\(machineOpenPoints)", reason: "must not be negative")
        }
        guard engagedThreshold > 0 else {
            throw PolicyError(field: field("engaged_threshold"), value: "\(engagedThreshold)", reason: "must be at least 1")
        }
        guard inactiveAfterSends > 0 else {
            throw PolicyError(field: field("inactive_after_sends"), value: "\(inactiveAfterSends)", reason: "must be at least 1")
        }
        guard inactiveAfterDays > 0 else {
            throw PolicyError(field: field("inactive_after_days"), value: "\(inactiveAfterDays)", reason: "must be at least 1")
        }
        guard (30...90).contains(cooldownDays) else {
            throw PolicyError(field: field("cooldown_days"), value: "\(cooldownDays)", reason: "must be between 30 and 90")
        }
        guard reactivationWaitDays > 0 else {
            throw PolicyError(field: field("reactivation_wait_days"), value: "\(reactivationWaitDays)", reason: "must be at least 1")
        }
        guard Self.isKindName(alternativeChannel), alternativeChannel != "email" else {
            throw PolicyError(field: field("alternative_channel"), value: alternativeChannel, reason: "must be a channel name other than email")
        }
        guard decay.graceDays >= 0, decay.halfLifeDays > 0 else {
            throw PolicyError(field: field("decay"), value: "grace \(decay.graceDays), half-life \(decay.halfLifeDays)",
                              reason: "grace must not be negative and the half-life must be positive")
        }
        do {
            _ = try InputBounds.duration(maxFutureSkew, field: field("max_future_skew"), minimum: 0, maximum: Self.maxFutureSkewBound)
        } catch {
            throw PolicyError(field: error.field, value: error.value, reason: error.bound)
        }
        guard frequencyCap.sends > 0, frequencyCap.perDays > 0 else {
            throw PolicyError(field: field("frequency_cap"), value: "\(frequencyCap.sends) per \(frequencyCap.perDays) days",
                              reason: "both numbers must be at least 1")
        }
    }

    /// Points for an event; nil for a kind the policy does not name.
    public func points(for kind: String, machineOpen: Bool) -> Int? {
        guard let value = points[kind] else { return nil }
        return machineOpen && kind == "open" ? machineOpenPoints : value
    }

    static func isKindName(_ name: String) -> Bool {
        guard let first = name.utf8.first, first >= 97 && first <= 122, name.utf8.count <= 63 else { return false }
        return name.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 }
    }
}

/// A refused policy: which field, which value, why.
public struct PolicyError: Error, CustomStringConvertible, Sendable, Equatable {
    public var field: String
    public var value: String
    public var reason: String
    public var description: String { "policy field \(field) = \(value): \(reason)" }
}

/// The stored document: a default policy and per-segment ones (each complete after defaults).
public struct PolicyDocument: Codable, Sendable, Equatable {
    public var `default`: EngagementPolicy
    public var segments: [String: EngagementPolicy]

    public init(default policy: EngagementPolicy = EngagementPolicy(), segments: [String: EngagementPolicy] = [:]) {
        self.default = policy
        self.segments = segments
    }

    private enum CodingKeys: String, CodingKey { case `default`, segments }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.default = try container.decodeIfPresent(EngagementPolicy.self, forKey: .default) ?? EngagementPolicy()
        segments = try container.decodeIfPresent([String: EngagementPolicy].self, forKey: .segments) ?? [:]
    }

    /// Parses and validates a YAML or JSON document; a malformed document or a bad value is a
    /// `PolicyError`.
    public static func parse(_ data: Data) throws(PolicyError) -> PolicyDocument {
        try parseStored(data).document
    }

    /// The document, and its JSON text as the database stores it.
    public static func parseStored(_ data: Data) throws(PolicyError) -> (document: PolicyDocument, json: Data) {
        let json: Data
        do {
            json = try DocumentText.json(from: data)
        } catch {
            throw PolicyError(field: "(document)", value: "?", reason: "not a JSON or YAML policy document: \(error)")
        }
        let document: PolicyDocument
        do {
            document = try JSONDecoder().decode(PolicyDocument.self, from: json)
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw PolicyError(field: context.codingPath.map(\.stringValue).joined(separator: "."), value: "?", reason: context.debugDescription)
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            throw PolicyError(field: context.codingPath.map(\.stringValue).joined(separator: "."), value: "?", reason: context.debugDescription)
        } catch {
            throw PolicyError(field: "(document)", value: "?", reason: "not a policy document: \(error)")
        }
        try document.validate()
        return (document, json)
    }

    public func validate() throws(PolicyError) {
        try self.default.validate(prefix: "default")
        for (name, policy) in segments.sorted(by: { $0.key < $1.key }) { try policy.validate(prefix: "segments.\(name)") }
    }

    /// Business events that enter, end or measure journeys. They are accepted whether or not a
    /// policy scores them: a purchase must reach the streams even when it earns no points
    /// (a kind the policy does not name earns 0 and moves no status).
    public static let businessEventKinds: Set<String> = ["purchase", "product_return", "support_ticket", "signup"]

    /// Every event kind ebbflow accepts: the kinds any policy scores, and the business kinds.
    /// Import and stream validation both ask this, so a stream can never name a kind that
    /// import would refuse.
    public var acceptedEventKinds: Set<String> {
        Set(self.default.points.keys).union(segments.values.flatMap { $0.points.keys }).union(Self.businessEventKinds)
    }

    /// The policy for a segment, or the default.
    public func policy(for segment: String?) -> EngagementPolicy {
        segment.flatMap { segments[$0] } ?? self.default
    }
}
