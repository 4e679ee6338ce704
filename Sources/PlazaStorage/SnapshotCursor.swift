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
    /// The row group's deleted rows (Formats/plaza-manifest.md §10), or nil when none is deleted.
    private let deleted: [UInt64]?
    /// The deleted rows of the last batch, shifted to its first row (one batch of words).
    private let batchMask: UnsafeMutablePointer<UInt64>?
    /// Whether the last batch has a deleted row.
    private var batchHasDeleted = false

    init(
        inner: SegmentCursor, table: String, conversions: [ColumnConversion?], columnNames: [String],
        deleted: [UInt64]? = nil, excludedBlocks: [Bool]? = nil
    ) {
        self.inner = inner
        self.deleted = deleted
        if deleted != nil {
            let words = ValidityBitmap.wordCount(for: ColumnVector.batchCapacity)
            batchMask = .allocate(capacity: words)
            batchMask!.initialize(repeating: 0, count: words)
        } else {
            batchMask = nil
        }
        inner.excludedBlocks = excludedBlocks
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

    deinit { batchMask?.deallocate() }

    /// What the segment cursor has read and skipped.
    var statistics: ScanStatistics { inner.statistics }

    /// The deleted rows of the last batch, or nil when it has none.
    var deletedRows: UnsafePointer<UInt64>? { batchHasDeleted ? UnsafePointer(batchMask) : nil }

    /// The row (within the row group) of the first row of the last batch.
    var batchStartRow: Int { inner.batchStartRow }

    /// Shifts the deleted rows of the batch just read (`count` rows from `inner.batchStartRow`)
    /// into `batchMask`, a word at a time; `more` false (the end) clears it.
    private func noteDeletions(count: Int, more: Bool) -> Bool {
        guard let deleted, let mask = batchMask else { return more }
        batchHasDeleted = false
        guard more, count > 0 else { return more }
        let start = inner.batchStartRow
        let words = ValidityBitmap.wordCount(for: count)
        let first = start &>> 6, shift = UInt64(start & 63)
        var any: UInt64 = 0
        deleted.withUnsafeBufferPointer { d in
            if shift == 0 {
                // Batches of 2,048-row blocks start on a word: the words as they are, in one pass.
                for w in 0..<words {
                    let word = d[first &+ w]
                    mask[w] = word
                    any |= word
                }
            } else {
                for w in 0..<words {
                    var word = d[first &+ w] &>> shift
                    if first &+ w &+ 1 < d.count { word |= d[first &+ w &+ 1] &<< (64 &- shift) }
                    mask[w] = word
                    any |= word
                }
            }
            if count & 63 != 0 {
                // Rows past the batch: cleared, and `any` made again without them.
                mask[words &- 1] &= (1 &<< UInt64(count & 63)) &- 1
                any = 0
                for w in 0..<words { any |= mask[w] }
            }
        }
        batchHasDeleted = any != 0
        return more
    }

    /// As `next(into:)`, decoding only what `demands` asks; a segment whose columns need a
    /// conversion to the table's types decodes every column.
    func next(into batch: Batch, demands: [ColumnDemand]) throws -> Bool {
        guard !hasConversions else { return try next(into: batch) }
        do {
            let more = try inner.next(into: batch, demands: demands)
            return noteDeletions(count: batch.count, more: more)
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

    /// As `load(column:into:)`, decoding only the values of `rows` where the block allows.
    func load(column position: Int, into batch: Batch, rows: UnsafeBufferPointer<Int32>) throws {
        guard !hasConversions else { return }
        do {
            try inner.load(column: position, into: batch, rows: rows)
        } catch {
            throw StorageError.wrapping(error, table: table)
        }
    }

    /// The dictionary of column `position`'s codes (none for a converting segment).
    func dictionary(ofColumn position: Int) -> ColumnVector? {
        hasConversions ? nil : inner.dictionary(ofColumn: position)
    }

    /// Tests column `position`'s codes unread (never for a converting segment).
    func andCodeMatches(
        column position: Int, matches: UnsafeBufferPointer<UInt8>, into mask: UnsafeMutablePointer<UInt64>
    ) throws -> Bool {
        guard !hasConversions else { return false }
        do {
            return try inner.andCodeMatches(column: position, matches: matches, into: mask)
        } catch {
            throw StorageError.wrapping(error, table: table)
        }
    }

    /// Tests column `position`'s value lengths unread (never for a converting segment).
    func andLengthEquals(column position: Int, length: Int, into mask: UnsafeMutablePointer<UInt64>) throws -> Bool {
        guard !hasConversions else { return false }
        do {
            return try inner.andLengthEquals(column: position, length: length, into: mask)
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
                let more = try inner.next(into: batch)
                return noteDeletions(count: batch.count, more: more)
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
        return noteDeletions(count: batch.count, more: more)
    }
}
