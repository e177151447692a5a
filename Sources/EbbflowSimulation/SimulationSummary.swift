// The final summary of a simulation: sends against a fair static list, the engagement reached, reactivation, time to engage.
import Foundation

/// What a run achieved, compared fairly. The static-list baseline mails every contact at every
/// campaign step and makes the same stream sends ebbflow made (a list without ebbflow would
/// still run the journeys), so the sends it saves are campaign sends only. Sends saved mean
/// nothing alone: the summary also reports the engagement ebbflow reached. What the static
/// list would have reached is not simulated (its extra mail would change how the personas
/// answer, with fatigue, unsubscribes and complaints this run does not model), and the text
/// says so rather than inventing a number.
public struct SimulationSummary: Sendable, Equatable {
    public var contacts: Int
    public var days: Int
    /// Sends of the campaigns' steps ebbflow made (to contacts in the send flow).
    public var campaignSends: Int
    /// Sends of the streams' steps (zero without streams).
    public var streamSends: Int
    /// What a static list sends for the campaigns: every contact at every campaign step.
    public var staticCampaignSends: Int
    public var engagement: Engagement
    public var wentInactive: Int
    public var reactivated: Int
    public var medianDaysToEngage: Double?
    public var finalDay: DailyRow?

    /// The engagement the run reached, counted from the events the engine accepted.
    public struct Engagement: Sendable, Equatable {
        /// Opens by people: machine opens (mail privacy proxies) are left out.
        public var humanOpens: Int
        /// Clicks by people: those flagged as bots are left out.
        public var clicks: Int
        /// Contacts with at least one human open or click.
        public var engagedContacts: Int
        /// Contacts still mailable at the end: not suppressed, still on the email channel.
        public var reachableByEmail: Int
        /// Contacts moved to the alternative channel (ads) at the end.
        public var movedToAds: Int
        /// Contacts suppressed at the end (unsubscribed, bounced, complained).
        public var suppressed: Int

        public init(
            humanOpens: Int, clicks: Int, engagedContacts: Int, reachableByEmail: Int, movedToAds: Int, suppressed: Int
        ) {
            self.humanOpens = humanOpens
            self.clicks = clicks
            self.engagedContacts = engagedContacts
            self.reachableByEmail = reachableByEmail
            self.movedToAds = movedToAds
            self.suppressed = suppressed
        }
    }

    public init(
        contacts: Int, days: Int, campaignSends: Int, streamSends: Int, staticCampaignSends: Int,
        engagement: Engagement, wentInactive: Int, reactivated: Int, medianDaysToEngage: Double?,
        finalDay: DailyRow?
    ) {
        self.contacts = contacts
        self.days = days
        self.campaignSends = campaignSends
        self.streamSends = streamSends
        self.staticCampaignSends = staticCampaignSends
        self.engagement = engagement
        self.wentInactive = wentInactive
        self.reactivated = reactivated
        self.medianDaysToEngage = medianDaysToEngage
        self.finalDay = finalDay
    }

    /// Every send ebbflow made.
    public var sends: Int { WeeklyTable.sum([campaignSends, streamSends]) }
    /// What the static list sends: every contact at every campaign step, and the same stream sends.
    public var staticListSends: Int { WeeklyTable.sum([staticCampaignSends, streamSends]) }
    public var sendsSavedFraction: Double { staticListSends > 0 ? 1 - Double(sends) / Double(staticListSends) : 0 }
    public var reactivationRate: Double { wentInactive > 0 ? Double(reactivated) / Double(wentInactive) : 0 }

    public var text: String {
        let median = medianDaysToEngage.map { String(format: "%.1f days", $0) } ?? "n/a (nobody engaged)"
        let streams = streamSends > 0 ? "\(campaignSends) campaign, \(streamSends) stream" : "all campaign"
        let baseline =
            streamSends > 0 ? "at every campaign step and makes the same stream sends" : "at every campaign step"
        return """
            \(contacts) contacts over \(days) simulated days
            sends: \(sends) (\(streams)) against \(staticListSends) for a static list that mails everyone \
            \(baseline) (\(percent(sendsSavedFraction)) saved)
            engagement reached: \(engagement.humanOpens) human opens, \(engagement.clicks) clicks; \
            \(engagement.engagedContacts) contacts (\(percent(share(engagement.engagedContacts)))) engaged at least once; \
            \(engagement.reachableByEmail) (\(percent(share(engagement.reachableByEmail)))) still reachable by email at \
            the end (\(engagement.movedToAds) moved to ads, \(engagement.suppressed) suppressed)
            engagement a static list reaches: not simulated (its extra mail changes how people answer: \
            fatigue, unsubscribes and complaints this run does not model)
            reactivation: \(reactivated) of \(wentInactive) contacts that went inactive came back (\(percent(reactivationRate)))
            median time from first send to engaged: \(median)
            """
    }

    func share(_ count: Int) -> Double { contacts > 0 ? Double(count) / Double(contacts) : 0 }

    func percent(_ fraction: Double) -> String { String(format: "%.1f %%", fraction.isFinite ? fraction * 100 : 0) }
}
