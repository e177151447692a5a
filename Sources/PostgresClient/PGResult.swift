// A query's result: owns libpq's PGresult (freed in deinit) and gives rows decoded by column name.
import CLibPQ

/// The rows a statement returned, in binary format.
///
/// A `PGresult` is an immutable block of memory detached from its connection once libpq has
/// built it; reading it from any thread is safe, hence `@unchecked Sendable`. This class is its
/// only owner and frees it exactly once, in `deinit`.
public final class PGResult: @unchecked Sendable {
    private let pointer: OpaquePointer
    /// Rows in the result (0 for commands).
    public let count: Int
    /// Column names in order.
    public let columns: [String]
    private let columnIndex: [String: Int32]
    /// The number after the command tag: rows inserted, updated, deleted, copied.
    public let affectedRows: Int

    init(taking pointer: OpaquePointer) {
        self.pointer = pointer
        count = Int(PQntuples(pointer))
        let fieldCount = PQnfields(pointer)
        var names: [String] = []
        var index: [String: Int32] = [:]
        names.reserveCapacity(Int(fieldCount))
        for field in 0..<fieldCount {
            let name = PQfname(pointer, field).map { String(cString: $0) } ?? "column\(field + 1)"
            names.append(name)
            if index[name] == nil { index[name] = field }
        }
        columns = names
        columnIndex = index
        affectedRows = PQcmdTuples(pointer).flatMap { Int(String(cString: $0)) } ?? 0
    }

    deinit { PQclear(pointer) }

    public subscript(row: Int) -> PGRow {
        precondition(row >= 0 && row < count, "row \(row) out of range 0..<\(count)")
        return PGRow(result: self, row: Int32(row))
    }

    public var rows: [PGRow] { (0..<count).map { self[$0] } }
    public var first: PGRow? { count > 0 ? self[0] : nil }

    func fieldNumber(_ column: String) throws -> Int32 {
        guard let field = columnIndex[column] else {
            throw PGError(
                .decoding, "no column \"\(column)\" in the result (columns: \(columns.joined(separator: ", ")))")
        }
        return field
    }

    func value<T: PGDecodable>(row: Int32, field: Int32, as type: T.Type) throws -> T {
        let column = columns[Int(field)]
        if PQgetisnull(pointer, row, field) != 0 {
            do { return try T.decodeNull() } catch {
                throw PGError(
                    .decoding, "column \"\(column)\" is NULL; decode it as \(T.self)? to accept NULL", column: column)
            }
        }
        let oid = PQftype(pointer, field)
        let length = Int(PQgetlength(pointer, row, field))
        let bytes = UnsafeRawBufferPointer(start: PQgetvalue(pointer, row, field), count: length)
        do {
            return try T.decode(from: bytes, type: oid)
        } catch let failure {
            throw PGError(
                .decoding,
                "column \"\(column)\" of type \(PGTypeOID.name(of: oid)) cannot be decoded as \(T.self): \(failure.reason)",
                column: column)
        }
    }
}

/// One row of a `PGResult`; keeps the result alive.
public struct PGRow: Sendable {
    let result: PGResult
    let row: Int32

    /// The value of `column` as `T`. A missing column, a NULL in a non-optional, or a column
    /// type that `T` cannot represent each throw a `PGError` naming the column.
    public func decode<T: PGDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        try result.value(row: row, field: result.fieldNumber(column), as: type)
    }

    /// The value at a 0-based column position.
    public func decode<T: PGDecodable>(at index: Int, as type: T.Type = T.self) throws -> T {
        precondition(index >= 0 && index < result.columns.count, "column index \(index) out of range")
        return try result.value(row: row, field: Int32(index), as: type)
    }

    /// A `json`/`jsonb` column decoded into a `Decodable`.
    public func decodeJSON<T: Decodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        let json = try decode(column, as: PGJSON.self)
        do {
            return try json.decode(type)
        } catch {
            throw PGError(
                .decoding, "column \"\(column)\" holds JSON that does not decode as \(T.self): \(error)", column: column
            )
        }
    }
}
