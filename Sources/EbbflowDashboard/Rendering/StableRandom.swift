// A random number generator seeded from what a page shows, so the same figures draw the same samples.
/// Why: the probability that a variant is best comes from posterior draws; with fresh
/// randomness each refresh of an unchanged experiment would move it by a few tenths of a
/// percent, and a person would read movement into noise. SplitMix64: small, fast, and good
/// enough for Monte-Carlo estimates of this size.
struct StableRandom: RandomNumberGenerator {
    private var state: UInt64

    /// Seeded by FNV-1a of `parts`.
    init(_ parts: [String]) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for part in parts {
            for byte in part.utf8 {
                hash ^= UInt64(byte)
                hash &*= 0x0000_0100_0000_01b3
            }
            hash ^= 0xff
            hash &*= 0x0000_0100_0000_01b3
        }
        state = hash
    }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
