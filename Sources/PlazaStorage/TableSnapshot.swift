import PlazaCore
import PlazaFormat
import PlazaVector

/// A fixed, committed state of a table, read as a `ScanSource`.
///
/// Row groups are numbered across the snapshot's segments in manifest order. The snapshot keeps
/// its `SegmentReader`s (memory maps), so commits and drops after it was opened do not change
/// what it reads. Immutable after opening, hence safe to share between scan threads.
package final class TableSnapshot: ScanSource, Sendable {
    /// The table's name as stored.
    package let table: String
    /// The table's columns (widened types where an append widened them).
    package let schema: Schema
    /// The manifest generation this snapshot reads.
    package let generation: UInt64
    /// The number of rows.
    package let rowCount: Int
    /// The paths of the segment files, in row order.
    package let segmentPaths: [String]

    /// The open segment files, in row order (possibly shared with other snapshots through a cache).
    let readers: [SegmentReader]
    /// Per segment, per column: the conversion to the table's type, or nil when types agree.
    private let conversions: [[ColumnConversion?]]
    /// Per snapshot row group: its segment and its row group within the segment.
    private let locations: [(segment: Int32, rowGroup: Int32)]
    /// Per segment: its deleted rows, or nil when it has none (Formats/plaza-manifest.md §10).
    let deletions: [DeletionVector?]
    /// Per snapshot row group: the row id of its first row (rows before it, deleted ones included).
    private let rowIDBases: [Int]

    private init(
        table: String, manifest: Manifest, paths: [String], readers: [SegmentReader],
        conversions: [[ColumnConversion?]],
        deletions: [DeletionVector?]
    ) {
        self.table = table
        self.schema = manifest.schema
        self.generation = manifest.generation
        self.rowCount = manifest.rowCount
        self.segmentPaths = paths
        self.readers = readers
        self.conversions = conversions
        self.deletions = deletions
        var locations: [(segment: Int32, rowGroup: Int32)] = []
        var bases: [Int] = [], next = 0
        for (segment, reader) in readers.enumerated() {
            for group in 0..<reader.rowGroupCount {
                locations.append((Int32(segment), Int32(group)))
                bases.append(next)
                next += reader.rowCount(rowGroup: group)
            }
        }
        self.locations = locations
        self.rowIDBases = bases
    }

    /// Which blocks of row group `group` hold only deleted rows, or nil when none of its rows is deleted.
    private static func fullyDeletedBlocks(_ vector: DeletionVector, group: Int, blocks: Int, blockSize: Int) -> [Bool]?
    {
        guard let words = vector.groups[group] else { return nil }
        let rows = vector.groupRows[group]
        return (0..<blocks).map { block in
            let start = block * blockSize, end = Swift.min(rows, start + blockSize)
            var row = start
            while row < end {
                if row & 63 == 0 && end - row >= 64 {
                    if words[row >> 6] != ~0 { return false }
                    row += 64
                } else {
                    if words[row >> 6] & (1 &<< UInt64(row & 63)) == 0 { return false }
                    row += 1
                }
            }
            return true
        }
    }

    /// The column number, one past the table's, that reads each row's id: its number in the
    /// snapshot counting deleted rows, as DELETE and UPDATE name the rows they change.
    package var rowIDColumn: Int { schema.count }

    /// One more than the largest row id: the rows of every row group, deleted ones included.
    package var rowIDLimit: Int { rowIDBases.last.map { $0 + rowCount(rowGroup: rowIDBases.count - 1) } ?? 0 }

    /// The snapshot row group holding row id `rowID` and the row id of its first row, or nil when there is none.
    package func rowGroup(ofRowID rowID: Int) -> (rowGroup: Int, base: Int)? {
        guard rowID >= 0, !rowIDBases.isEmpty else { return nil }
        var low = 0, high = rowIDBases.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if rowIDBases[middle] <= rowID { low = middle } else { high = middle - 1 }
        }
        guard rowID - rowIDBases[low] < rowCount(rowGroup: low) else { return nil }
        return (low, rowIDBases[low])
    }

    /// The deleted rows of snapshot row group `rowGroup` (a bitmap), or nil when none is deleted.
    func deletedWords(rowGroup: Int) -> [UInt64]? {
        let location = locations[rowGroup]
        return deletions[Int(location.segment)]?.groups[Int(location.rowGroup)]
    }

    /// The segment (its number in the manifest) and the row group within it of snapshot row group `rowGroup`.
    func segmentLocation(ofRowGroup rowGroup: Int) -> (segment: Int, rowGroup: Int) {
        (Int(locations[rowGroup].segment), Int(locations[rowGroup].rowGroup))
    }

    /// The snapshot row groups of segment `segment`, in order.
    func rowGroups(ofSegment segment: Int) -> Range<Int> {
        let first = locations.firstIndex { Int($0.segment) == segment } ?? locations.count
        return first..<(first + readers[segment].rowGroupCount)
    }

    /// The rows of segment `segment`, deleted ones included.
    func segmentRowCount(_ segment: Int) -> Int { readers[segment].rowCount }

    /// The row counts of segment `segment`'s row groups.
    func segmentGroupRows(_ segment: Int) -> [Int] {
        (0..<readers[segment].rowGroupCount).map { readers[segment].rowCount(rowGroup: $0) }
    }

    /// The number of row groups across all segments.
    package var rowGroupCount: Int { locations.count }

    /// The number of rows in row group `rowGroup`.
    package func rowCount(rowGroup: Int) -> Int {
        let location = locations[rowGroup]
        return readers[Int(location.segment)].rowCount(rowGroup: Int(location.rowGroup))
    }

    /// Whether the row group's statistics allow a match; predicates on columns that an older segment
    /// stores in a narrower type are not checked against that segment (its statistics are in the old type).
    package func mightMatch(rowGroup: Int, columns: [Int], predicates: [ScanPredicate]) -> Bool {
        let location = locations[rowGroup]
        let segment = Int(location.segment)
        if let vector = deletions[segment],
            vector.deletedInGroup[Int(location.rowGroup)] == rowCount(rowGroup: rowGroup)
        {
            return false
        }
        if let position = columns.firstIndex(of: rowIDColumn) {
            let (stored, kept) = Self.withoutRowID(columns: columns, predicates: predicates, position: position)
            return mightMatch(rowGroup: rowGroup, columns: stored, predicates: kept)
        }
        return readers[segment].mightMatch(
            rowGroup: Int(location.rowGroup), columns: columns,
            predicates: usable(predicates, columns: columns, segment: segment))
    }

    /// A cursor over the row group yielding table columns `columns`, converted to the table's types.
    ///
    /// - Throws: `StorageError` (`.format`, naming table, file, column, row group, block) when the
    ///   row group's metadata is damaged; `next(into:)` throws the same for damaged blocks.
    package func openRowGroup(_ rowGroup: Int, columns: [Int], predicates: [ScanPredicate]) throws -> any RowGroupCursor
    {
        try openRowGroup(rowGroup, columns: columns, predicates: predicates, part: 0, of: 1)
    }

    /// A cursor over part `part` of `parts` slices of the row group, cut at block boundaries
    /// (a part may be empty when the row group has fewer blocks than parts).
    ///
    /// - Throws: as `openRowGroup(_:columns:predicates:)`.
    package func openRowGroup(_ rowGroup: Int, columns: [Int], predicates: [ScanPredicate], part: Int, of parts: Int)
        throws -> any RowGroupCursor
    {
        precondition(part >= 0 && part < parts, "part \(part) of \(parts)")
        if let position = columns.firstIndex(of: rowIDColumn) {
            let (stored, kept) = Self.withoutRowID(columns: columns, predicates: predicates, position: position)
            let inner = try storedColumns(rowGroup, columns: stored, predicates: kept, part: part, of: parts)
            return RowIDCursor(inner: inner, position: position, base: rowIDBases[rowGroup])
        }
        return try storedColumns(rowGroup, columns: columns, predicates: predicates, part: part, of: parts)
    }

    /// A cursor over stored columns only (no row id): part `part` of `parts` of the row group.
    private func storedColumns(_ rowGroup: Int, columns: [Int], predicates: [ScanPredicate], part: Int, of parts: Int)
        throws -> SnapshotCursor
    {
        let location = locations[rowGroup]
        let segment = Int(location.segment)
        let blocks = readers[segment].blockCount(rowGroup: Int(location.rowGroup))
        let inner: SegmentCursor
        do {
            inner = try readers[segment].openRowGroup(
                Int(location.rowGroup), columns: columns,
                predicates: usable(predicates, columns: columns, segment: segment),
                blocks: (blocks * part / parts)..<(blocks * (part + 1) / parts))
        } catch {
            throw StorageError.wrapping(error, table: table)
        }
        return SnapshotCursor(
            inner: inner, table: table, conversions: columns.map { conversions[segment][$0] },
            columnNames: columns.map { schema.fields[$0].name },
            deleted: deletions[segment]?.groups[Int(location.rowGroup)],
            // Worked out for the row groups a scan opens, not for all of them with each snapshot
            // (that was 3% of a one-week query, which reads one row group of 83).
            excludedBlocks: deletions[segment].flatMap {
                Self.fullyDeletedBlocks(
                    $0, group: Int(location.rowGroup), blocks: blocks, blockSize: readers[segment].blockSize)
            })
    }

    /// `columns` without the row id at `position`, and the predicates on the other columns with
    /// their positions renumbered.
    private static func withoutRowID(columns: [Int], predicates: [ScanPredicate], position: Int) -> (
        [Int], [ScanPredicate]
    ) {
        var stored = columns
        stored.remove(at: position)
        return (stored, predicates.compactMap { $0.droppingColumn(at: position) })
    }

    /// As `openRowGroup(_:columns:predicates:)` but reading deleted rows too; with `verifyEveryBlock`
    /// the cursor hashes every block it reads even where its cached reader verified it before (`verify()`).
    func openRowGroup(_ rowGroup: Int, columns: [Int], predicates: [ScanPredicate], verifyEveryBlock: Bool) throws
        -> SnapshotCursor
    {
        let location = locations[rowGroup]
        let segment = Int(location.segment)
        let inner: SegmentCursor
        do {
            inner = try readers[segment].openRowGroup(
                Int(location.rowGroup), columns: columns,
                predicates: usable(predicates, columns: columns, segment: segment), verifyEveryBlock: verifyEveryBlock)
        } catch {
            throw StorageError.wrapping(error, table: table)
        }
        let columnConversions = columns.map { conversions[segment][$0] }
        return SnapshotCursor(
            inner: inner, table: table, conversions: columnConversions,
            columnNames: columns.map { schema.fields[$0].name })
    }

    /// The predicates whose column has the same type in the segment as in the table.
    private func usable(_ predicates: [ScanPredicate], columns: [Int], segment: Int) -> [ScanPredicate] {
        let converted = conversions[segment]
        if predicates.isEmpty || !converted.contains(where: { $0 != nil }) { return predicates }
        return predicates.filter { predicate in
            // NULL tests keep their meaning through a conversion; comparisons would compare the
            // constant (table type) with statistics in the stored type.
            converted[columns[predicate.column]] == nil || predicate.comparison == .isNull
                || predicate.comparison == .isNotNull
        }
    }

    /// Row groups by their column statistics: largest maximum first (`descending`) or smallest
    /// minimum first; row groups without a bound (all NULL, or a converted segment) go last.
    package func ordered(_ rowGroups: [Int], byColumn column: Int, descending: Bool) -> [Int] {
        let bounds: [Value?] = rowGroups.map { group in
            let location = locations[group]
            let segment = Int(location.segment)
            // Statistics of a segment stored in a narrower type are in that type: not comparable.
            if conversions[segment][column] != nil { return nil }
            let statistics = readers[segment].statistics(rowGroup: Int(location.rowGroup), column: column)
            return descending ? statistics.max : statistics.min
        }
        return rowGroupsByBound(rowGroups, bounds: bounds, descending: descending, compare: statisticOrder)
    }

    /// The path of the segment file that holds snapshot row group `rowGroup`.
    package func segmentPath(ofRowGroup rowGroup: Int) -> String { segmentPaths[Int(locations[rowGroup].segment)] }

    /// The number of snapshot row group `rowGroup` within its segment file (as segment errors name it).
    package func localRowGroup(_ rowGroup: Int) -> Int { Int(locations[rowGroup].rowGroup) }

    /// Statistics of a column chunk in the type its segment stores (before any conversion).
    func storedStatistics(rowGroup: Int, column: Int) -> ColumnStatistics {
        let location = locations[rowGroup]
        return readers[Int(location.segment)].statistics(rowGroup: Int(location.rowGroup), column: column)
    }

    /// Whether column `column` of row group `rowGroup` is converted from a narrower stored type.
    func isConverted(rowGroup: Int, column: Int) -> Bool {
        conversions[Int(locations[rowGroup].segment)][column] != nil
    }

    // MARK: Opening

    /// How often `open` re-reads a manifest that changed while its segments were being opened.
    static let openAttempts = 16

    /// Reads the table's manifest and opens its segments (taking readers from `cache` where it
    /// holds them), retrying when a concurrent commit removed a segment between the two steps.
    /// `manifestFile` is the manifest's name in `directory`: `MANIFEST`, or the new manifest of a
    /// multi-table commit still being published (§11).
    static func open(
        table: String, directory: String, manifestFile: String = Manifest.fileName, cache: SegmentReaderCache? = nil
    ) throws(StorageError) -> TableSnapshot {
        let manifestPath = directory + "/" + manifestFile
        var attempt = 0
        while true {
            attempt += 1
            guard let bytes = try FileSystem.readFileIfPresent(manifestPath, table: table) else {
                throw StorageError(
                    .tableNotFound, "table \"\(table)\" has no manifest (dropped meanwhile?)", table: table,
                    file: manifestPath)
            }
            let manifest = try Manifest.decode(bytes, path: manifestPath, table: table)
            do {
                return try open(table: table, directory: directory, manifest: manifest, cache: cache)
            } catch let failure {
                // A segment vanished or changed: retry if the manifest moved on meanwhile.
                let current = try FileSystem.readFileIfPresent(manifestPath, table: table)
                guard current != bytes, attempt < openAttempts else { throw failure }
            }
        }
    }

    /// Opens the segments `manifest` lists, converting their columns to `manifest.schema`. With a
    /// `cache`, a segment whose file is unchanged since it was cached is not opened again, and
    /// cached segments of the table that the manifest no longer lists are dropped from it.
    static func open(table: String, directory: String, manifest: Manifest, cache: SegmentReaderCache? = nil)
        throws(StorageError) -> TableSnapshot
    {
        var readers: [SegmentReader] = [], paths: [String] = [], conversions: [[ColumnConversion?]] = []
        var deletions: [DeletionVector?] = [], kept: [String] = []
        for segment in manifest.segments {
            let path = directory + "/" + segment.fileName
            let identity = try listedFile(
                path, kind: "segment", name: segment.fileName, recordedSize: segment.byteSize, table: table)
            let reader: SegmentReader
            if let cached = cache?.reader(path: path, identity: identity) {
                reader = cached
            } else {
                do {
                    reader = try SegmentReader(path: path)
                } catch {
                    throw StorageError(error, table: table)
                }
                cache?.insert(path: path, identity: identity, reader: reader)
            }
            guard reader.rowCount == segment.rowCount, reader.rowGroupCount == segment.rowGroupCount else {
                throw StorageError(
                    .damaged,
                    "segment holds \(reader.rowCount) rows in \(reader.rowGroupCount) row groups; the manifest recorded "
                        + "\(segment.rowCount) in \(segment.rowGroupCount)", table: table, file: path)
            }
            conversions.append(
                try columnConversions(stored: reader.schema, table: manifest.schema, tableName: table, path: path))
            readers.append(reader)
            paths.append(path)
            if let entry = segment.deletions {
                let deletionPath = directory + "/" + entry.fileName
                deletions.append(
                    try openDeletions(
                        entry, path: deletionPath, segment: segment.fileName, reader: reader, table: table, cache: cache
                    ))
                kept.append(deletionPath)
            } else {
                deletions.append(nil)
            }
        }
        cache?.removeEntries(in: directory, keeping: Set(paths + kept))
        return TableSnapshot(
            table: table, manifest: manifest, paths: paths, readers: readers, conversions: conversions,
            deletions: deletions)
    }

    /// The identity of a file the manifest lists, which must exist with the size it recorded.
    static func listedFile(_ path: String, kind: String, name: String, recordedSize: Int, table: String)
        throws(StorageError) -> FileIdentity
    {
        guard let identity = try FileSystem.fileIdentity(path, table: table) else {
            throw StorageError(
                .damaged, "the manifest names \(kind) \"\(name)\", which is missing", table: table, file: path)
        }
        guard identity.size == recordedSize else {
            throw StorageError(
                .damaged,
                "\(kind) is \(identity.size) bytes but the manifest recorded \(recordedSize) (truncated or replaced)",
                table: table, file: path)
        }
        return identity
    }

    /// Reads (or takes from `cache`) the deletion file `entry` of the segment `reader` opened,
    /// checking it against the manifest and the segment's row groups.
    static func openDeletions(
        _ entry: DeletionEntry, path: String, segment: String, reader: SegmentReader, table: String,
        cache: SegmentReaderCache?
    ) throws(StorageError) -> DeletionVector {
        let identity = try listedFile(
            path, kind: "deletion file", name: entry.fileName, recordedSize: entry.byteSize, table: table)
        if let cached = cache?.deletionVector(path: path, identity: identity) { return cached }
        guard let bytes = try FileSystem.readFileIfPresent(path, table: table, limit: 1 << 30) else {
            throw StorageError(.damaged, "deletion file vanished while being read", table: table, file: path)
        }
        let groupRows = (0..<reader.rowGroupCount).map { reader.rowCount(rowGroup: $0) }
        let vector = try DeletionVector.decode(bytes, segment: segment, groupRows: groupRows, path: path, table: table)
        guard vector.deletedCount == entry.deletedRows else {
            throw StorageError(
                .damaged,
                "deletion file marks \(vector.deletedCount) rows deleted; the manifest recorded \(entry.deletedRows)",
                table: table, file: path)
        }
        cache?.insertDeletionVector(path: path, identity: identity, vector: vector)
        return vector
    }

    /// Per column, how a segment's stored type becomes the table's; throws `.damaged` when the
    /// segment's columns cannot be the table's (different names or count, or a non-widening type).
    static func columnConversions(stored: Schema, table: Schema, tableName: String, path: String) throws(StorageError)
        -> [ColumnConversion?]
    {
        guard stored.count == table.count else {
            throw StorageError(
                .damaged, "segment has \(stored.count) columns, the manifest \(table.count)", table: tableName,
                file: path)
        }
        var result: [ColumnConversion?] = []
        for (old, new) in zip(stored.fields, table.fields) {
            guard old.name.lowercased() == new.name.lowercased(), TypeWidening.canRead(old.type, as: new.type) else {
                throw StorageError(
                    .damaged,
                    "segment column \"\(old.name)\" \(old.type) does not match the manifest's \"\(new.name)\" \(new.type)",
                    table: tableName, file: path, column: new.name)
            }
            result.append(old.type == new.type ? nil : ColumnConversion(from: old.type, to: new.type))
        }
        return result
    }
}
