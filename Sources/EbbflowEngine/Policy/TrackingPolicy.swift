// The policy's `tracking` field: which opens are machines' and which clicks are link scanners', so neither scores.
import EbbflowCore
import Foundation

/// Why in the policy: which networks and scanners to distrust, and how soon after delivery a
/// click is too soon to be a person's, is the CRM team's call and changes as scanners do.
/// A machine open is stored with `machine_open` and a scanner's click with `bot`: both are kept
/// and shown, score 0 (`machine_open_points`, `EngagementPolicy.points(for:machineOpen:bot:)`)
/// and count for no experiment or stream goal.
public struct TrackingPolicy: Codable, Sendable, Equatable {
    /// Networks (CIDR, IPv4 or IPv6) whose opens are machine opens. The default is Apple's own
    /// address block, 17.0.0.0/8 (and its IPv6 allocation 2620:149::/32), the range ESPs and
    /// senders commonly use to flag Apple Mail Privacy Protection prefetches: MPP loads every
    /// image through Apple's proxies when the message arrives, whether or not anyone reads it
    /// (Apple's MPP description; SocketLabs, "Identifying Apple MPP opens"). MPP runs on the
    /// iCloud Private Relay infrastructure (Word to the Wise, "Apple MPP reporting and
    /// geolocation", 2021), whose egress ranges Apple publishes at
    /// https://mask-api.icloud.com/egress-ip-ranges.csv; add those for wider coverage, knowing
    /// that they also flag people browsing through Private Relay.
    public var machineOpenNetworks: [String] = ["17.0.0.0/8", "2620:149::/32"]
    /// A click within this long of the send's delivery is a link scanner's: security gateways
    /// (Microsoft Defender Safe Links, Mimecast, Proofpoint, Barracuda) fetch every link as the
    /// message arrives. Mautic's bot check uses 2 seconds after the send by default
    /// (`BotRatioHelper`, mautic/mautic#16263) and operators there report scanners clicking
    /// every link within about 10 seconds (mautic/mautic#9798, #8692); 10 s is the default.
    /// `0s` turns the check off.
    public var botClickWindow: String = "10s"
    /// User-Agent substrings (compared without regard to case) of link scanners and scripts:
    /// a click from one is a bot's. The default names the security gateways and HTTP libraries
    /// seen clicking every link (Mautic's and Marketo's bot filters work the same way).
    public var scannerUserAgents: [String] = [
        "bot", "crawler", "spider", "scanner", "proofpoint", "mimecast", "barracuda", "forcepoint", "symantec",
        "mcafee", "ironport", "sophos", "trend micro", "safelinks", "python-requests", "python-urllib", "curl/",
        "wget/", "go-http-client", "okhttp", "java/", "headlesschrome", "phantomjs",
    ]

    public static let maxNetworks = 10_000
    public static let maxUserAgents = 500
    public static let userAgentBytes = 1...200
    /// The longest `bot_click_window`: an hour. A person may click within minutes of delivery.
    public static let maxBotClickWindow: Double = 3_600

    public init() {}

    private enum CodingKeys: String, CodingKey {
        case machineOpenNetworks = "machine_open_networks", botClickWindow = "bot_click_window"
        case scannerUserAgents = "scanner_user_agents"
    }

    public init(from decoder: any Decoder) throws {
        let defaults = TrackingPolicy()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        machineOpenNetworks =
            try container.decodeIfPresent([String].self, forKey: .machineOpenNetworks) ?? defaults.machineOpenNetworks
        botClickWindow = try container.decodeIfPresent(String.self, forKey: .botClickWindow) ?? defaults.botClickWindow
        scannerUserAgents =
            try container.decodeIfPresent([String].self, forKey: .scannerUserAgents) ?? defaults.scannerUserAgents
    }

    /// `bot_click_window` in seconds (validated by `validate`).
    public var botClickWindowSeconds: Double { DurationText.seconds(botClickWindow) ?? 10 }

    /// The networks, read (validated by `validate`; one that no longer reads is skipped).
    public var networks: [IPNetwork] { machineOpenNetworks.compactMap { IPNetwork($0) } }

    /// Whether an open from `address` is a machine's.
    public func isMachineOpen(from address: IPAddress?) -> Bool {
        guard let address else { return false }
        return networks.contains { $0.contains(address) }
    }

    /// The scanner substring `userAgent` contains, if any.
    public func scanner(in userAgent: String?) -> String? {
        guard let agent = userAgent?.lowercased(), !agent.isEmpty else { return nil }
        return scannerUserAgents.first { agent.contains($0.lowercased()) }
    }

    public func validate(_ name: String) throws(PolicyError) {
        guard machineOpenNetworks.count <= Self.maxNetworks else {
            throw PolicyError(
                field: "\(name).machine_open_networks", value: "\(machineOpenNetworks.count) networks",
                reason: "must list at most \(Self.maxNetworks)")
        }
        for (index, network) in machineOpenNetworks.enumerated() where IPNetwork(network) == nil {
            throw PolicyError(
                field: "\(name).machine_open_networks[\(index)]", value: JSONText.quoted(String(network.prefix(64))),
                reason: "must be an IPv4 or IPv6 network in CIDR notation, such as 17.0.0.0/8 or 2620:149::/32")
        }
        do {
            _ = try InputBounds.duration(
                botClickWindow, field: "\(name).bot_click_window", minimum: 0, maximum: Self.maxBotClickWindow)
        } catch {
            throw PolicyError(field: error.field, value: error.value, reason: error.bound)
        }
        guard scannerUserAgents.count <= Self.maxUserAgents else {
            throw PolicyError(
                field: "\(name).scanner_user_agents", value: "\(scannerUserAgents.count) entries",
                reason: "must list at most \(Self.maxUserAgents)")
        }
        for (index, agent) in scannerUserAgents.enumerated()
        where !Self.userAgentBytes.contains(agent.utf8.count) || agent.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F })
        {
            throw PolicyError(
                field: "\(name).scanner_user_agents[\(index)]", value: JSONText.quoted(String(agent.prefix(64))),
                reason: "must be 1 to \(Self.userAgentBytes.upperBound) bytes without control characters")
        }
    }
}
