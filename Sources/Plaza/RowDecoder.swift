internal import PlazaCore

extension QueryResult {
    /// The rows decoded into `Decodable` values, matching coding keys to column names.
    ///
    /// ```swift
    /// struct ColoniaCount: Decodable { var colonia: String; var n: Int64 }
    /// let top = try result.decode([ColoniaCount].self)
    /// ```
    /// Optional properties accept NULL and missing columns; nested containers are not supported.
    /// - Throws: `PlazaError` (`.usage`) naming the row and column that does not fit.
    public func decode<T: Decodable>(_ type: [T].Type) throws(PlazaError) -> [T] {
        var decoded: [T] = []
        decoded.reserveCapacity(count)
        for row in rows { decoded.append(try row.decode(T.self)) }
        return decoded
    }
}

extension Row {
    /// The row decoded into a `Decodable` value, matching coding keys to column names.
    public func decode<T: Decodable>(_ type: T.Type) throws(PlazaError) -> T {
        do {
            return try T(from: RowDecoder(row: self))
        } catch let error as PlazaError {
            throw error
        } catch {
            throw PlazaError(
                kind: .usage, message: "cannot decode row \(index + 1) as \(T.self): \(error)", underlying: error)
        }
    }
}

/// A `Decoder` over one row: a keyed container whose keys are column names.
struct RowDecoder: Decoder {
    let row: Row
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(RowKeyedContainer<Key>(row: row))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw PlazaError(
            kind: .usage, message: "a row decodes into a struct with one property per column, not an array")
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        guard row.count == 1 else {
            throw PlazaError(kind: .usage, message: "a row of \(row.count) columns cannot decode into a single value")
        }
        return CellDecoder(row: row, column: 0, codingPath: codingPath)
    }
}

/// The keyed container of `RowDecoder`.
struct RowKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let row: Row
    var codingPath: [any CodingKey] { [] }
    var allKeys: [Key] { row.storage.fields.compactMap { Key(stringValue: $0.name) } }

    func contains(_ key: Key) -> Bool { row.storage.columnIndex(key.stringValue) != nil }

    private func column(_ key: Key) throws -> Int {
        guard let index = row.storage.columnIndex(key.stringValue) else {
            throw QueryResult(storage: row.storage).unknownColumn(key.stringValue)
        }
        return index
    }

    private func read<T: ResultValueConvertible>(_ key: Key, as type: T.Type = T.self) throws -> T {
        try row[column(key)] as T
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        guard let index = row.storage.columnIndex(key.stringValue) else { return true }
        return row.storage.value(row: row.index, column: index).isNull
    }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try read(key) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try read(key) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try read(key) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { Float(try read(key, as: Double.self)) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try read(key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try read(key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try read(key) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try T(from: CellDecoder(row: row, column: try column(key), codingPath: [key]))
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        throw PlazaError(kind: .usage, message: "column \"\(key.stringValue)\" is a single value, not a nested object")
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        throw PlazaError(kind: .usage, message: "column \"\(key.stringValue)\" is a single value, not an array")
    }
    func superDecoder() throws -> any Decoder { RowDecoder(row: row) }
    func superDecoder(forKey key: Key) throws -> any Decoder { RowDecoder(row: row) }
}

/// Decodes one cell: types such as `Value`, enums with raw values, or property wrappers.
struct CellDecoder: Decoder, SingleValueDecodingContainer {
    let row: Row
    let column: Int
    var codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        throw PlazaError(
            kind: .usage,
            message: "column \"\(row.storage.fields[column].name)\" is a single value, not a nested object")
    }
    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw PlazaError(
            kind: .usage, message: "column \"\(row.storage.fields[column].name)\" is a single value, not an array")
    }
    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func decodeNil() -> Bool { row.storage.value(row: row.index, column: column).isNull }
    func decode(_ type: Bool.Type) throws -> Bool { try row[column] }
    func decode(_ type: String.Type) throws -> String { try row[column] }
    func decode(_ type: Double.Type) throws -> Double { try row[column] }
    func decode(_ type: Float.Type) throws -> Float { Float(try row[column] as Double) }
    func decode(_ type: Int.Type) throws -> Int { try row[column] }
    func decode(_ type: Int64.Type) throws -> Int64 { try row[column] }
    func decode(_ type: Int32.Type) throws -> Int32 { try row[column] }
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if T.self == Value.self { return row.storage.value(row: row.index, column: column) as! T }
        return try T(from: self)
    }
}
