internal import PlazaStorage

/// What `Database.verify(table:)` checked.
public struct TableVerification: Sendable, Hashable, CustomStringConvertible {
    /// The table's name as stored.
    public var table: String
    /// The manifest generation that was checked (it grows by one with each committed import).
    public var generation: UInt64
    /// Rows decoded; equal to the table's row count, since verification fails otherwise.
    public var rowCount: Int
    /// Segment files read.
    public var segmentCount: Int
    /// Blocks decoded, each with its checksum verified.
    public var blocksRead: Int

    /// `reportes: ok, generation 3, 120000 rows, 2 segments, 96 blocks` (plain numbers, for scripts).
    public var description: String {
        "\(table): ok, generation \(generation), \(rowCount) rows, \(segmentCount) segments, \(blocksRead) blocks"
    }
}

extension Database {
    /// Reads every block of every column of every segment of table `name` (matched ignoring case),
    /// verifying each block's checksum and that the rows add up to the committed count.
    ///
    /// ```swift
    /// let check = try db.verify(table: "reportes")   // check.rowCount == try db.rowCount(ofTable: "reportes")
    /// ```
    /// Checks one committed state: an import that commits meanwhile is not seen. Cost: a full scan
    /// of the table on one thread.
    ///
    /// - Throws: `PlazaError` (`.binding`) when there is no such table; (`.format`) for damage, its
    ///   message naming the table, segment file, column, row group and block.
    public func verify(table name: String) throws(PlazaError) -> TableVerification {
        do {
            let summary = try catalog.snapshot(table: name).verify()
            return TableVerification(
                table: summary.table, generation: summary.generation, rowCount: summary.rowCount,
                segmentCount: summary.segmentCount, blocksRead: summary.blocksRead)
        } catch  where error.kind == .tableNotFound {
            throw unknownTable(name)
        } catch {
            throw PlazaError.from(error)
        }
    }
}
