// A small seeded random generator whose streams can be derived from (seed, contact, day, send).

/// xoshiro256** seeded through SplitMix64: fast, good enough for simulation, and the same on
/// every platform (Swift's `SystemRandomNumberGenerator` can't be seeded, so it can't replay).
///
/// The point of `derive(seed:_:)` is that each decision gets a stream of its own, keyed by what
/// the decision is about (a contact, a day, a send), rather than taking the next numbers from one
/// shared stream. A decision about (contact, day) then comes out the same whatever order the
/// decisions are made in and whichever process makes them, so a run with 1 worker and a run with
/// 3 workers give identical results.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// Seeds the four state words from SplitMix64: consecutive SplitMix64 outputs are distinct,
    /// so the state can never be all zeros (the one state xoshiro must not be in).
    public init(seed: UInt64) {
        var counter = seed
        s0 = Self.splitMix(&counter)
        s1 = Self.splitMix(&counter)
        s2 = Self.splitMix(&counter)
        s3 = Self.splitMix(&counter)
    }

    /// An independent stream for the decision named by `parts` (e.g. a tag, a contact id, a day).
    /// The order of the parts matters, and so does their number: `(a, b)`, `(b, a)` and `(a, b, 0)`
    /// give unrelated streams.
    public static func derive(seed: UInt64, _ parts: UInt64...) -> SeededRandom {
        derive(seed: seed, parts: parts)
    }

    /// `derive(seed:_:)` for parts already in an array (variadic arguments can't be forwarded).
    public static func derive(seed: UInt64, parts: [UInt64]) -> SeededRandom {
        var key = mix(seed)
        for part in parts {
            key = mix(mix(key &+ 0x9E37_79B9_7F4A_7C15) ^ part)
        }
        return SeededRandom(seed: key)
    }

    public mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, 7) &* 9
        let shifted = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= shifted
        s3 = rotateLeft(s3, 45)
        return result
    }

    /// A double in [0, 1), from the top 53 bits, so every value is exactly representable.
    public mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// True with probability `p`. Always draws one number, so the stream's later values don't
    /// depend on `p`; `p` ≤ 0 (or NaN) is never true, `p` ≥ 1 is always true.
    public mutating func chance(_ p: Double) -> Bool {
        unit() < p
    }

    /// The SplitMix64 finaliser: a bijection on UInt64 that spreads every input bit over the output.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private static func splitMix(_ counter: inout UInt64) -> UInt64 {
        counter &+= 0x9E37_79B9_7F4A_7C15
        return mix(counter)
    }

    private func rotateLeft(_ value: UInt64, _ count: UInt64) -> UInt64 {
        (value << count) | (value >> (64 - count))
    }
}

extension SeededRandom {
    /// The bit pattern of a signed id or day, for use as a `derive` part (negative values included).
    static func part(_ value: Int64) -> UInt64 { UInt64(bitPattern: value) }
    static func part(_ value: Int) -> UInt64 { UInt64(bitPattern: Int64(value)) }
}
