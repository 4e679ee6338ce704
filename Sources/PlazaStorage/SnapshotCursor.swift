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
