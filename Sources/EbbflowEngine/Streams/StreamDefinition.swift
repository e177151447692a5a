// A journey ("stream") as its author writes it: entry, steps, exits, goal, mode and priority.
import EbbflowCore
import Foundation

/// One short journey. Why this shape: the practice this project follows asks for many short
/// streams rather than one long flow with an exit node at every step, so exits are declared
/// once for the whole stream, a stream is `open` (the arbiter may move its contacts at any
/// decision point) unless it is one of the few emotionally sensitive ones, which are `locked`
/// (a contact stays until the stream ends or one of its exits arrives) or given a manual
/// `priority`.
///
/// Written in YAML or JSON:
/// ```yaml
/// name: welcome
/// mode: open
/// entry: {statuses: [active], event: signup}
/// steps:
///   - send: welcome_1
///   - wait: 3d
///   - branch: {if: click, within: 3d, then: thanks, else: nudge}
///   - id: nudge
///     send: welcome_2
///   - end: true
///   - id: thanks
///     send: welcome_thanks
/// exits: [purchase]
/// goal: {event: purchase, within: 14d}
/// ```
public struct StreamDefinition: Codable, Sendable, Equatable {
    public enum Mode: String, Codable, Sendable, CaseIterable { case open, locked }

    /// Who may enter, and on what.
    public struct Entry: Codable, Sendable, Equatable {
        public var segments: [String]?
        public var statuses: [CampaignStatus]?
        /// An event kind that enters the contact (`purchase`, `product_return`, …).
        public var event: String?
        /// A date attribute of the contact (`birthday`) and the days before (negative) or after it.
        public var dateAttribute: String?
        public var offsetDays: Int?
        /// For a standing stream (no event, no date): how long after one of its exits took a
        /// contact out it may take the contact back (a duration such as `30d`; default 30 days).
        /// Without it, a contact who bought would be put back in `nurture` at its next open.
        public var reentryAfter: String?
        public init(
            segments: [String]? = nil, statuses: [CampaignStatus]? = nil, event: String? = nil,
            dateAttribute: String? = nil, offsetDays: Int? = nil, reentryAfter: String? = nil
        ) {
            self.segments = segments
            self.statuses = statuses
            self.event = event
            self.dateAttribute = dateAttribute
            self.offsetDays = offsetDays
            self.reentryAfter = reentryAfter
        }
        /// Seconds before a standing stream may take back a contact its exit took out.
        public var reentrySeconds: Double { reentryAfter.flatMap(DurationText.seconds) ?? 30 * 86_400 }
        enum CodingKeys: String, CodingKey {
            case segments, statuses, event, dateAttribute = "date_attribute", offsetDays = "offset_days", reentryAfter =
                "reentry_after"
        }
    }

    /// One weighted variant of a send step's experiment.
    public struct Variant: Codable, Sendable, Equatable {
        public var name: String
        public var template: String
        public var weight: Double?
    }

    /// A send step's A/B test: what it varies and the metric that decides.
    public struct Experiment: Codable, Sendable, Equatable {
        public enum Metric: String, Codable, Sendable, CaseIterable { case opens, clicks, reactivation }
        public var name: String
        public var metric: Metric
        public var variants: [Variant]
    }

    public enum Action: Sendable, Equatable {
        case send(template: String, experiment: Experiment?)
        /// Seconds.
        case wait(Double)
        /// Goes to `then` if the contact had an event of `kind` within `within` seconds, else to `otherwise`.
        case branch(kind: String, within: Double, then: String, otherwise: String)
        case goto(String)
        case end
    }

    public struct Step: Sendable, Equatable {
        public var id: String?
        public var action: Action
    }

    /// The event that measures the stream's value, counted within `within` seconds of a send.
    public struct Goal: Codable, Sendable, Equatable {
        public var event: String
        public var within: String
    }

    public var name: String
    public var mode: Mode
    public var priority: Int?
    public var entry: Entry
    public var steps: [Step]
    public var exits: [String]
    public var goal: Goal?

    enum CodingKeys: String, CodingKey { case name, mode, priority, entry, steps, exits, goal }

    /// What enters the stream at a decision point: its entry event's kind, or
    /// `date:ATTRIBUTE:OFFSET` for a date entry (the daily date-entry job makes those points;
    /// the offset is part of it, so two streams on one date at different offsets stay apart).
    public var entryKind: String? {
        entry.event ?? entry.dateAttribute.map { "date:\($0):\(entry.offsetDays ?? 0)" }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        mode = try container.decodeIfPresent(Mode.self, forKey: .mode) ?? .open
        priority = try container.decodeIfPresent(Int.self, forKey: .priority)
        entry = try container.decodeIfPresent(Entry.self, forKey: .entry) ?? Entry()
        steps = try container.decode([StepText].self, forKey: .steps).map(\.step)
        exits = try container.decodeIfPresent([String].self, forKey: .exits) ?? []
        goal = try container.decodeIfPresent(Goal.self, forKey: .goal)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(mode, forKey: .mode)
        try container.encodeIfPresent(priority, forKey: .priority)
        try container.encode(entry, forKey: .entry)
        try container.encode(steps.map(StepText.init), forKey: .steps)
        try container.encode(exits, forKey: .exits)
        try container.encodeIfPresent(goal, forKey: .goal)
    }
}

/// A step as written: a mapping with an optional `id` and exactly one action key.
struct StepText: Codable {
    var step: StreamDefinition.Step

    init(_ step: StreamDefinition.Step) { self.step = step }

    private enum Keys: String, CodingKey, CaseIterable { case id, send, wait, branch, goto, end }
    private struct Send: Codable { var template: String; var experiment: StreamDefinition.Experiment? }
    private struct Branch: Codable {
        var kind: String; var within: String; var then: String; var otherwise: String
        enum CodingKeys: String, CodingKey { case kind = "if", within, then, otherwise = "else" }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        let id = try container.decodeIfPresent(String.self, forKey: .id)
        let actions = container.allKeys.filter { $0 != .id }
        guard actions.count == 1, let action = actions.first else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription:
                        "a step has exactly one of send, wait, branch, goto, end (found \(actions.map(\.stringValue).sorted()))"
                ))
        }
        switch action {
        case .send:
            if let template = try? container.decode(String.self, forKey: .send) {
                step = .init(id: id, action: .send(template: template, experiment: nil))
            } else {
                let send = try container.decode(Send.self, forKey: .send)
                step = .init(id: id, action: .send(template: send.template, experiment: send.experiment))
            }
        case .wait:
            step = .init(
                id: id,
                action: .wait(
                    try Self.seconds(container.decode(String.self, forKey: .wait), decoder.codingPath + [Keys.wait])))
        case .branch:
            let branch = try container.decode(Branch.self, forKey: .branch)
            step = .init(
                id: id,
                action: .branch(
                    kind: branch.kind,
                    within: try Self.seconds(
                        branch.within, decoder.codingPath + [Keys.branch, Branch.CodingKeys.within]),
                    then: branch.then, otherwise: branch.otherwise))
        case .goto:
            step = .init(id: id, action: .goto(try container.decode(String.self, forKey: .goto)))
        case .end, .id:
            // `end: false` reads as "do not end", which no step means: refused, not ended.
            guard try container.decode(Bool.self, forKey: .end) else {
                throw DocumentFieldError(
                    path: DocumentDecoder.path(decoder.codingPath + [Keys.end]),
                    reason: "an end step is written end: true")
            }
            step = .init(id: id, action: .end)
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encodeIfPresent(step.id, forKey: .id)
        switch step.action {
        case .send(let template, let experiment):
            try container.encode(Send(template: template, experiment: experiment), forKey: .send)
        case .wait(let seconds): try container.encode("\(Int(seconds))s", forKey: .wait)
        case .branch(let kind, let within, let then, let otherwise):
            try container.encode(
                Branch(kind: kind, within: "\(Int(within))s", then: then, otherwise: otherwise), forKey: .branch)
        case .goto(let target): try container.encode(target, forKey: .goto)
        case .end: try container.encode(true, forKey: .end)
        }
    }

    /// A step's duration, within the shared bounds (more than 0, at most ten years). Why here,
    /// while decoding: the step keeps only seconds, and `wait: 99999999999d` once reached the
    /// worker that scheduled the next step and trapped it in the date encoder.
    private static func seconds(_ text: String, _ path: [any CodingKey]) throws -> Double {
        let field = DocumentDecoder.path(path)
        do {
            return try InputBounds.duration(text, field: field)
        } catch {
            throw DocumentFieldError(path: field, reason: "\(error.value): \(error.bound)")
        }
    }
}
