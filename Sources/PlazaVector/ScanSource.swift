import PlazaCore

/// A table as the executor reads it: row groups (the unit of parallel work) of batches.
///
/// Storage's table snapshots conform to it; execution tests use an in-memory table.
/// A source is a snapshot: it never changes while a query reads it.
public protocol ScanSource: Sendable {
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
}

/// Reads one row group batch by batch.
public protocol RowGroupCursor: AnyObject {
    /// Fills `batch` (one column per requested column, of its type) with the next rows, at most
    /// `ColumnVector.batchCapacity` of them. Returns false, leaving the batch empty, at the end.
    /// Columns may come back as dictionary vectors (`ColumnVector.isDictionary`).
    func next(into batch: Batch) throws -> Bool
    /// What the cursor has read and skipped so far.
    var statistics: ScanStatistics { get }
}

/// Counters a scan reports to `EXPLAIN ANALYZE`.
public struct ScanStatistics: Sendable, Hashable {
    /// Blocks decoded.
    public var blocksRead: Int = 0
    /// Blocks skipped by their statistics.
    public var blocksSkipped: Int = 0
    /// Bytes of decoded output produced.
    public var bytesDecoded: Int = 0

    /// Creates zeroed counters.
    public init(blocksRead: Int = 0, blocksSkipped: Int = 0, bytesDecoded: Int = 0) {
        self.blocksRead = blocksRead
        self.blocksSkipped = blocksSkipped
        self.bytesDecoded = bytesDecoded
    }
}
