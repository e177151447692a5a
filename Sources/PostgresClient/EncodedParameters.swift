// Lays out a statement's parameters in the four parallel C arrays that libpq's exec calls take.
import CLibPQ

/// All parameter bytes in one buffer, plus types, lengths and formats: one allocation per
/// array instead of one per value, because this runs for every statement.
struct EncodedParameters {
    private var storage: [UInt8] = []
    private var offsets: [Int] = []
    private var types: [Oid] = []
    private var lengths: [Int32] = []
    private var formats: [Int32] = []

    /// PostgreSQL's limit on a statement's parameters (the protocol counts them in 16 bits).
    static let maxParameters = 65_535

    /// Throws `PGError` of kind `.encoding` naming the parameter (`$3`) and its type, never its
    /// value (it may be a secret), when one cannot be bound: the caller's statement fails
    /// with a clear error instead of the process trapping.
    init(_ bindings: PGBindings) throws(PGError) {
        let count = bindings.count
        guard count <= Self.maxParameters else {
            throw PGError(.encoding, "a statement takes at most \(Self.maxParameters) parameters, not \(count)")
        }
        offsets.reserveCapacity(count)
        types.reserveCapacity(count)
        lengths.reserveCapacity(count)
        formats.reserveCapacity(count)
        storage.reserveCapacity(count * 8 + 1)
        for (index, binding) in bindings.enumerated() {
            guard let binding else {
                offsets.append(-1)
                types.append(0)
                lengths.append(0)
                formats.append(0)
                continue
            }
            let start = storage.count
            let length: Int32
            do throws(PGEncodingFailure) {
                try binding.encode(into: &storage)
                length = try .length(storage.count - start, of: "the value's length")
            } catch {
                throw PGError(
                    .encoding,
                    "parameter $\(index + 1) (\(PGTypeOID.name(of: binding.pgType))) cannot be bound: \(error.reason)")
            }
            if binding.pgFormat == .text { storage.append(0) } // libpq reads text values up to NUL
            offsets.append(start)
            types.append(binding.pgType)
            lengths.append(length)
            formats.append(binding.pgFormat.rawValue)
        }
        storage.append(0) // never empty, so the base address is never nil
    }

    mutating func withPointers<R>(
        _ body: (
            UnsafePointer<Oid>?, UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?, UnsafePointer<Int32>?
        ) throws -> R
    ) rethrows -> R {
        try storage.withUnsafeBytes { raw in
            let base = raw.baseAddress!.assumingMemoryBound(to: CChar.self)
            let values: [UnsafePointer<CChar>?] = offsets.map { $0 < 0 ? nil : base + $0 }
            return try values.withUnsafeBufferPointer { valuePointers in
                try types.withUnsafeBufferPointer { typePointers in
                    try lengths.withUnsafeBufferPointer { lengthPointers in
                        try formats.withUnsafeBufferPointer { formatPointers in
                            try body(
                                typePointers.baseAddress, valuePointers.baseAddress, lengthPointers.baseAddress,
                                formatPointers.baseAddress)
                        }
                    }
                }
            }
        }
    }
}
