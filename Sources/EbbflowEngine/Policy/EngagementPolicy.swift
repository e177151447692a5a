// The engagement policy: points, thresholds, waits and caps, with defaults and strict validation.
import EbbflowCore
import Foundation

/// One segment's rules. Field names in JSON are snake_case; any field left out takes the
/// default below, which is the practice this project implements.
public struct EngagementPolicy: Codable, Sendable, Equatable {
    /// Points per event kind. Kinds named here are the kinds ebbflow accepts.
    public var points: [String: Int] = [
        "open": 5, "click": 10, "high_intent_visit": 15, "form_submit": 15, "page_visit": 1,
    ]
    /// No longer read: a machine open (Apple Mail Privacy Protection, a provider's flag) always
    /// earns 0, whatever this says. Why kept: documents stored before issue 17 may name it and
    /// must still load; why ignored: a machine is not a reader, and a value above 0 let proxy
    /// fetches alone make a contact `engaged`.
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
    public var softBounceLimit: SoftBounceLimit = SoftBounceLimit()
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
    /// What engagement does to a contact the cycle moved to the alternative channel. Why the
    /// default returns it to email: the practice's advice is to branch re-engaged contacts back
    /// to the active audience; left on ads, a contact who clicked was never mailed again.
    public var onEngagementAfterChannelMove: ChannelMoveEngagement = .returnToEmail
    /// URL paths whose visit is high intent: a Segment `page` whose URL's path is one of these
    /// or lies under one (`/pricing` matches `/pricing` and `/pricing/teams`, not `/pricingx`)
    /// is recorded as `high_intent_visit`, any other page as `page` (0 points by default). Why
    /// in the policy: which pages show intent is the CRM team's call, per segment if need be.
    public var highIntentPages: [String] = ["/pricing", "/demo"]
    /// Machine opens and link scanners' clicks (TrackingPolicy.swift).
    public var tracking = TrackingPolicy()
    /// Local hours in which nothing is delivered (DeliveryPolicy.swift); nil: none.
    public var quietHours: QuietHours?
    /// The zone of a contact without a valid `timezone` attribute (an IANA name); nil: UTC.
    public var defaultTimezone: String?
    /// Attempts a send gets before it is `dead` (a failure with backoff in between; an
    /// expired lease counts as one, so a message that kills its consumer cannot loop for ever).
    public var deliveryMaxAttempts: Int = 8

    public init() {}

    public enum SendFormat: String, Codable, Sendable, CaseIterable {
        case html, plain
    }

    public enum AfterReactivation: String, Codable, Sendable, CaseIterable {
        case suppress
        case moveToChannel = "move_to_channel"
    }

    /// `return_to_email`: the engagement makes the contact `reactivated` on email (a
    /// `returned_to_email` transition); `stay`: it stays `inactive` on the alternative channel,
    /// its score and last engagement still counted.
    public enum ChannelMoveEngagement: String, Codable, Sendable, CaseIterable {
        case returnToEmail = "return_to_email"
        case stay
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
        case onEngagementAfterChannelMove = "on_engagement_after_channel_move"
        case highIntentPages = "high_intent_pages", softBounceLimit = "soft_bounce_limit"
        case tracking
        case quietHours = "quiet_hours", defaultTimezone = "default_timezone"
        case deliveryMaxAttempts = "delivery_max_attempts"
    }

    public init(from decoder: any Decoder) throws {
        let defaults = EngagementPolicy()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        points = try container.decodeIfPresent([String: Int].self, forKey: .points) ?? defaults.points
        machineOpenPoints =
            try container.decodeIfPresent(Int.self, forKey: .machineOpenPoints) ?? defaults.machineOpenPoints
        engagedThreshold =
            try container.decodeIfPresent(Int.self, forKey: .engagedThreshold) ?? defaults.engagedThreshold
        inactiveAfterSends =
            try container.decodeIfPresent(Int.self, forKey: .inactiveAfterSends) ?? defaults.inactiveAfterSends
        inactiveAfterDays =
            try container.decodeIfPresent(Int.self, forKey: .inactiveAfterDays) ?? defaults.inactiveAfterDays
        cooldownDays = try container.decodeIfPresent(Int.self, forKey: .cooldownDays) ?? defaults.cooldownDays
        reactivationWaitDays =
            try container.decodeIfPresent(Int.self, forKey: .reactivationWaitDays) ?? defaults.reactivationWaitDays
        afterReactivation =
            try container.decodeIfPresent(AfterReactivation.self, forKey: .afterReactivation)
            ?? defaults.afterReactivation
        alternativeChannel =
            try container.decodeIfPresent(String.self, forKey: .alternativeChannel) ?? defaults.alternativeChannel
        decay = try container.decodeIfPresent(ScoreDecay.self, forKey: .decay) ?? defaults.decay
        frequencyCap = try container.decodeIfPresent(FrequencyCap.self, forKey: .frequencyCap) ?? defaults.frequencyCap
        reactivationFormats =
            try container.decodeIfPresent([SendFormat].self, forKey: .reactivationFormats)
            ?? defaults.reactivationFormats
        maxFutureSkew = try container.decodeIfPresent(String.self, forKey: .maxFutureSkew) ?? defaults.maxFutureSkew
        onEngagementAfterChannelMove =
            try container.decodeIfPresent(ChannelMoveEngagement.self, forKey: .onEngagementAfterChannelMove)
            ?? defaults.onEngagementAfterChannelMove
        highIntentPages =
            try container.decodeIfPresent([String].self, forKey: .highIntentPages) ?? defaults.highIntentPages
        softBounceLimit = try container.decodeIfPresent(SoftBounceLimit.self, forKey: .softBounceLimit) ?? .init()
        tracking = try container.decodeIfPresent(TrackingPolicy.self, forKey: .tracking) ?? defaults.tracking
        quietHours = try container.decodeIfPresent(QuietHours.self, forKey: .quietHours)
        defaultTimezone = try container.decodeIfPresent(String.self, forKey: .defaultTimezone)
        deliveryMaxAttempts =
            try container.decodeIfPresent(Int.self, forKey: .deliveryMaxAttempts) ?? defaults.deliveryMaxAttempts
    }

    /// The bounds of every number, in one table so `docs/bad-input.md` can list them. Why
    /// bounded: each of these is multiplied into seconds and added to the database clock by a
    /// worker; `frequency_cap.per_days: 99999999999` once passed here and trapped every worker
    /// that claimed a send (SIGILL in the date encoder), so nothing out of range is stored.
    public enum Bounds {
        public static let points = 0...1_000
        public static let engagedThreshold = 1...10_000
        public static let inactiveAfterSends = 1...100
        public static let days = 1...InputBounds.maxDays
        public static let cooldownDays = 30...90
        public static let graceDays = 0.0...Double(InputBounds.maxDays)
        public static let halfLifeDays = 0.01...Double(InputBounds.maxDays)
        public static let capSends = 1...1_000
        /// At most this many `high_intent_pages`, each a path of 1 to `pagePathBytes` bytes.
        public static let highIntentPages = 0...100
        public static let pagePathBytes = 256
    }

    /// Refuses a bad value with the field's JSON name, the value and the bound.
    public func validate(prefix: String = "") throws(PolicyError) {
        func field(_ name: String) -> String { prefix.isEmpty ? name : "\(prefix).\(name)" }
        func check(_ value: Int, _ name: String, _ range: ClosedRange<Int>) throws(PolicyError) {
            do { _ = try InputBounds.integer(value, field: field(name), in: range) } catch { throw PolicyError(error) }
        }
        func check(_ value: Double, _ name: String, _ range: ClosedRange<Double>) throws(PolicyError) {
            do { _ = try InputBounds.number(value, field: field(name), in: range) } catch { throw PolicyError(error) }
        }
        guard !points.isEmpty else {
            throw PolicyError(field: field("points"), value: "{}", reason: "must name at least one event kind")
        }
        guard reactivationFormats.count == 2 else {
            throw PolicyError(
                field: field("reactivation_formats"), value: "\(reactivationFormats.map(\.rawValue))",
                reason: "names the formats of emails 1 and 2: two values")
        }
        for (kind, value) in points.sorted(by: { $0.key < $1.key }) {
            guard Self.isKindName(kind) else {
                throw PolicyError(
                    field: field("points"), value: kind,
                    reason: "event kinds are lower-case letters, digits and underscores")
            }
            try check(value, "points.\(kind)", Bounds.points)
        }
        try check(machineOpenPoints, "machine_open_points", Bounds.points)
        try check(engagedThreshold, "engaged_threshold", Bounds.engagedThreshold)
        try check(inactiveAfterSends, "inactive_after_sends", Bounds.inactiveAfterSends)
        try check(inactiveAfterDays, "inactive_after_days", Bounds.days)
        try check(cooldownDays, "cooldown_days", Bounds.cooldownDays)
        try check(reactivationWaitDays, "reactivation_wait_days", Bounds.days)
        guard Self.isKindName(alternativeChannel), alternativeChannel != "email" else {
            throw PolicyError(
                field: field("alternative_channel"), value: alternativeChannel,
                reason: "must be a channel name other than email")
        }
        try check(decay.graceDays, "decay.grace_days", Bounds.graceDays)
        try check(decay.halfLifeDays, "decay.half_life_days", Bounds.halfLifeDays)
        try check(frequencyCap.sends, "frequency_cap.sends", Bounds.capSends)
        try check(frequencyCap.perDays, "frequency_cap.per_days", Bounds.days)
        do {
            _ = try InputBounds.duration(
                maxFutureSkew, field: field("max_future_skew"), minimum: 0, maximum: Self.maxFutureSkewBound)
        } catch {
            throw PolicyError(field: error.field, value: error.value, reason: error.bound)
        }
        try validateHighIntentPages(field("high_intent_pages"))
        try softBounceLimit.validate(field)
        try tracking.validate(field("tracking"))
        try validateDelivery(field)
    }

    /// Each page a path (`/` first, no white space, control character, `?` or `#`), bounded in
    /// count and length: they are compared with every `page` message's URL.
    private func validateHighIntentPages(_ name: String) throws(PolicyError) {
        guard Bounds.highIntentPages.contains(highIntentPages.count) else {
            throw PolicyError(
                field: name, value: "\(highIntentPages.count) paths",
                reason: "must list at most \(Bounds.highIntentPages.upperBound) paths")
        }
        for (index, path) in highIntentPages.enumerated() {
            let bytes = path.utf8
            let clean = !bytes.contains {
                $0 <= 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#")
            }
            guard bytes.first == UInt8(ascii: "/"), bytes.count <= Bounds.pagePathBytes, clean else {
                throw PolicyError(
                    field: "\(name)[\(index)]", value: JSONText.quoted(String(path.prefix(64))),
                    reason:
                        """
                        must be a URL path: "/" first, at most \(Bounds.pagePathBytes) bytes, \
                        no white space, control character, "?" or "#"
                        """)
            }
        }
    }

    /// Whether `url` (absolute, or a path) is a high-intent page: its path equals one of
    /// `highIntentPages` or lies under one. A URL that cannot be read is not.
    public func isHighIntentPage(_ url: String) -> Bool {
        guard let path = Self.path(of: url) else { return false }
        return highIntentPages.contains { page in
            let prefix = page.hasSuffix("/") && page.count > 1 ? String(page.dropLast()) : page
            return path == prefix || prefix == "/" || path.hasPrefix(prefix + "/")
        }
    }

    /// The path of an absolute URL or of a path (`/pricing?plan=pro` → `/pricing`); an empty path is `/`.
    static func path(of url: String) -> String? {
        if url.hasPrefix("/") && !url.hasPrefix("//") {
            return String(url.prefix { $0 != "?" && $0 != "#" })
        }
        // A protocol-relative URL (`//example.com/pricing`) is read as https.
        let absolute = url.hasPrefix("//") ? "https:" + url : url
        guard let components = URLComponents(string: absolute), components.scheme != nil else { return nil }
        let path = components.percentEncodedPath
        return path.isEmpty ? "/" : path
    }

    /// Points for an event; nil for a kind the policy does not name. A link scanner's click
    /// (`bot`) and a machine open earn 0: neither may ever make a contact engaged.
    public func points(for kind: String, machineOpen: Bool, bot: Bool = false) -> Int? {
        guard let value = points[kind] else { return nil }
        return bot || machineOpen ? 0 : value
    }

    static func isKindName(_ name: String) -> Bool {
        guard let first = name.utf8.first, first >= 97 && first <= 122, name.utf8.count <= 63 else { return false }
        return name.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 }
    }
}

/// A refused policy: which field, which value, why.
public struct PolicyError: Error, CustomStringConvertible, Sendable, Equatable {
    public var field: String
    /// The value as written; empty when the field has none to show (an unknown key, a wrong type).
    public var value: String
    public var reason: String
    public var description: String {
        value.isEmpty ? "policy field \(field): \(reason)" : "policy field \(field) = \(value): \(reason)"
    }
}

extension PolicyError {
    /// A number outside its bounds, in the policy's words.
    init(_ bound: BoundError) { self.init(field: bound.field, value: bound.value, reason: bound.bound) }
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

    /// Parses and validates a YAML or JSON document; a malformed document, an unknown key or a
    /// bad value is a `PolicyError`.
    public static func parse(_ data: Data) throws(PolicyError) -> PolicyDocument {
        try parseStored(data).document
    }

    /// The document, and its JSON text as the database stores it: as written, merged again at
    /// every load, so a later release's built-in defaults reach the keys the author left out.
    public static func parseStored(_ data: Data) throws(PolicyError) -> (document: PolicyDocument, json: Data) {
        let json: Data
        let written: DocumentValue
        do {
            json = try DocumentText.json(from: data)
            written = try DocumentValue.parse(json: json)
        } catch {
            throw PolicyError(field: "(document)", value: "", reason: "not a JSON or YAML policy document: \(error)")
        }
        let document: PolicyDocument
        do {
            document = try DocumentDecoder.decode(PolicyDocument.self, from: merged(written))
        } catch {
            throw PolicyError(field: error.path.isEmpty ? "(document)" : error.path, value: "", reason: error.reason)
        }
        try document.validate()
        return (document, json)
    }

    /// A document as stored, read at every load: the JSON `jsonb` gives back (spaced, possibly
    /// longer than 1 MiB once YAML was expanded), so none of the input limits on size or aliases
    /// apply, and keys a later release no longer knows are skipped (returned, to log): it was
    /// accepted when it was set. Values are still checked against today's bounds, since they
    /// reach date arithmetic; such a document is refused with the way out (`policy set`).
    public static func stored(json: Data) throws(PolicyError) -> (document: PolicyDocument, ignoredKeys: [String]) {
        let fix = "the stored policy no longer passes this check; correct it with ebbflow policy set"
        let written: DocumentValue
        do {
            written = try DocumentValue.parse(json: json)
        } catch {
            throw PolicyError(
                field: "(document)", value: "", reason: "the stored policy is not a JSON document (\(error)); \(fix)")
        }
        let decoded: (PolicyDocument, ignoredKeys: [String])
        do {
            decoded = try DocumentDecoder.decodeStored(PolicyDocument.self, from: merged(written))
        } catch {
            throw PolicyError(
                field: error.path.isEmpty ? "(document)" : error.path, value: "", reason: "\(error.reason); \(fix)")
        }
        do {
            try decoded.0.validate()
        } catch {
            throw PolicyError(field: error.field, value: error.value, reason: "\(error.reason); \(fix)")
        }
        return (decoded.0, decoded.ignoredKeys)
    }

    /// The built-in policy as a document tree, the bottom layer of every merge.
    static let builtIn: DocumentValue = (try? DocumentValue.encoding(EngagementPolicy())) ?? .object([:])

    /// The document as it is meant: every policy complete, merged key by key (nested mappings
    /// such as `points`, `frequency_cap` and `decay` too): the built-in defaults, then the
    /// document's `default`, then each segment's own keys. Why: `{"default": {"points":
    /// {"unsubscribe": 0}}}` once replaced the whole points map, so every open and click was
    /// refused, and a segment's override fell back to the built-ins instead of `default`. A
    /// list (`reactivation_formats`) or a number is replaced whole.
    static func merged(_ written: DocumentValue) -> DocumentValue {
        guard case .object(var top) = written else { return written }
        let base = builtIn.merged(with: top["default"] ?? .object([:]))
        top["default"] = base
        if case .object(let segments)? = top["segments"] {
            top["segments"] = .object(segments.mapValues { base.merged(with: $0) })
        }
        return .object(top)
    }

    public func validate() throws(PolicyError) {
        try self.default.validate(prefix: "default")
        for (name, policy) in segments.sorted(by: { $0.key < $1.key }) {
            try policy.validate(prefix: "segments.\(name)")
        }
    }

    /// Business events that enter, end or measure journeys. They are accepted whether or not a
    /// policy scores them: a purchase must reach the streams even when it earns no points
    /// (a kind the policy does not name earns 0 and moves no status).
    public static let businessEventKinds: Set<String> = ["purchase", "product_return", "support_ticket", "signup"]

    /// Kinds accepted whether or not a policy scores them: the consent kinds (unsubscribe,
    /// resubscribe, bounce, complaint, delivered: 0 points whatever the policy says, see
    /// Consent/ConsentRules.swift) and a page that is not high intent (0 unless scored). Why
    /// always accepted: consent kinds must be on record before anything acts on them.
    public static let unscoredEventKinds: Set<String> = Set(ConsentKind.allCases.map(\.rawValue)).union(["page"])

    /// Every event kind ebbflow accepts: the kinds any policy scores, the business kinds and the
    /// unscored ones.
    /// Import and stream validation both ask this, so a stream can never name a kind that
    /// import would refuse.
    public var acceptedEventKinds: Set<String> {
        Set(self.default.points.keys).union(segments.values.flatMap { $0.points.keys }).union(Self.businessEventKinds)
            .union(Self.unscoredEventKinds)
    }

    /// The policy for a segment, or the default.
    public func policy(for segment: String?) -> EngagementPolicy {
        segment.flatMap { segments[$0] } ?? self.default
    }
}
