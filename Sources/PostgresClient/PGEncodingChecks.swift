// The checks that keep parameter encoding from trapping: timestamps in PostgreSQL's range, text without NUL, lengths that fit Int32.
import Foundation

/// `timestamptz` in PostgreSQL's binary form: microseconds since 2000-01-01 UTC.
enum PGTimestamp {
    /// PostgreSQL's own limits (`MIN_TIMESTAMP`, `END_TIMESTAMP` in timestamp.h): 4714-11-24 BC
    /// to the end of 294276 AD. Anything outside is refused here rather than by the server,
    /// and, above all, before `Int64` arithmetic could overflow and trap.
    static let minMicroseconds: Int64 = -211_813_488_000_000_000
    static let endMicroseconds: Int64 = 9_223_371_331_200_000_000

    static let range = "PostgreSQL's timestamptz range (4713 BC to 294276 AD)"

    /// The microseconds for `date`; `distantFuture`/`distantPast` are `infinity`/`-infinity`.
    @inline(__always)
    static func microseconds(_ date: Date) throws(PGEncodingFailure) -> Int64 {
        if date == .distantFuture { return .max }
        if date == .distantPast { return .min }
        let unix = date.timeIntervalSince1970
        let seconds = unix.rounded(.down)
        // Compared as Double first: `Int64(seconds)` itself traps beyond ±9.2e18.
        guard seconds.isFinite,
            seconds >= Double(minMicroseconds / 1_000_000 + postgresEpochUnixSeconds),
            seconds < Double(endMicroseconds / 1_000_000 + postgresEpochUnixSeconds)
        else { throw outOfRange(unix) }
        let fraction = ((unix - seconds) * 1e6).rounded()
        let micros = (Int64(seconds) - postgresEpochUnixSeconds) * 1_000_000 + Int64(fraction)
        guard micros >= minMicroseconds, micros < endMicroseconds else { throw outOfRange(unix) }
        return micros
    }

    static func outOfRange(_ unix: Double) -> PGEncodingFailure {
        PGEncodingFailure("a time \(unix) s from 1970 is outside \(range)")
    }
}

/// Text parameters, sent NUL-terminated as libpq wants.
enum PGText {
    /// Appends `utf8`, refusing a NUL byte: libpq would cut the value there without a word
    /// (and PostgreSQL's `text` cannot hold one), so a value would be stored truncated.
    @inline(__always)
    static func append(_ utf8: some Collection<UInt8>, to buffer: inout [UInt8]) throws(PGEncodingFailure) {
        let start = buffer.count
        buffer.append(contentsOf: utf8)
        if buffer[start...].contains(0) {
            buffer.removeSubrange(start...)
            throw PGEncodingFailure("text contains a NUL byte, which PostgreSQL text cannot hold")
        }
    }
}

extension Int32 {
    /// A length or count as the Int32 that libpq and the binary formats use, or a failure
    /// (a value of 2 GiB or more) instead of the trap of `Int32(_:)`.
    @inline(__always)
    static func length(_ count: Int, of what: String) throws(PGEncodingFailure) -> Int32 {
        guard let value = Int32(exactly: count) else {
            throw PGEncodingFailure("\(what) (\(count)) is over the 2147483647 limit of PostgreSQL's wire format")
        }
        return value
    }
}
