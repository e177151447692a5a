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

    init(_ bindings: PGBindings) {
        let count = bindings.count
        offsets.reserveCapacity(count)
        types.reserveCapacity(count)
        lengths.reserveCapacity(count)
        formats.reserveCapacity(count)
        storage.reserveCapacity(count * 8 + 1)
        for binding in bindings {
            guard let binding else {
                offsets.append(-1)
                types.append(0)
                lengths.append(0)
                formats.append(0)
                continue
            }
            let start = storage.count
            binding.encode(into: &storage)
            let length = storage.count - start
            if binding.pgFormat == .text { storage.append(0) }  // libpq reads text values up to NUL
            offsets.append(start)
            types.append(binding.pgType)
            lengths.append(Int32(length))
            formats.append(binding.pgFormat.rawValue)
        }
        storage.append(0)  // never empty, so the base address is never nil
    }

    mutating func withPointers<R>(
        _ body: (UnsafePointer<Oid>?, UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?, UnsafePointer<Int32>?) throws -> R
    ) rethrows -> R {
        try storage.withUnsafeBytes { raw in
            let base = raw.baseAddress!.assumingMemoryBound(to: CChar.self)
            let values: [UnsafePointer<CChar>?] = offsets.map { $0 < 0 ? nil : base + $0 }
            return try values.withUnsafeBufferPointer { valuePointers in
                try types.withUnsafeBufferPointer { typePointers in
                    try lengths.withUnsafeBufferPointer { lengthPointers in
                        try formats.withUnsafeBufferPointer { formatPointers in
                            try body(typePointers.baseAddress, valuePointers.baseAddress, lengthPointers.baseAddress, formatPointers.baseAddress)
                        }
                    }
                }
            }
        }
    }
}
