// Reads PostgreSQL's binary `numeric` (base-10000 digits), because sum() and avg() return it.

/// A decoded `numeric`: enough to give an exact integer or a Double, not arbitrary precision.
struct PGNumeric {
    var digits: [Int16]
    var weight: Int16
    var negative: Bool
    var isNaN: Bool

    static func decode(_ bytes: UnsafeRawBufferPointer) throws(PGDecodingFailure) -> PGNumeric {
        var reader = BinaryReader(bytes)
        let count = try reader.read(Int16.self)
        let weight = try reader.read(Int16.self)
        let sign = try reader.read(UInt16.self)
        _ = try reader.read(Int16.self) // display scale
        guard count >= 0 else { throw PGDecodingFailure("malformed numeric") }
        var digits: [Int16] = []
        digits.reserveCapacity(Int(count))
        for _ in 0..<count { digits.append(try reader.read(Int16.self)) }
        return PGNumeric(digits: digits, weight: weight, negative: sign == 0x4000, isNaN: sign == 0xC000)
    }

    var doubleValue: Double {
        if isNaN { return .nan }
        var value = 0.0
        for (index, digit) in digits.enumerated() {
            value += Double(digit) * pow10000(Int(weight) - index)
        }
        return negative ? -value : value
    }

    /// The exact value when it is an integer that fits in Int64.
    var integerValue: Int64? {
        if isNaN { return nil }
        var value: Int64 = 0
        for (index, digit) in digits.enumerated() {
            let exponent = Int(weight) - index
            if exponent < 0 { if digit != 0 { return nil } else { continue } }
            var term = Int64(digit)
            for _ in 0..<exponent {
                let (product, overflow) = term.multipliedReportingOverflow(by: 10_000)
                if overflow { return nil }
                term = product
            }
            let (sum, overflow) = value.addingReportingOverflow(term)
            if overflow { return nil }
            value = sum
        }
        return negative ? -value : value
    }

    private func pow10000(_ exponent: Int) -> Double {
        var result = 1.0
        if exponent >= 0 {
            for _ in 0..<exponent { result *= 10_000 }
        } else {
            for _ in 0..<(-exponent) { result /= 10_000 }
        }
        return result
    }
}
