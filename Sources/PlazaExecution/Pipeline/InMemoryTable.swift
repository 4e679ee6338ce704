import PlazaCore
import PlazaVector

/// A table held in memory, split into row groups of batches: the executor's test double for
/// storage, and a way to query rows built in code.
///
/// Row group statistics (min/max/null count per column) are computed at construction, so
/// `mightMatch` prunes like storage does. Immutable after `init`, hence safe to share between threads.
package final class InMemoryTable: ScanSource, @unchecked Sendable {
    /// The table's columns.
    package let schema: Schema
    /// Each row group's batches (flat or dictionary columns, no selection).
    let rowGroups: [[Batch]]
    /// Per row group and column: min, max (nil when all NULL) and whether any value is NULL.
    let statistics: [[(min: Value?, max: Value?, hasNull: Bool, allNull: Bool)]]

    /// Creates a table from row groups of batches, used as given (dictionary vectors included).
    ///
    /// - Precondition: every batch has one column per field, of the field's type, and no selection.
    package init(schema: Schema, rowGroups: [[Batch]]) {
        for group in rowGroups {
            for batch in group {
                precondition(
                    batch.columns.count == schema.count && batch.selection == nil, "batch does not fit the schema")
                for (column, field) in zip(batch.columns, schema.fields) {
                    precondition(
                        column.type == field.type && column.count == batch.count, "column \(field.name) does not fit")
                }
            }
        }
        self.schema = schema
        self.rowGroups = rowGroups
        self.statistics = rowGroups.map { group in
            (0..<schema.count).map { column in
                var minimum: Value?, maximum: Value?
                var hasNull = false, allNull = true
                for batch in group {
                    let vector = batch.columns[column]
                    for row in 0..<batch.count {
                        let value = vector.value(at: row)
                        if value.isNull {
                            hasNull = true
                            continue
                        }
                        allNull = false
                        if minimum == nil || ValueOrder.compare(value, minimum!) < 0 { minimum = value }
                        if maximum == nil || ValueOrder.compare(value, maximum!) > 0 { maximum = value }
                    }
                }
                return (minimum, maximum, hasNull, allNull)
            }
        }
    }

    /// Creates a table from rows of values, `rowGroupSize` rows per row group (batches of at most 2,048).
    ///
    /// - Precondition: each row has one value per field, of the field's type (or NULL).
    package convenience init(schema: Schema, rows: [[Value]], rowGroupSize: Int = 8192) {
        precondition(rowGroupSize > 0, "row groups need rows")
        var groups: [[Batch]] = []
        var start = 0
        while start < rows.count {
            let end = Swift.min(start + rowGroupSize, rows.count)
            var batches: [Batch] = []
            var batchStart = start
            while batchStart < end {
                let batchEnd = Swift.min(batchStart + ColumnVector.batchCapacity, end)
                let batch = Batch(types: schema.fields.map(\.type))
                for row in rows[batchStart..<batchEnd] {
                    precondition(row.count == schema.count, "row has \(row.count) values for \(schema.count) columns")
                    for (column, value) in zip(batch.columns, row) { column.append(value: value) }
                }
                batch.count = batchEnd - batchStart
                batches.append(batch)
                batchStart = batchEnd
            }
            groups.append(batches)
            start = end
        }
        self.init(schema: schema, rowGroups: groups)
    }

    /// The number of row groups.
    package var rowGroupCount: Int { rowGroups.count }

    /// The number of rows in a row group.
    package func rowCount(rowGroup: Int) -> Int { rowGroups[rowGroup].reduce(0) { $0 + $1.count } }

    /// The total number of rows.
    package var rowCount: Int { (0..<rowGroupCount).reduce(0) { $0 + rowCount(rowGroup: $1) } }

    /// Whether the row group's min/max and NULL statistics allow a row matching every predicate.
    package func mightMatch(rowGroup: Int, columns: [Int], predicates: [ScanPredicate]) -> Bool {
        for predicate in predicates {
            let stats = statistics[rowGroup][columns[predicate.column]]
            switch predicate.comparison {
            case .isNull: if !stats.hasNull { return false }
            case .isNotNull: if stats.allNull { return false }
            default:
                guard let minimum = stats.min, let maximum = stats.max else { return false }
                if !ValueOrder.rangeMightMatch(minimum, maximum, predicate) { return false }
            }
        }
        return true
    }

    /// Row groups by their statistics, best values of `column` first (as `TableSnapshot`).
    package func ordered(_ rowGroups: [Int], byColumn column: Int, descending: Bool) -> [Int] {
        let bounds = rowGroups.map { descending ? statistics[$0][column].max : statistics[$0][column].min }
        return rowGroupsByBound(rowGroups, bounds: bounds, descending: descending, compare: ValueOrder.compare)
    }

    /// A cursor over the row group's batches, projected to `columns`.
    package func openRowGroup(_ rowGroup: Int, columns: [Int], predicates: [ScanPredicate]) throws -> any RowGroupCursor
    {
        InMemoryCursor(batches: rowGroups[rowGroup], columns: columns, statistics: statistics[rowGroup])
    }
}

/// Yields a row group's stored batches, one per call, sharing their column vectors.
final class InMemoryCursor: RowGroupCursor {
    let batches: [Batch]
    let columns: [Int]
    var position = 0
    var statistics = ScanStatistics()

    /// The row group's statistics per table column (see `InMemoryTable.statistics`).
    let groupStatistics: [(min: Value?, max: Value?, hasNull: Bool, allNull: Bool)]
    /// The stored batch the last `next` handed out, for `load(column:into:)`.
    private var current: Batch?

    init(batches: [Batch], columns: [Int], statistics: [(min: Value?, max: Value?, hasNull: Bool, allNull: Bool)]) {
        self.batches = batches
        self.columns = columns
        self.groupStatistics = statistics
    }

    /// As `next(into:)`, but a column demanded for `.validity` or `.nothing` comes as a new vector
    /// whose values are a fixed nonsense pattern (strings empty), so that a consumer reading
    /// values it did not ask for gives wrong answers in tests instead of passing by chance.
    func next(into batch: Batch, demands: [ColumnDemand]) throws -> Bool {
        precondition(demands.count == columns.count, "one demand per requested column")
        guard try next(into: batch) else { return false }
        for (position, demand) in demands.enumerated() where demand != .values {
            let source = batch.columns[position]
            let vector = ColumnVector(type: source.type, capacity: Swift.max(batch.count, 1))
            if vector.physicalType == .string {
                vector.offsets.update(repeating: 0, count: batch.count + 1)
            } else {
                vector.data.initializeMemory(as: UInt8.self, repeating: 0x5A, count: batch.count * vector.byteWidth)
            }
            vector.count = batch.count
            if demand == .validity && source.hasNulls {
                for row in 0..<batch.count { vector.setValid(source.isValid(at: row), at: row) }
            }
            batch.columns[position] = vector
        }
        return true
    }

    /// Puts the stored values of column `position` of the current rows into `batch`.
    func load(column position: Int, into batch: Batch) throws {
        guard let current else { preconditionFailure("load(column:into:) needs a batch from next") }
        batch.columns[position] = current.columns[columns[position]]
    }

    /// Whether the row group's statistics prove `predicate` for every row (comparisons only
    /// between values of one type, decimals of one scale).
    func provesTrue(_ predicate: ScanPredicate) -> Bool {
        let stats = groupStatistics[columns[predicate.column]]
        switch predicate.comparison {
        case .isNull: return stats.allNull
        case .isNotNull: return !stats.hasNull
        case .inList: return false
        default: break
        }
        guard !stats.hasNull, let low = stats.min, let high = stats.max, predicate.constants.count == 1 else {
            return false
        }
        let c = predicate.constants[0]
        func comparable(_ a: Value, _ b: Value) -> Bool {
            switch (a, b) {
            case (.boolean, .boolean), (.bigint, .bigint), (.timestamp, .timestamp), (.date, .date), (.double, .double),
                (.varchar, .varchar):
                return true
            case (.decimal(_, let s), .decimal(_, let t)): return s == t
            default: return false
            }
        }
        guard comparable(low, c), comparable(high, c) else { return false }
        let lowOrder = ValueOrder.compare(low, c), highOrder = ValueOrder.compare(high, c)
        switch predicate.comparison {
        case .equal: return lowOrder == 0 && highOrder == 0
        case .notEqual: return lowOrder > 0 || highOrder < 0
        case .less: return highOrder < 0
        case .lessOrEqual: return highOrder <= 0
        case .greater: return lowOrder > 0
        case .greaterOrEqual: return lowOrder >= 0
        case .isNull, .isNotNull, .inList: return false
        }
    }

    func next(into batch: Batch) throws -> Bool {
        guard position < batches.count else {
            batch.columns = []
            batch.count = 0
            return false
        }
        let source = batches[position]
        current = source
        position += 1
        batch.columns = columns.map { source.columns[$0] }
        batch.count = source.count
        batch.selection = nil
        statistics.blocksRead += columns.count
        statistics.bytesDecoded += columns.reduce(0) {
            $0 + source.columns[$1].count * Swift.max(source.columns[$1].byteWidth, 4)
        }
        return true
    }
}

/// Orders scalar values of one type (for statistics and pruning; not for hot loops).
enum ValueOrder {
    static func compare(_ a: Value, _ b: Value) -> Int {
        switch (a, b) {
        case (.boolean(let x), .boolean(let y)): return x == y ? 0 : (x ? 1 : -1)
        case (.bigint(let x), .bigint(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.decimal(let x, _), .decimal(let y, _)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.timestamp(let x), .timestamp(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.date(let x), .date(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.double(let x), .double(let y)): return CompareKernel.compareDoubles(x, y)
        case (.varchar(let x), .varchar(let y)):
            return Array(x.utf8).lexicographicallyPrecedes(Array(y.utf8)) ? -1 : (x == y ? 0 : 1)
        case (.interval(let x), .interval(let y)): return CompareKernel.compareIntervals(x, y)
        default: return 0
        }
    }

    /// Whether some value in `[minimum, maximum]` can satisfy the predicate.
    static func rangeMightMatch(_ minimum: Value, _ maximum: Value, _ predicate: ScanPredicate) -> Bool {
        let constants = predicate.constants.filter { !$0.isNull }
        guard let c = constants.first else { return false }  // comparisons with NULL match nothing
        switch predicate.comparison {
        case .equal: return compare(minimum, c) <= 0 && compare(c, maximum) <= 0
        case .notEqual: return !(compare(minimum, c) == 0 && compare(maximum, c) == 0)
        case .less: return compare(minimum, c) < 0
        case .lessOrEqual: return compare(minimum, c) <= 0
        case .greater: return compare(maximum, c) > 0
        case .greaterOrEqual: return compare(maximum, c) >= 0
        case .inList: return constants.contains { compare(minimum, $0) <= 0 && compare($0, maximum) <= 0 }
        case .isNull, .isNotNull: return true
        }
    }
}

/// Tables by name, for tests and for callers that query in-memory data.
package struct InMemoryTables: TableProvider {
    /// The tables, by lower-cased name.
    package let tables: [String: InMemoryTable]

    /// Creates a provider; names match case-insensitively.
    package init(_ tables: [String: InMemoryTable]) {
        self.tables = Dictionary(
            tables.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    /// The table `name`; throws `ExecutionError` when unknown.
    package func source(forTable name: String) throws -> any ScanSource {
        guard let table = tables[name.lowercased()] else {
            throw ExecutionError(.internal, "unknown table \"\(name)\"")
        }
        return table
    }
}
