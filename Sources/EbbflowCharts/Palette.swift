// The charts' colours: Okabe–Ito, told apart with every common colour-vision deficiency.

/// One colour as `#RRGGBB`. Why a type and not a string: the value goes into an SVG attribute,
/// and only a validated hex triple can never carry markup or a `style`.
public struct Colour: Sendable, Hashable, CustomStringConvertible {
    /// `#RRGGBB`, upper-case hex digits.
    public let hex: String

    /// A colour from `#RRGGBB` (or `#rrggbb`); nil for anything else.
    public init?(hex: String) {
        let digits = Array(hex.utf8)
        guard digits.count == 7, digits[0] == UInt8(ascii: "#"),
            digits.dropFirst().allSatisfy({
                ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 70) || ($0 >= 97 && $0 <= 102)
            })
        else { return nil }
        self.hex = hex.uppercased()
    }

    /// For the palette's own literals, which are known to be valid.
    init(known hex: String) { self.hex = hex }

    public var description: String { hex }
}

/// The palette every chart of ebbflow uses (the simulator's files and the dashboard alike), so
/// a status has one colour everywhere. Colour is never the only cue: charts also have a legend
/// in stack order, direct labels where they fit, and a data table.
public enum Palette {
    public static let active = Colour(known: "#0072B2")
    public static let reactivated = Colour(known: "#009E73")
    public static let engaged = Colour(known: "#E69F00")
    public static let inactive = Colour(known: "#CC79A7")
    /// Contacts moved to the alternative (ads) channel.
    public static let ads = Colour(known: "#56B4E9")
    /// Contacts who left email: a neutral grey, so they recede.
    public static let suppressed = Colour(known: "#8C8C8C")
    /// The band that groups the series past the chart's limit.
    public static let other = Colour(known: "#B8B8B8")
    /// Text, axes and markers.
    public static let ink = Colour(known: "#333333")
    /// Gridlines.
    public static let grid = Colour(known: "#DDDDDD")

    /// Series that are not statuses take these in turn (black is left out: it hides the grid).
    public static let rotation: [Colour] = [
        "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
    ]
    .map(Colour.init(known:))

    /// The colour of a campaign status (`active`, `reactivated`, `engaged`, `inactive`, `ads`,
    /// `suppressed`); nil for any other name.
    public static func status(_ name: String) -> Colour? {
        switch name {
        case "active": active
        case "reactivated": reactivated
        case "engaged": engaged
        case "inactive": inactive
        case "ads": ads
        case "suppressed": suppressed
        default: nil
        }
    }

    /// The `index`th colour of the rotation (any index, negative ones included: it wraps).
    public static func colour(at index: Int) -> Colour {
        let count = rotation.count
        return rotation[((index % count) + count) % count]
    }
}
