// What a simulated persona buys, returns and complains about: the business events streams run on.
import Foundation

extension Persona {
    /// A persona's business behaviour. Why apart from the email odds: these events only matter
    /// when a simulation runs streams (a purchase enters post-purchase and ends welcome, a
    /// return enters the locked post-return stream), and a simulation without streams must give
    /// the same numbers as before, so every draw here comes from streams of its own.
    public struct Commerce: Sendable, Equatable, Codable {
        /// Odds of a purchase after a click on a send (within about two days): how email earns.
        public var purchaseAfterClickOdds: Double
        /// Odds per day of a purchase that no send led to.
        public var purchaseDailyOdds: Double
        /// Odds that a purchase is returned, 3 to 14 days later.
        public var returnOdds: Double
        /// Odds per day of opening a support ticket.
        public var ticketDailyOdds: Double

        public init(
            purchaseAfterClickOdds: Double = 0, purchaseDailyOdds: Double = 0, returnOdds: Double = 0,
            ticketDailyOdds: Double = 0
        ) {
            self.purchaseAfterClickOdds = purchaseAfterClickOdds
            self.purchaseDailyOdds = purchaseDailyOdds
            self.returnOdds = returnOdds
            self.ticketDailyOdds = ticketDailyOdds
        }

        /// Buys nothing, returns nothing, never writes to support.
        public static let none = Commerce()

        enum CodingKeys: String, CodingKey {
            case purchaseAfterClickOdds = "purchase_after_click_odds", purchaseDailyOdds = "purchase_daily_odds"
            case returnOdds = "return_odds", ticketDailyOdds = "ticket_daily_odds"
        }

        /// Every field may be left out (0).
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.init(
                purchaseAfterClickOdds: try container.decodeIfPresent(Double.self, forKey: .purchaseAfterClickOdds)
                    ?? 0,
                purchaseDailyOdds: try container.decodeIfPresent(Double.self, forKey: .purchaseDailyOdds) ?? 0,
                returnOdds: try container.decodeIfPresent(Double.self, forKey: .returnOdds) ?? 0,
                ticketDailyOdds: try container.decodeIfPresent(Double.self, forKey: .ticketDailyOdds) ?? 0)
        }
    }

    /// Minutes after a click on send `sendKey` at which the person buys, or nil. Depends on
    /// (seed, sendKey, contactID) only.
    public func purchase(afterClickOn sendKey: UInt64, contactID: Int64, seed: UInt64) -> Int? {
        var random = SeededRandom.derive(seed: seed, CommerceStream.afterClick, sendKey, SeededRandom.part(contactID))
        let buys = random.chance(commerce.purchaseAfterClickOdds)
        let delay = 10 + Self.waitMinutes(random.unit(), mean: 600, cap: 2_880)
        return buys ? delay : nil
    }

    /// The purchase and support ticket the contact makes of its own accord on `day`, at minutes
    /// of that day; usually none. Depends on (seed, contactID, day) only.
    public func commerce(contactID: Int64, day: Int, seed: UInt64) -> [Reaction] {
        guard isAwake(day: day) else { return [] }
        var random = SeededRandom.derive(
            seed: seed, CommerceStream.daily, SeededRandom.part(contactID), SeededRandom.part(day))
        let buys = random.chance(commerce.purchaseDailyOdds)
        let writes = random.chance(commerce.ticketDailyOdds)
        let buyMinute = min(1_439, Int(random.unit() * 1_440))
        let writeMinute = min(1_439, Int(random.unit() * 1_440))
        var result: [Reaction] = []
        if buys { result.append(Reaction(kind: .purchase, delayMinutes: buyMinute)) }
        if writes { result.append(Reaction(kind: .support_ticket, delayMinutes: writeMinute)) }
        return result
    }

    /// Minutes after purchase `purchaseKey` at which the product comes back, or nil: 3 to 14
    /// days. Depends on (seed, purchaseKey, contactID) only.
    public func returnDelay(ofPurchase purchaseKey: UInt64, contactID: Int64, seed: UInt64) -> Int? {
        var random = SeededRandom.derive(seed: seed, CommerceStream.giveBack, purchaseKey, SeededRandom.part(contactID))
        let returns = random.chance(commerce.returnOdds)
        let delay = 3 * 1_440 + Int(random.unit() * Double(11 * 1_440))
        return returns ? delay : nil
    }

    /// The day (0-based, below `days`) on which contact `contactIndex` signs up: simulated
    /// contacts all exist on day 0, and spreading their `signup` events over the first days
    /// gives a welcome stream a steady intake instead of one wave.
    public static func signupDay(contactIndex: Int, seed: UInt64, within days: Int) -> Int {
        guard days > 1 else { return 0 }
        var random = SeededRandom.derive(seed: seed, CommerceStream.signup, SeededRandom.part(contactIndex))
        return min(days - 1, Int(random.unit() * Double(days)))
    }

    /// The contact's birthday as an ISO date (`YYYY-MM-DD`, years 1950–2005, never 29 February),
    /// stored in its attributes so date-entry streams (`date_attribute: birthday`) have one.
    public static func birthday(contactIndex: Int, seed: UInt64) -> String {
        var random = SeededRandom.derive(seed: seed, CommerceStream.birthday, SeededRandom.part(contactIndex))
        let year = 1950 + Int(random.unit() * 56)
        let dayOfYear = Int(random.unit() * 365) // a 365-day year: 29 February never drawn
        let lengths = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        var month = 0, day = dayOfYear
        while day >= lengths[month] {
            day -= lengths[month]
            month += 1
        }
        return String(format: "%04d-%02d-%02d", min(year, 2005), month + 1, day + 1)
    }

    /// Tags that keep these draws apart from the email ones and from each other.
    enum CommerceStream {
        static let afterClick: UInt64 = 0x62_7579 // "buy"
        static let daily: UInt64 = 0x6461_696C_79 // "daily"
        static let giveBack: UInt64 = 0x7265_7475_726E // "return"
        static let signup: UInt64 = 0x7369_676E_7570 // "signup"
        static let birthday: UInt64 = 0x6269_7274_68 // "birth"
    }
}
