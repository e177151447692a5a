// Which variant of an experiment a contact gets: the same every time, in proportion to the weights.
import Foundation

/// Why a hash and not a stored draw: the assignment must be the same on every worker and at
/// every step without a lookup, and must not correlate across experiments (a contact that got
/// variant A of one test is not more likely to get A of the next). FNV-1a over the experiment's
/// name and the contact id, mixed by SplitMix64's finalizer, gives a uniform number in [0, 1)
/// that only those two inputs decide.
public enum ExperimentAssignment {
    /// The index of the variant `contactID` gets among `weights` (each > 0; nil weights count 1).
    public static func variant(experiment: String, contactID: Int64, weights: [Double?]) -> Int {
        precondition(!weights.isEmpty, "an experiment has variants")
        let point = unit(experiment: experiment, contactID: contactID)
        let resolved = weights.map { $0 ?? 1 }
        let total = resolved.reduce(0, +)
        var cumulative = 0.0
        for (index, weight) in resolved.enumerated() {
            cumulative += weight / total
            if point < cumulative { return index }
        }
        return resolved.count - 1
    }

    static func unit(experiment: String, contactID: Int64) -> Double {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in experiment.utf8 + [0] { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        for shift in stride(from: 0, to: 64, by: 8) {
            hash = (hash ^ (UInt64(bitPattern: contactID) >> UInt64(shift) & 0xff)) &* 0x0000_0100_0000_01b3
        }
        hash = (hash ^ (hash >> 30)) &* 0xbf58_476d_1ce4_e5b9
        hash = (hash ^ (hash >> 27)) &* 0x94d0_49bb_1331_11eb
        hash ^= hash >> 31
        return Double(hash >> 11) * 0x1.0p-53
    }
}
