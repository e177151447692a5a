// Stored JSON (job args, attributes, stream decisions' candidates) read into a JSONDocument as the CLI read it.
import Foundation

extension JSONDocument {
    /// Parses stored JSON text the way the commands did (`JSONSerialization`, fragments allowed),
    /// so a value prints back as before; nil when the text does not parse (the commands printed
    /// null or `{}` then, and each caller says which).
    public init?(parsing data: Data) {
        guard let value = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
            return nil
        }
        self.init(foundation: value)
    }

    /// A value `JSONSerialization` produced. Its numbers are NSNumbers whose `objCType` says
    /// what they were written as: a boolean (`c`/`B`), a fraction or exponent (`d`/`f`), or a
    /// whole number; one it read as an NSDecimalNumber (past Int64) stays a decimal.
    init(foundation value: Any) {
        switch value {
        case is NSNull: self = .null
        case let text as String: self = .string(text)
        case let number as NSDecimalNumber: self = .decimal(number.decimalValue)
        case let number as NSNumber:
            switch String(cString: number.objCType) {
            case "c", "B": self = .bool(number.boolValue)
            case "d", "f": self = .number(number.doubleValue)
            case "Q":
                let whole = number.uint64Value
                self = whole <= UInt64(Int64.max) ? .integer(Int64(whole)) : .decimal(Decimal(whole))
            default: self = .integer(number.int64Value)
            }
        case let values as [Any]: self = .array(values.map(JSONDocument.init(foundation:)))
        case let members as [String: Any]: self = .object(members.mapValues(JSONDocument.init(foundation:)))
        default: self = .null
        }
    }
}
