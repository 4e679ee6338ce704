import PlazaCore
import PlazaVector

/// Parquet files in Hive-style directories (`por_anio/anio=2024/agencia=Agua/data_0.parquet`)
/// as one table: the files' columns, then one column per `key=value` directory level, constant
/// within a file. A predicate on a partition column skips whole files without opening their pages.
package final class HivePartitionedSource: ScanSource, @unchecked Sendable {
    // @unchecked: immutable after init; the wrapped source is itself safe to share.
    /// The files' columns followed by the partition columns.
    package let schema: Schema
    private let files: ParquetScanSource
    /// Per file: the value of each partition column.
    private let values: [[Value]]
    private var fileColumnCount: Int { files.schema.count }

    /// Reads the partition keys from the files' paths; every file must have the same keys in the
    /// same order. A column holding only whole numbers is BIGINT, only `yyyy-mm-dd` dates DATE,
    /// else VARCHAR; `__HIVE_DEFAULT_PARTITION__` is NULL (as COPY … PARTITION_BY, DuckDB and Hive write it).
    /// - Throws: `ParquetError` naming a file whose directories do not match the first file's,
    ///   or a partition key that is also a column of the files.
    package init(_ files: ParquetScanSource) throws(ParquetError) {
        self.files = files
        let parsed = files.files.map { Self.partitions(of: $0.path) }
        let keys = parsed.first?.map(\.key) ?? []
        for (file, pairs) in zip(files.files, parsed) where pairs.map(\.key) != keys {
            throw ParquetError(
                .invalidArgument,
                "the file's partition directories (\(pairs.map(\.key).joined(separator: "/"))) differ from the first file's (\(keys.joined(separator: "/")))",
                path: file.path)
        }
        var fields = files.schema.fields
        var columns: [[Value]] = Array(repeating: [], count: parsed.count)
        for (position, key) in keys.enumerated() {
            if files.schema.index(of: key) != nil {
                throw ParquetError(
                    .invalidArgument, "the partition key \(key) is also a column of the files",
                    path: files.files[0].path, column: key)
            }
            let texts = parsed.map { $0[position].value }
            let type = Self.type(of: texts)
            fields.append(Field(name: key, type: type))
            for (file, text) in texts.enumerated() { columns[file].append(Self.value(text, as: type)) }
        }
        schema = Schema(fields)
        values = columns
    }

    /// The `key=value` directories of a path, outermost first, values percent-decoded.
    package static func partitions(of path: String) -> [(key: String, value: String?)] {
        path.split(separator: "/").dropLast().compactMap { component -> (key: String, value: String?)? in
            guard let equals = component.firstIndex(of: "="), equals != component.startIndex else { return nil }
            let key = String(component[..<equals])
            let raw = String(component[component.index(after: equals)...])
            let value: String? = raw == "__HIVE_DEFAULT_PARTITION__" ? nil : Self.percentDecoded(raw)
            return (key, value)
        }
    }

    /// `a%2Fb` as `a/b`; a `%` not followed by two hex digits stays as written.
    static func percentDecoded(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        var index = 0
        func hex(_ byte: UInt8) -> UInt8? {
            switch byte {
            case 48...57: return byte - 48
            case 65...70: return byte - 55
            case 97...102: return byte - 87
            default: return nil
            }
        }
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count, let high = hex(bytes[index + 1]),
                let low = hex(bytes[index + 2])
            {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func type(of texts: [String?]) -> DataType {
        let present = texts.compactMap { $0 }
        if !present.isEmpty && present.allSatisfy({ Int64($0) != nil }) { return .bigint }
        if !present.isEmpty && present.allSatisfy({ Self.date($0) != nil }) { return .date }
        return .varchar
    }

    /// The day number of a `yyyy-mm-dd` text, or nil.
    private static func date(_ text: String) -> Int32? {
        var utf8 = Array(text.utf8)
        return utf8.withUnsafeMutableBufferPointer { TextValueParser.isoDate(UnsafeBufferPointer($0), exact: true) }
    }

    private static func value(_ text: String?, as type: DataType) -> Value {
        guard let text else { return .null }
        switch type {
        case .bigint: return .bigint(Int64(text)!)
        case .date: return .date(Self.date(text)!)
        default: return .varchar(text)
        }
    }

    /// The files' row groups.
    package var rowGroupCount: Int { files.rowGroupCount }

    /// Rows in the row group.
    package func rowCount(rowGroup: Int) -> Int { files.rowCount(rowGroup: rowGroup) }

    /// False when a predicate on a partition column fails for the row group's file, or the file's
    /// statistics rule out a predicate on its own columns.
    package func mightMatch(rowGroup: Int, columns: [Int], predicates: [ScanPredicate]) -> Bool {
        let file = files.fileIndex(ofRowGroup: rowGroup)
        let rows = files.rowCount(rowGroup: rowGroup)
        for predicate in predicates where columns[predicate.column] >= fileColumnCount {
            let value = values[file][columns[predicate.column] - fileColumnCount]
            let bound: Value? = value.isNull ? nil : value
            let nulls = value.isNull ? rows : 0
            if !ParquetScanSource.mightMatch(predicate, low: bound, high: bound, nulls: nulls, rows: rows) {
                return false
            }
        }
        let (inner, innerPredicates) = split(columns, predicates)
        return files.mightMatch(rowGroup: rowGroup, columns: inner, predicates: innerPredicates)
    }

    /// The file's columns among `columns`, and the predicates on them renumbered to that list.
    private func split(_ columns: [Int], _ predicates: [ScanPredicate]) -> ([Int], [ScanPredicate]) {
        var inner: [Int] = []
        var positions: [Int: Int] = [:]
        for (position, column) in columns.enumerated() where column < fileColumnCount {
            positions[position] = inner.count
            inner.append(column)
        }
        let renumbered = predicates.compactMap { predicate -> ScanPredicate? in
            guard let position = positions[predicate.column] else { return nil }
            var copy = predicate
            copy.column = position
            return copy
        }
        return (inner, renumbered)
    }

    /// A cursor over the file's row group that adds the partition columns as constants.
    package func openRowGroup(_ rowGroup: Int, columns: [Int], predicates: [ScanPredicate]) throws -> any RowGroupCursor
    {
        let (inner, innerPredicates) = split(columns, predicates)
        let file = files.fileIndex(ofRowGroup: rowGroup)
        let cursor = try files.openRowGroup(rowGroup, columns: inner, predicates: innerPredicates)
        let sources: [PartitionCursor.Source] = columns.map { column in
            column < fileColumnCount
                ? .file(inner.firstIndex(of: column)!)
                : .constant(values[file][column - fileColumnCount], schema.fields[column].type)
        }
        return PartitionCursor(inner: cursor, innerTypes: inner.map { schema.fields[$0].type }, sources: sources)
    }
}

/// Reads a file's columns and fills each partition column with its file's value.
final class PartitionCursor: RowGroupCursor {
    enum Source {
        case file(Int)
        case constant(Value, DataType)
    }

    let inner: any RowGroupCursor
    let innerTypes: [DataType]
    let sources: [Source]

    init(inner: any RowGroupCursor, innerTypes: [DataType], sources: [Source]) {
        self.inner = inner
        self.innerTypes = innerTypes
        self.sources = sources
    }

    var statistics: ScanStatistics { inner.statistics }

    func next(into batch: Batch) throws -> Bool {
        let fileBatch = Batch(types: innerTypes)
        guard try inner.next(into: fileBatch) else {
            batch.count = 0
            return false
        }
        let count = fileBatch.count
        batch.columns = sources.map { source in
            switch source {
            case .file(let position): return fileBatch.columns[position]
            case .constant(let value, let type):
                let vector = ColumnVector(type: type, capacity: Swift.max(count, 1))
                for _ in 0..<count { vector.append(value: value) }
                return vector
            }
        }
        batch.count = count
        batch.selection = fileBatch.selection
        return true
    }
}
