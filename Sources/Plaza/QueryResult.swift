public import PlazaCore
internal import PlazaVector

/// The rows of a finished query, held in memory column by column.
///
/// ```swift
/// let result = try db.query("SELECT colonia, count(*) AS n FROM reportes GROUP BY 1")
/// for row in result.rows { let colonia: String = try row["colonia"] }
/// let counts = try result.column("n", as: Int64.self)
/// ```
/// A result is immutable and `Sendable`; reading it never touches the database again.
public struct QueryResult: Sendable {
    let storage: ResultStorage
    /// For a statement that writes rows (INSERT, CREATE TABLE … AS): how many; nil for the rest.
    public internal(set) var changedRowCount: Int?

    init(storage: ResultStorage) { self.storage = storage }

    /// An empty result with the given columns (statements that return no rows).
    init(emptyWith fields: [Field]) {
        self.init(storage: ResultBuilder(fields: fields).finish().storage)
    }

    /// The result's columns: names as the query spelled them, and types.
    public var fields: [Field] { storage.fields }

    /// The column names, in order.
    public var columnNames: [String] { storage.fields.map(\.name) }

    /// The number of rows.
    public var count: Int { storage.rowCount }

    /// The rows, in order; each row reads its values with a typed subscript.
    public var rows: Rows { Rows(storage: storage) }

    /// The value at a row and column position, NULL as `Value.null`.
    ///
    /// - Precondition: `row < count` and `column < fields.count`.
    public func value(row: Int, column: Int) -> Value {
        precondition(row >= 0 && row < storage.rowCount, "row \(row) out of range 0..<\(storage.rowCount)")
        precondition(column >= 0 && column < storage.fields.count, "column \(column) out of range")
        return storage.value(row: row, column: column)
    }

    /// The position of the column called `name` (exact spelling first, then ignoring case).
    public func columnIndex(named name: String) -> Int? { storage.columnIndex(name) }

    /// A whole column as an array, read straight from the column buffer for the common types.
    ///
    /// ```swift
    /// let counts = try result.column("n", as: Int64.self)     // [Int64]
    /// let names = try result.column("colonia", as: String?.self)
    /// ```
    /// - Throws: `PlazaError` (`.usage`) when there is no such column, when its type cannot be read
    ///   as `T`, or when it holds a NULL and `T` is not optional. O(rows).
    public func column<T: ResultValueConvertible>(_ name: String, as type: T.Type = T.self) throws(PlazaError) -> [T] {
        guard let index = storage.columnIndex(name) else { throw unknownColumn(name) }
        return try column(at: index, as: type)
    }

    /// A whole column, by position; see `column(_:as:)`.
    public func column<T: ResultValueConvertible>(at index: Int, as type: T.Type = T.self) throws(PlazaError) -> [T] {
        guard index >= 0 && index < storage.fields.count else {
            throw PlazaError(
                kind: .usage,
                message: "column position \(index) is out of range (the result has \(storage.fields.count) columns)")
        }
        let field = storage.fields[index]
        if !storage.chunks.contains(where: { $0[index].hasNulls }) {
            // Fast paths: copy the buffers as they are when the Swift type is the stored type.
            if T.self == Int64.self, field.type == .bigint { return storage.fixedValues(index, as: Int64.self) as! [T] }
            if T.self == Double.self, field.type == .double {
                return storage.fixedValues(index, as: Double.self) as! [T]
            }
            if T.self == String.self, field.type == .varchar {
                var strings: [String] = []
                strings.reserveCapacity(storage.rowCount)
                storage.forEachRow(index) { vector, at, _ in
                    strings.append(String(decoding: vector.bytes(at: at), as: UTF8.self))
                }
                return strings as! [T]
            }
        }
        var values: [T] = []
        values.reserveCapacity(storage.rowCount)
        // Chunk by chunk: no search for each row's chunk.
        try storage.forEachRow(index) { (vector, at, row) throws(PlazaError) in
            let value = field.type == .null ? Value.null : vector.value(at: at)
            values.append(try convert(value, as: type, column: field.name, type: field.type, row: row))
        }
        return values
    }

    func unknownColumn(_ name: String) -> PlazaError {
        let names = storage.fields.map { "\"\($0.name)\"" }.joined(separator: ", ")
        return PlazaError(kind: .usage, message: "the result has no column \"\(name)\" (its columns: \(names))")
    }
}

/// The rows of a `QueryResult`, as a random-access collection.
public struct Rows: RandomAccessCollection, Sendable {
    let storage: ResultStorage

    /// The first row's index, 0.
    public var startIndex: Int { 0 }
    /// One past the last row's index.
    public var endIndex: Int { storage.rowCount }

    /// The row at `position`.
    public subscript(position: Int) -> Row {
        precondition(position >= 0 && position < storage.rowCount, "row \(position) out of range")
        return Row(storage: storage, index: position)
    }
}

/// One row of a result; read its values by column name or position.
///
/// ```swift
/// let colonia: String = try row["colonia"]
/// let n: Int64 = try row["n"]
/// let note: String? = try row[2]
/// ```
public struct Row: Sendable, CustomStringConvertible {
    let storage: ResultStorage
    /// The row's position in its result.
    public let index: Int

    /// The number of columns.
    public var count: Int { storage.fields.count }

    /// The value of the column called `name`, read as `T`.
    ///
    /// - Throws: `PlazaError` when there is no such column, its type cannot be read as `T`,
    ///   or it is NULL and `T` is not optional.
    public subscript<T: ResultValueConvertible>(_ name: String) -> T {
        get throws(PlazaError) {
            guard let column = storage.columnIndex(name) else {
                throw QueryResult(storage: storage).unknownColumn(name)
            }
            return try self[column]
        }
    }

    /// The value at column position `column`, read as `T`.
    public subscript<T: ResultValueConvertible>(_ column: Int) -> T {
        get throws(PlazaError) {
            guard column >= 0 && column < storage.fields.count else {
                throw PlazaError(
                    kind: .usage,
                    message: "column position \(column) is out of range (the row has \(storage.fields.count) columns)")
            }
            let field = storage.fields[column]
            return try convert(
                storage.value(row: index, column: column), as: T.self, column: field.name, type: field.type, row: index)
        }
    }

    /// The row's values in column order, NULL as `Value.null`.
    public var values: [Value] { (0..<storage.fields.count).map { storage.value(row: index, column: $0) } }

    /// The values separated by tabs, NULL as `NULL`.
    public var description: String { values.map(\.description).joined(separator: "\t") }
}
