// How long a failed send waits before its next attempt: exponential with jitter, bounded.
import Foundation

/// The delay after failed attempt n (from 1): 60 s × 2^(n−1), at most 6 hours, then "equal
/// jitter": half of it fixed, the other half random. Why jitter: a relay that refused a whole
/// batch at once (a 421 under load) must not get the whole batch back at the same second;
/// why half fixed: a retry is never sooner than half its step. With the default
/// `delivery_max_attempts` of 8 the retries come after about 1, 2, 4, 8, 16, 32 and 64 minutes
/// (two hours in all) before the send is `dead`; at the cap, each later retry waits 3 to 6 hours.
public enum SendBackoff {
    public static let baseSeconds: Double = 60
    public static let capSeconds: Double = 6 * 3_600

    /// The un-jittered step after attempt `attempt`.
    public static func step(afterAttempt attempt: Int) -> Double {
        let exponent = Double(min(max(attempt, 1) - 1, 30))
        return min(capSeconds, baseSeconds * pow(2, exponent))
    }

    /// The jittered delay: within [step/2, step].
    public static func delay(afterAttempt attempt: Int) -> Double {
        let step = step(afterAttempt: attempt)
        return step / 2 + Double.random(in: 0...(step / 2))
    }
}
