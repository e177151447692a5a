// The chart kinds ebbflow draws, as SVG made by hand: the simulator's files and the dashboard's pages.

/// Each function draws one kind of chart and returns its inline SVG with the table of the
/// same numbers. Every chart has an accessible name (`<title>`) and description (`<desc>`,
/// with the range and latest values), both axes named, a legend in stack order, and an empty
/// form ("No data yet") that is still a valid chart with its title. Pure and deterministic:
/// the same input gives the same bytes, so files can be compared and pages cached. Any input
/// is drawable: missing, non-finite and out-of-range values, hostile text and absurd sizes
/// are bounded, never a trap.
public enum Chart {}
