// A Swift `Duration` as fractional seconds, for rates and human-readable timings.

extension Duration {
    /// Whole and fractional seconds (attoseconds folded in): what rates divide by.
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
