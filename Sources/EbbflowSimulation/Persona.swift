// Simulated contact personas and the engagement each one gives a send, or gives of its own accord.
import Foundation

/// The kind of an engagement event; the raw values are ebbflow's event kind names.
/// The cases are spelled as the kinds (snake case) on purpose: CSV headers and event rows use them.
public enum ReactionKind: String, Sendable, Codable, CaseIterable {
    // swift-format-ignore: AlwaysUseLowerCamelCase
    case open, click, high_intent_visit, page_visit
    /// Business events, made only when the simulation runs streams (`Persona+Commerce.swift`).
    // swift-format-ignore: AlwaysUseLowerCamelCase
    case signup, purchase, product_return, support_ticket
}

/// One engagement event a simulated contact produces.
public struct Reaction: Sendable, Equatable, Codable {
    public var kind: ReactionKind
    /// An open made by the mail client (Apple Mail Privacy Protection loading the pixel), not
    /// by the person: it says nothing about interest, which is why the engine can score it apart.
    public var machineOpen: Bool
    /// Minutes after the send for a reaction to a send; minutes after the start of the day for
    /// a spontaneous one.
    public var delayMinutes: Int

    public init(kind: ReactionKind, machineOpen: Bool = false, delayMinutes: Int) {
        self.kind = kind
        self.machineOpen = machineOpen
        self.delayMinutes = delayMinutes
    }
}

/// A kind of contact: how likely it is to engage with a send, and on its own. A simulation needs
/// a mix of these to show what the elastic audience does with each (the dormant drift out of the
/// send flow, the late wakers come back through reactivation, the fading go quiet mid-flow).
public struct Persona: Sendable, Equatable, Codable {
    public var name: String
    /// The fraction of contacts with this persona.
    public var share: Double
    /// Odds that the person opens a send (before fading).
    public var openOdds: Double
    /// Odds of a click, given that the person opened.
    public var clickOdds: Double
    /// Odds of a high-intent page visit (pricing, demo), given a click.
    public var highIntentVisitOdds: Double
    /// Odds per day of engaging without a send: opening an old email or visiting the site.
    public var spontaneousDailyOdds: Double
    /// Odds per send that the contact's mail client opens it by itself (Apple MPP), whatever the
    /// person does. Not faded: it is the device, not interest.
    public var machineOpenOdds: Double
    /// Each send already received multiplies the person's open odds by this (1 = no fading,
    /// 0.5 = halves per send).
    public var fadePerSend: Double
    /// If set, the contact does nothing at all (no opens of any kind, no visits) before this day
    /// (0-based, day 0 = the simulation's first day), and follows the odds above from it on.
    public var wakesAfterDays: Int?
    /// Purchases, returns and support tickets, for simulations with streams.
    public var commerce: Commerce

    public init(
        name: String, share: Double, openOdds: Double, clickOdds: Double, highIntentVisitOdds: Double,
        spontaneousDailyOdds: Double, machineOpenOdds: Double, fadePerSend: Double = 1, wakesAfterDays: Int? = nil,
        commerce: Commerce = .none
    ) {
        self.name = name
        self.share = share
        self.openOdds = openOdds
        self.clickOdds = clickOdds
        self.highIntentVisitOdds = highIntentVisitOdds
        self.spontaneousDailyOdds = spontaneousDailyOdds
        self.machineOpenOdds = machineOpenOdds
        self.fadePerSend = fadePerSend
        self.wakesAfterDays = wakesAfterDays
        self.commerce = commerce
    }

    enum CodingKeys: String, CodingKey {
        case name, share, openOdds = "open_odds", clickOdds = "click_odds", highIntentVisitOdds =
            "high_intent_visit_odds"
        case spontaneousDailyOdds = "spontaneous_daily_odds", machineOpenOdds = "machine_open_odds"
        case fadePerSend = "fade_per_send", wakesAfterDays = "wakes_after_days", commerce
    }

    /// `fade_per_send` (default 1), `wakes_after_days` (default none) and `commerce` (default
    /// none) may be left out.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            name: try container.decode(String.self, forKey: .name),
            share: try container.decode(Double.self, forKey: .share),
            openOdds: try container.decode(Double.self, forKey: .openOdds),
            clickOdds: try container.decode(Double.self, forKey: .clickOdds),
            highIntentVisitOdds: try container.decode(Double.self, forKey: .highIntentVisitOdds),
            spontaneousDailyOdds: try container.decode(Double.self, forKey: .spontaneousDailyOdds),
            machineOpenOdds: try container.decode(Double.self, forKey: .machineOpenOdds),
            fadePerSend: try container.decodeIfPresent(Double.self, forKey: .fadePerSend) ?? 1,
            wakesAfterDays: try container.decodeIfPresent(Int.self, forKey: .wakesAfterDays),
            commerce: try container.decodeIfPresent(Commerce.self, forKey: .commerce) ?? .none
        )
    }

    /// Five personas whose shares sum to 1: a small responsive core, a large occasional middle,
    /// some who fade with every send, a dormant fifth, and late wakers (silent until day 60,
    /// then occasional) to exercise reactivation. Their commerce (used only with streams): the
    /// responsive buy most, the fading return most, the dormant do nothing.
    public static let defaults: [Persona] = [
        Persona(
            name: "responsive", share: 0.15, openOdds: 0.45, clickOdds: 0.30, highIntentVisitOdds: 0.30,
            spontaneousDailyOdds: 0.02, machineOpenOdds: 0.30,
            commerce: Commerce(
                purchaseAfterClickOdds: 0.20, purchaseDailyOdds: 0.002, returnOdds: 0.12, ticketDailyOdds: 0.002)),
        Persona(
            name: "occasional", share: 0.35, openOdds: 0.15, clickOdds: 0.15, highIntentVisitOdds: 0.15,
            spontaneousDailyOdds: 0.004, machineOpenOdds: 0.30,
            commerce: Commerce(
                purchaseAfterClickOdds: 0.10, purchaseDailyOdds: 0.0005, returnOdds: 0.10, ticketDailyOdds: 0.001)),
        Persona(
            name: "fading", share: 0.20, openOdds: 0.40, clickOdds: 0.20, highIntentVisitOdds: 0.20,
            spontaneousDailyOdds: 0.001, machineOpenOdds: 0.30, fadePerSend: 0.5,
            commerce: Commerce(
                purchaseAfterClickOdds: 0.10, purchaseDailyOdds: 0.0002, returnOdds: 0.20, ticketDailyOdds: 0.001)),
        Persona(
            name: "dormant", share: 0.20, openOdds: 0, clickOdds: 0, highIntentVisitOdds: 0,
            spontaneousDailyOdds: 0, machineOpenOdds: 0),
        Persona(
            name: "late_waker", share: 0.10, openOdds: 0.15, clickOdds: 0.15, highIntentVisitOdds: 0.15,
            spontaneousDailyOdds: 0.004, machineOpenOdds: 0.30, wakesAfterDays: 60,
            commerce: Commerce(
                purchaseAfterClickOdds: 0.10, purchaseDailyOdds: 0.0005, returnOdds: 0.10, ticketDailyOdds: 0.001)),
    ]

    /// The persona of contact number `contactIndex`, drawn by share from a stream of its own, so
    /// it depends on (seed, index) only. Shares need not sum to exactly 1 (they are normalised);
    /// negative or non-finite shares count as 0; if no share is positive the pick is uniform; an
    /// empty list falls back to `defaults`.
    public static func assign(contactIndex: Int, seed: UInt64, personas: [Persona]) -> Persona {
        let personas = personas.isEmpty ? defaults : personas
        var random = SeededRandom.derive(seed: seed, Stream.assign, SeededRandom.part(contactIndex))
        let draw = random.unit()
        let weights = personas.map { $0.share.isFinite && $0.share > 0 ? $0.share : 0 }
        let total = weights.reduce(0, +)
        guard total > 0, total.isFinite else {
            return personas[min(personas.count - 1, Int(draw * Double(personas.count)))]
        }
        var cumulative = 0.0
        for (persona, weight) in zip(personas, weights) where weight > 0 {
            cumulative += weight / total
            if draw < cumulative { return persona }
        }
        return personas.last { $0.share.isFinite && $0.share > 0 } ?? personas[personas.count - 1]
    }

    /// Whether the contact responds at all on `day` (always, unless it wakes late).
    public func isAwake(day: Int) -> Bool {
        guard let wakesAfterDays else { return true }
        return day >= wakesAfterDays
    }

    /// The engagement send `sendID` gets from contact `contactID`, in time order; usually none.
    /// The draws depend on (seed, sendID, contactID) only; `sendsSoFar` (sends the contact
    /// received before this one) and `day` (0-based) change the odds, not the draws.
    ///
    /// The mail client may open the send itself (a machine open, within minutes). The person
    /// may open it too, with odds faded by `sendsSoFar`; if the client already opened it there is
    /// no second open event. A click implies an open, so one always comes first, and a high-intent
    /// visit follows a click.
    ///
    /// `appeal` multiplies the click odds: how much more (or less) this send's template makes
    /// people click than the persona's usual (1 = as usual; simulations set it per template).
    public func reactions(
        toSendID sendID: Int64, contactID: Int64, sendsSoFar: Int, day: Int, seed: UInt64, appeal: Double = 1
    ) -> [Reaction] {
        guard isAwake(day: day) else { return [] }
        var random = SeededRandom.derive(
            seed: seed, Stream.send, SeededRandom.part(sendID), SeededRandom.part(contactID))
        // Every draw is made whatever the outcome, so each one always comes from the same place.
        let machine = random.chance(machineOpenOdds)
        let opened = random.chance(openOdds * fade(after: sendsSoFar))
        let clicked = opened && random.chance(clickOdds * appeal)
        let visited = clicked && random.chance(highIntentVisitOdds)
        let machineDelay = Int(random.unit() * 5) // 0–4 minutes: the client fetches on delivery
        let openDelay = 5 + Self.waitMinutes(random.unit(), mean: 360, cap: 4_320) // mostly hours, at most 3 days
        let clickDelay = openDelay + 1 + Int(random.unit() * 20)
        let visitDelay = clickDelay + 1 + Int(random.unit() * 45)

        var result: [Reaction] = []
        if machine { result.append(Reaction(kind: .open, machineOpen: true, delayMinutes: machineDelay)) }
        if opened && !machine { result.append(Reaction(kind: .open, delayMinutes: openDelay)) }
        if clicked { result.append(Reaction(kind: .click, delayMinutes: clickDelay)) }
        if visited { result.append(Reaction(kind: .high_intent_visit, delayMinutes: visitDelay)) }
        return result
    }

    /// The engagement contact `contactID` shows of its own accord on `day`, if any: an open of
    /// an old email or a page visit, at a minute of that day. Depends on (seed, contactID, day).
    public func spontaneous(contactID: Int64, day: Int, seed: UInt64) -> Reaction? {
        guard isAwake(day: day) else { return nil }
        var random = SeededRandom.derive(
            seed: seed, Stream.spontaneous, SeededRandom.part(contactID), SeededRandom.part(day))
        let engages = random.chance(spontaneousDailyOdds)
        let isOpen = random.chance(0.35)
        let minute = min(1_439, Int(random.unit() * 1_440))
        guard engages else { return nil }
        return Reaction(kind: isOpen ? .open : .page_visit, delayMinutes: minute)
    }

    /// The factor on the open odds after `sends` sends; 1 for a persona that doesn't fade.
    func fade(after sends: Int) -> Double {
        guard fadePerSend != 1, sends > 0 else { return 1 }
        return pow(max(0, fadePerSend), Double(sends))
    }

    /// An exponentially distributed wait (most short, a few long), in whole minutes, capped.
    static func waitMinutes(_ unit: Double, mean: Double, cap: Int) -> Int {
        let minutes = -log(1 - unit) * mean // unit < 1, so the log is finite
        guard minutes.isFinite, minutes >= 0 else { return 0 }
        return minutes >= Double(cap) ? cap : Int(minutes)
    }

    /// Tags that keep the streams of different kinds of decision apart.
    enum Stream {
        static let assign: UInt64 = 0x6173_7369_676E // "assign"
        static let send: UInt64 = 0x73_656E_64 // "send"
        static let spontaneous: UInt64 = 0x73_706F_6E74 // "spont"
    }
}
