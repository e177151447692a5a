// When a failed job runs again: exponential backoff with jitter, capped.
import Foundation

/// Delay before attempt `n + 1` after attempt `n` failed:
/// `min(maxDelay, base × factor^(n−1))`, then spread by ±`jitter` so a burst of failures
/// does not come back as a burst.
public struct RetryPolicy: Sendable, Equatable {
    public var base: Double
    public var factor: Double
    public var maxDelay: Double
    /// Fraction of the delay added or removed at random (0 = none).
    public var jitter: Double

    public init(base: Double = 5, factor: Double = 2, maxDelay: Double = 6 * 3600, jitter: Double = 0.2) {
        self.base = base
        self.factor = factor
        self.maxDelay = maxDelay
        self.jitter = min(max(jitter, 0), 1)
    }

    /// The delay without jitter.
    public func nominalDelay(afterAttempt attempt: Int) -> Double {
        let exponent = Double(max(attempt, 1) - 1)
        return min(maxDelay, base * pow(factor, exponent))
    }

    public func delay(afterAttempt attempt: Int, random: Double = Double.random(in: -1...1)) -> Double {
        let nominal = nominalDelay(afterAttempt: attempt)
        return max(0, nominal * (1 + jitter * min(max(random, -1), 1)))
    }
}
