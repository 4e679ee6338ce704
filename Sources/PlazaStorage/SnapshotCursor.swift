import PlazaCore
import PlazaFormat
import PlazaVector

/// Reads one row group of a snapshot: the segment's cursor, with errors naming the table and
/// columns of older segments converted to the table's widened types.
final class SnapshotCursor: RowGroupCursor {
    private let inner: SegmentCursor
    private let table: String
    private let conversions: [ColumnConversion?]
    private let columnNames: [String]
    private let hasConversions: Bool
    /// The batch handed to `inner`: the caller's vectors, except scratch vectors of the stored
    /// type for converted columns.
    private let staging: Batch
    /// Per column: the last converted dictionary, reused while the segment keeps sending it.
    private var dictionaries: [ConvertedDictionary?]

    init(inner: SegmentCursor, table: String, conversions: [ColumnConversion?], columnNames: [String]) {
        self.inner = inner
        self.table = table
        self.conversions = conversions
        self.columnNames = columnNames
        self.hasConversions = conversions.contains { $0 != nil }
        self.dictionaries = Array(repeating: nil, count: conversions.count)
        self.staging = Batch(
            columns: conversions.map { ColumnVector(type: $0?.from ?? .boolean, capacity: 0) }, count: 0)
        for (index, conversion) in conversions.enumerated() where conversion != nil {
            staging.columns[index] = ColumnVector(type: conversion!.from)
        }
    }

    /// What the segment cursor has read and skipped.
    var statistics: ScanStatistics { inner.statistics }

    /// As `next(into:)`, decoding only what `demands` asks; a segment whose columns need a
    /// conversion to the table's types decodes every column.
    func next(into batch: Batch, demands: [ColumnDemand]) throws -> Bool {
        guard !hasConversions else { return try next(into: batch) }
        do {
            return try inner.next(into: batch, demands: demands)
        } catch {
            throw StorageError.wrapping(error, table: table)
        }
    }

    /// Decodes the values of column `position` of the current rows (nothing to do after a
    /// converting segment's `next`, which decoded every column).
    func load(column position: Int, into batch: Batch) throws {
        guard !hasConversions else { return }
        do {
            try inner.load(column: position, into: batch)
        } catch {
            throw StorageError.wrapping(error, table: table)
        }
    }

    /// Whether the current block's statistics prove `predicate` for every row; never for a
    /// converting segment (its statistics are in the stored types).
    func provesTrue(_ predicate: ScanPredicate) -> Bool {
        hasConversions ? false : inner.provesTrue(predicate)
    }

    /// Fills `batch` with the next rows in the table's types; false at the end of the row group.
    func next(into batch: Batch) throws -> Bool {
        guard hasConversions else {
            do {
                return try inner.next(into: batch)
            } catch {
                throw StorageError.wrapping(error, table: table)
            }
        }
        for (index, conversion) in conversions.enumerated() where conversion == nil {
            staging.columns[index] = batch.columns[index]
        }
        let more: Bool
        do {
            more = try inner.next(into: staging)
        } catch {
            throw StorageError.wrapping(error, table: table)
        }
        for (index, conversion) in conversions.enumerated() {
            guard let conversion else { continue }
            do {
                try conversion.convert(staging.columns[index], into: batch.columns[index], cache: &dictionaries[index])
            } catch {
                throw StorageError(
                    .schemaMismatch,
                    "stored value \(error.value) does not fit the column's widened type \(conversion.to); replace the table with a wider type",
                    table: table, column: columnNames[index])
            }
        }
        batch.count = staging.count
        batch.selection = staging.selection
        return more
    }
}
