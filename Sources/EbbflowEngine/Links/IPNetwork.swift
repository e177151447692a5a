// IP addresses and CIDR networks (IPv4 and IPv6) read strictly, and whether an address lies in a network.
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An IPv4 (4 bytes) or IPv6 (16 bytes) address. An IPv4-mapped IPv6 address (`::ffff:1.2.3.4`,
/// what a dual-stack socket reports for an IPv4 peer) is read as its IPv4 address, so an IPv4
/// network matches it.
public struct IPAddress: Sendable, Equatable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.utf8.count <= 45 else { return nil }
        var v4 = in_addr()
        if trimmed.withCString({ inet_pton(AF_INET, $0, &v4) }) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
            return
        }
        var v6 = in6_addr()
        guard trimmed.withCString({ inet_pton(AF_INET6, $0, &v6) }) == 1 else { return nil }
        let raw = withUnsafeBytes(of: &v6) { Array($0) }
        bytes = raw[0..<10].allSatisfy { $0 == 0 } && raw[10] == 0xFF && raw[11] == 0xFF ? Array(raw[12...]) : raw
    }

    public var description: String {
        bytes.count == 4
            ? bytes.map(String.init).joined(separator: ".")
            : stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
                .joined(separator: ":")
    }
}

/// A network in CIDR notation: `17.0.0.0/8`, `2620:149::/32`, or a bare address (one host).
public struct IPNetwork: Sendable, Equatable, CustomStringConvertible {
    public let address: IPAddress
    public let prefix: Int

    /// Nil unless `text` is an address, optionally `/prefix` within the family's bits.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(String(parts[0])) else { return nil }
        // An IPv4-mapped network is written in IPv6 bits; its prefix counts those.
        let mapped = address.bytes.count == 4 && parts[0].contains(":")
        let bits = address.bytes.count * 8
        var prefix = bits
        if parts.count == 2 {
            guard parts[1].utf8.count <= 3, parts[1].utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                let value = Int(parts[1])
            else { return nil }
            let given = mapped ? value - 96 : value
            guard (0...bits).contains(given) else { return nil }
            prefix = given
        }
        self.address = address
        self.prefix = prefix
    }

    public func contains(_ other: IPAddress) -> Bool {
        guard other.bytes.count == address.bytes.count else { return false }
        var remaining = prefix
        for index in 0..<address.bytes.count where remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xFF : UInt8(0xFF) << (8 - remaining)
            if address.bytes[index] & mask != other.bytes[index] & mask { return false }
            remaining -= 8
        }
        return true
    }

    public var description: String { "\(address)/\(prefix)" }
}
