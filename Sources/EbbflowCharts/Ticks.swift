// Round value-axis ticks: 0–5 at least, 4 or 5 intervals of 1, 1.5, 2, 2.5, 3, 4, 5 or 6 times a power of ten.

enum Ticks {
    /// Round ticks from 0 up to at least `maximum` (and 5): 5 or 6 of them, whole numbers,
    /// steps of 1, 1.5, 2, 2.5, 3, 4, 5 or 6 times a power of ten (that set always gives 4–5
    /// intervals). Counts of contacts are whole, so the axis never shows "0.5 contacts".
    static func nice(maximum: Double) -> [Double] {
        let maximum = maximum.isFinite ? min(max(maximum, 5), 1e15) : 5
        let step = self.step(for: maximum, whole: true)
        let intervals = max(1, Int((maximum / step).rounded(.up)))
        return (0...min(intervals, 10)).map { Double($0) * step }
    }

    /// Round ticks covering `minimum`…`maximum` (which may be negative or fractional, as a
    /// score is): 0 is always a tick, the span never empty.
    static func nice(minimum: Double, maximum: Double) -> [Double] {
        let low = minimum.isFinite ? min(max(minimum, -1e15), 0) : 0
        let high = maximum.isFinite ? min(max(maximum, 0), 1e15) : 0
        guard low < 0 || high > 0 else { return nice(maximum: 5) }
        if low == 0 && high >= 5 { return nice(maximum: high) }
        let step = self.step(for: high - low, whole: false)
        let first = (low / step).rounded(.down), last = (high / step).rounded(.up)
        guard last - first <= 12 else { return [low, high] }
        return stride(from: first, through: last, by: 1).map { $0 * step }
    }

    /// The smallest round step that covers `span` in at most 5 intervals.
    static func step(for span: Double, whole: Bool) -> Double {
        for power in -6...30 {
            var base = 1.0
            if power >= 0 { for _ in 0..<power { base *= 10 } } else { for _ in 0..<(-power) { base /= 10 } }
            for factor in [1.0, 1.5, 2, 2.5, 3, 4, 5, 6] {
                let candidate = factor * base
                if whole && candidate.rounded() != candidate { continue }
                if (span / candidate).rounded(.up) <= 5 { return candidate }
            }
        }
        return max(span, 1)
    }
}
