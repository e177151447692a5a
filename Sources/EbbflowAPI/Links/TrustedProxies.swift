// Who the client is: the socket peer, or the address a trusted proxy put in X-Forwarded-For (EBBFLOW_TRUSTED_PROXIES).
import EbbflowEngine
import Foundation

/// Why default none: `X-Forwarded-For` is whatever the client writes, so believing it from
/// anyone would let a person pass as Apple's proxy (their open scored 0) or anyone else. Only
/// when the socket peer is a proxy the operator named is the header read, right to left,
/// skipping the trusted proxies' own addresses: the first address left is the client's.
public struct TrustedProxies: Sendable, Equatable {
    public let networks: [IPNetwork]

    public static let environmentVariable = "EBBFLOW_TRUSTED_PROXIES"
    public static let maxNetworks = 1_000

    public init(networks: [IPNetwork] = []) { self.networks = networks }

    /// Comma-separated CIDRs (`10.0.0.0/8, 2001:db8::/32`, or bare addresses); empty is none.
    public init(parsing text: String) throws(LinkInputError) {
        let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard items.count <= Self.maxNetworks else {
            throw LinkInputError("\(Self.environmentVariable) lists more than \(Self.maxNetworks) networks")
        }
        var networks: [IPNetwork] = []
        for item in items {
            guard let network = IPNetwork(item) else {
                throw LinkInputError(
                    "\(Self.environmentVariable): \"\(item.prefix(64))\" is not an IPv4 or IPv6 network such as 10.0.0.0/8"
                )
            }
            networks.append(network)
        }
        self.networks = networks
    }

    func trusts(_ address: IPAddress) -> Bool { networks.contains { $0.contains(address) } }

    /// Whether the socket peer `peer` is one of these proxies, whose forwarded headers (such as
    /// the dashboard's `X-Forwarded-Proto`) may be believed.
    public func trusts(peer: String?) -> Bool { peer.flatMap(IPAddress.init).map(trusts) ?? false }

    /// The client's address: the peer, unless the peer is trusted and `forwardedFor` (every
    /// `X-Forwarded-For` value, in order) names one; a malformed entry stops the walk there.
    public func client(peer: String?, forwardedFor: [String]) -> IPAddress? {
        guard let peer = peer.flatMap(IPAddress.init) else { return nil }
        guard trusts(peer), !forwardedFor.isEmpty else { return peer }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        var client = peer
        for hop in hops.reversed().prefix(64) {
            guard trusts(client), let address = IPAddress(hop) else { break }
            client = address
        }
        return client
    }
}
