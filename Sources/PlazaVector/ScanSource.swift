import PlazaCore

/// A table as the executor reads it: row groups (the unit of parallel work) of batches.
///
/// Storage's table snapshots conform to it; execution tests use an in-memory table.
/// A source is a snapshot: it never changes while a query reads it.
package protocol ScanSource: Sendable {
    /// The table's columns.
    var schema: Schema { get }
    /// The number of row groups.
    var rowGroupCount: Int { get }
    /// The number of rows in row group `rowGroup`.
    func rowCount(rowGroup: Int) -> Int
    /// Whether the statistics of row group `rowGroup` allow a row matching every predicate.
    /// Predicates name columns by their position in `columns`.
    func mightMatch(rowGroup: Int, columns: [Int], predicates: [ScanPredicate]) -> Bool
    /// A cursor over row group `rowGroup` that yields the table columns `columns`, in that order,
    /// skipping blocks whose statistics rule out `predicates` (positions in `columns`).
    func openRowGroup(_ rowGroup: Int, columns: [Int], predicates: [ScanPredicate]) throws -> any RowGroupCursor
    /// As `openRowGroup(_:columns:predicates:)`, over part `part` (0 ..< `parts`) of the row group
    /// cut into `parts` consecutive slices of about equal size, in row order; so that threads can
    /// share a row group when there are fewer row groups than threads. The default gives the
    /// whole row group to part 0 and no rows to the others.
    func openRowGroup(_ rowGroup: Int, columns: [Int], predicates: [ScanPredicate], part: Int, of parts: Int) throws
        -> any RowGroupCursor
    /// `rowGroups` reordered so that those whose table column `column` holds the largest values
    /// (`descending`) or the smallest come first, by their statistics; a top-N reads them so, and
    /// its cutoff then skips the rest. The default keeps the order.
    func ordered(_ rowGroups: [Int], byColumn column: Int, descending: Bool) -> [Int]
}

/// `rowGroups` sorted by their `bounds` (one each; nil, a row group without one, last): largest
/// first when `descending`, else smallest; `compare` orders two bounds (nil: they do not compare).
/// Ties keep their order. The sorting behind `ScanSource.ordered(_:byColumn:descending:)`.
package func rowGroupsByBound(
    _ rowGroups: [Int], bounds: [Value?], descending: Bool, compare: (Value, Value) -> Int?
) -> [Int] {
    let order = rowGroups.indices.sorted { a, b in
        switch (bounds[a], bounds[b]) {
        case (let x?, let y?):
            guard let c = compare(x, y), c != 0 else { return a < b }
            return descending ? c > 0 : c < 0
        case (.some, .none): return true
        case (.none, .some): return false
        case (.none, .none): return a < b
        }
    }
    return order.map { rowGroups[$0] }
}

extension ScanSource {
    /// The order given.
    package func ordered(_ rowGroups: [Int], byColumn column: Int, descending: Bool) -> [Int] { rowGroups }

    /// The whole row group for part 0, nothing for the others.
    package func openRowGroup(_ rowGroup: Int, columns: [Int], predicates: [ScanPredicate], part: Int, of parts: Int)
        throws -> any RowGroupCursor
    {
        precondition(part >= 0 && part < parts, "part \(part) of \(parts)")
        if part == 0 { return try openRowGroup(rowGroup, columns: columns, predicates: predicates) }
        return EmptyCursor()
    }
}

/// A cursor with no rows.
final class EmptyCursor: RowGroupCursor {
    func next(into batch: Batch) throws -> Bool {
        batch.count = 0
        batch.selection = nil
        for vector in batch.columns { vector.reset() }
        return false
    }
    var statistics: ScanStatistics { ScanStatistics() }
}

/// Reads one row group batch by batch.
package protocol RowGroupCursor: AnyObject {
    /// Fills `batch` (one column per requested column, of its type) with the next rows, at most
    /// `ColumnVector.batchCapacity` of them. Returns false, leaving the batch empty, at the end.
    /// Columns may come back as dictionary vectors (`ColumnVector.isDictionary`).
    func next(into batch: Batch) throws -> Bool
    /// What the cursor has read and skipped so far.
    var statistics: ScanStatistics { get }
    /// As `next(into:)`, but decodes each column only as far as `demands` (one per requested
    /// column) asks: `.values` as `next(into:)`; `.validity` and `.nothing` give a vector of the
    /// batch's row count whose values are unspecified (strings empty) and, for `.validity`, whose
    /// NULLs are exact. `load(column:into:)` later fills a column's values for the same rows.
    /// The default decodes every column.
    func next(into batch: Batch, demands: [ColumnDemand]) throws -> Bool
    /// Fills the values of column `position` of the rows the last `next(into:demands:)` returned,
    /// into `batch.columns[position]` (late materialization: after a filter found survivors).
    /// The default does nothing, since its `next` decoded every column.
    func load(column position: Int, into batch: Batch) throws
    /// As `load(column:into:)`, but only the values of `rows` (ascending positions) need be
    /// right; the others are unspecified (as after a `.nothing` demand). For a filter that kept few rows: a cursor may then
    /// extract those values alone. The default loads every row.
    func load(column position: Int, into batch: Batch, rows: UnsafeBufferPointer<Int32>) throws
    /// The dictionary shared by column `position`'s vectors in the current row group, when the
    /// cursor reads that column as dictionary codes; nil otherwise. The default is nil.
    func dictionary(ofColumn position: Int) -> ColumnVector?
    /// ANDs into `mask` (one bit per row of the last batch) whether each row is not NULL in column
    /// `position` (not decoded: a `.nothing` or `.validity` demand) and the `matches` entry (0 or 1
    /// per entry of `dictionary(ofColumn:)`) of its code is set, from the stored codes without
    /// decoding them. False, leaving `mask` alone, where the cursor cannot; the default is false.
    func andCodeMatches(
        column position: Int, matches: UnsafeBufferPointer<UInt8>, into mask: UnsafeMutablePointer<UInt64>
    ) throws -> Bool
    /// ANDs into `mask` whether each row of the last batch is not NULL in the VARCHAR column
    /// `position` (not decoded) and its value is `length` bytes long, from the stored offsets
    /// without the text. False, leaving `mask` alone, where the cursor cannot; the default is false.
    func andLengthEquals(column position: Int, length: Int, into mask: UnsafeMutablePointer<UInt64>) throws -> Bool
    /// Whether the statistics of the rows the last `next` returned prove `predicate` (a column
    /// position among the requested columns) true for every one of them, so a filter need not
    /// test it there. False when unknown; the default is false.
    func provesTrue(_ predicate: ScanPredicate) -> Bool
    /// The deleted rows of the last batch: bit `i` (LSB first, 64 a word) set when row `i` of it is
    /// deleted and must not be read; nil when none is. Valid until the next call to `next`.
    var deletedRows: UnsafePointer<UInt64>? { get }
}

extension RowGroupCursor {
    /// Decodes every column (a cursor without late materialization).
    package func next(into batch: Batch, demands: [ColumnDemand]) throws -> Bool { try next(into: batch) }
    /// Nothing to do: `next(into:demands:)` decoded every column.
    package func load(column position: Int, into batch: Batch) throws {}
    /// Loads every row.
    package func load(column position: Int, into batch: Batch, rows: UnsafeBufferPointer<Int32>) throws {
        try load(column: position, into: batch)
    }
    /// Proves nothing.
    package func provesTrue(_ predicate: ScanPredicate) -> Bool { false }
    /// No column is read as codes.
    package func dictionary(ofColumn position: Int) -> ColumnVector? { nil }
    /// Cannot test codes unread.
    package func andCodeMatches(
        column position: Int, matches: UnsafeBufferPointer<UInt8>, into mask: UnsafeMutablePointer<UInt64>
    ) throws -> Bool { false }
    /// Cannot read lengths unread.
    package func andLengthEquals(
        column position: Int, length: Int, into mask: UnsafeMutablePointer<UInt64>
    ) throws -> Bool { false }
    /// No row is deleted.
    package var deletedRows: UnsafePointer<UInt64>? { nil }
}

/// How much of a column a consumer needs from a scan; ordered from least to most.
@usableFromInline package enum ColumnDemand: Int, Sendable, Hashable, Comparable {
    /// Nothing: the column is not read (its vector keeps the row count, values unspecified).
    case nothing = 0
    /// Only which rows are NULL (`IS NULL`, `count(x)`).
    case validity = 1
    /// The values.
    case values = 2

    /// Orders by how much is needed.
    public static func < (a: ColumnDemand, b: ColumnDemand) -> Bool { a.rawValue < b.rawValue }
}

/// Counters a scan reports to `EXPLAIN ANALYZE`.
@usableFromInline package struct ScanStatistics: Sendable, Hashable {
    /// Blocks decoded.
    package var blocksRead: Int = 0
    /// Blocks skipped by their statistics.
    package var blocksSkipped: Int = 0
    /// Bytes of decoded output produced.
    package var bytesDecoded: Int = 0

    /// Creates zeroed counters.
    package init(blocksRead: Int = 0, blocksSkipped: Int = 0, bytesDecoded: Int = 0) {
        self.blocksRead = blocksRead
        self.blocksSkipped = blocksSkipped
        self.bytesDecoded = bytesDecoded
    }
}
