import PlazaCore
import PlazaPlanner
import PlazaVector

/// The build side of a hash join: all its rows in flat columns, the rows of each distinct key as
/// a chain (`heads` per key, `next` per row), and each column's distinct values as a dictionary.
///
/// A single BIGINT-like or DATE key is looked up in `IntegerKeyTable` with a loop typed on the
/// value; other keys go through `GroupTable` (packed keys). Join output carries the build columns
/// as dictionary vectors over `dictionaries` (codes per build row), so gathering a VARCHAR column
/// copies 4-byte codes instead of strings and a GROUP BY above the join keys on codes.
final class JoinTable: @unchecked Sendable {
    // Safe to share: read-only once built; probes use their own `KeyPacker`.
    /// The build rows, flat.
    let columns: [ColumnVector]
    let rowCount: Int
    /// Per column: its distinct values (the dictionary of output vectors), or nil to gather values.
    let dictionaries: [ColumnVector?]
    /// Per column with a dictionary: the code of each build row.
    let codes: [UnsafeMutablePointer<UInt32>?]
    let keyTypes: [DataType]
    let groupTable: GroupTable?
    let integerTable: IntegerKeyTable?
    /// Set when the two keys are looked up packed into one in `integerTable`.
    let pairKey: IntegerPairKey?
    /// First build row of each key, and the next row with the same key (-1 ends a chain).
    let heads: UnsafeMutablePointer<Int32>
    let next: UnsafeMutablePointer<Int32>
    let keyCount: Int
    /// Whether no two build rows share a key (then `heads[key]` is the only row).
    let isUnique: Bool
    let hasNullKey: Bool
    let trackedBytes: Int
    let tracker: MemoryTracker

    /// Most build rows for which fixed-width columns get a dictionary too (VARCHAR always does).
    static let fixedWidthDictionaryRows = 1 << 16

    /// Builds the table; `outputColumns`, when given, are the only columns the join outputs (the
    /// others get no dictionary, since nothing gathers them).
    init(
        batches: [Batch], fields: [Field], keys: [ExpressionNode], context: QueryContext,
        outputColumns: Set<Int>? = nil
    ) throws(ExecutionError) {
        let compact = batches.map { $0.compacted() }
        let count = compact.reduce(0) { $0 + $1.count }
        guard count < Int(Int32.max) else {
            throw ExecutionError(.memoryLimit, "hash join build has \(count) rows; at most \(Int32.max - 1) fit")
        }
        tracker = context.tracker
        let columnBytes = compact.reduce(0) { sum, batch in
            sum + batch.columns.reduce(0) { $0 + $1.count * Swift.max($1.byteWidth, 4) + $1.heapCount }
        }
        let bytes = columnBytes + count * 40  // chains, codes and the key table
        try tracker.reserve(bytes, for: "hash join build")
        trackedBytes = bytes
        let columns = fields.enumerated().map { (index, field) in
            GatherKernel.concatenate(compact.map { $0.columns[index] }, type: field.type)
        }
        self.columns = columns
        rowCount = count
        keyTypes = keys.map(\.type)
        let all = Batch(columns: columns, count: count)
        var keyVectors: [ColumnVector] = []
        do {
            for key in keys { keyVectors.append(try key.evaluate(all)) }
        } catch {
            tracker.release(bytes)
            throw error
        }
        // Rows whose key has no NULL; the others never match.
        let validRows = UnsafeMutablePointer<Int32>.allocate(capacity: Swift.max(count, 1))
        defer { validRows.deallocate() }
        var validCount = 0
        if keyVectors.contains(where: { $0.type == .null }) {
            validCount = 0
        } else {
            // The AND of the keys' validity bits, a word at a time (no per-row walk over the keys).
            let wordCount = ValidityBitmap.wordCount(for: count)
            let bits = UnsafeMutablePointer<UInt64>.allocate(capacity: Swift.max(wordCount, 1))
            defer { bits.deallocate() }
            bits.initialize(repeating: ~0, count: Swift.max(wordCount, 1))
            for vector in keyVectors {
                guard let words = vector.validity.words else { continue }
                for w in 0..<wordCount { bits[w] &= words[w] }
            }
            for row in 0..<count {
                validRows[validCount] = Int32(truncatingIfNeeded: row)
                validCount &+= Int((bits[row &>> 6] &>> UInt64(row & 63)) & 1)
            }
        }
        hasNullKey = validCount < count
        let rowGroups = UnsafeMutablePointer<Int32>.allocate(capacity: Swift.max(validCount, 1))
        defer { rowGroups.deallocate() }
        let valid = UnsafeBufferPointer(start: validRows, count: validCount)
        let build = JoinBuild(
            columns: columns, keyVectors: keyVectors, validRows: valid, rowGroups: rowGroups, tracker: context.tracker,
            outputColumns: outputColumns)
        build.run(threads: context.options.threads)
        if let failure = build.failure {
            for entry in build.dictionaries { entry?.1.deallocate() }
            tracker.release(bytes)
            throw failure
        }
        let groupTable = build.groupTable, integerTable = build.integerTable
        self.groupTable = groupTable
        self.integerTable = integerTable
        self.pairKey = build.pairKey
        // Without keys (a nested loop) every row is in the one chain of key 0.
        let keyCount = keys.isEmpty ? (count > 0 ? 1 : 0) : integerTable?.count ?? groupTable?.groupCount ?? 0
        self.keyCount = keyCount
        heads = .allocate(capacity: Swift.max(keyCount, 1))
        heads.initialize(repeating: -1, count: Swift.max(keyCount, 1))
        next = .allocate(capacity: Swift.max(count, 1))
        next.initialize(repeating: -1, count: Swift.max(count, 1))
        // Insert in reverse so each chain lists rows in input order.
        for i in stride(from: validCount - 1, through: 0, by: -1) {
            let group = Int(rowGroups[i])
            next[Int(validRows[i])] = heads[group]
            heads[group] = validRows[i]
        }
        isUnique = (integerTable?.distinctCount ?? keyCount) == validCount
        var dictionaries = [ColumnVector?](repeating: nil, count: columns.count)
        var codes = [UnsafeMutablePointer<UInt32>?](repeating: nil, count: columns.count)
        for (task, column) in build.dictionaryColumns.enumerated() {
            dictionaries[column] = build.dictionaries[task]?.0
            codes[column] = build.dictionaries[task]?.1
        }
        self.dictionaries = dictionaries
        self.codes = codes
    }

    deinit {
        heads.deallocate()
        next.deallocate()
        for code in codes { code?.deallocate() }
        tracker.release(trackedBytes)
    }

    /// Column `index` of the build rows `rows` (-1 gives NULL), as a dictionary vector when the
    /// column has a dictionary.
    func gather(column index: Int, _ rows: UnsafeBufferPointer<Int32>) -> ColumnVector {
        guard let dictionary = dictionaries[index], let rowCodes = codes[index] else {
            return GatherKernel.gather(columns[index], rows)
        }
        let n = rows.count
        let out = ColumnVector(type: columns[index].type, capacity: Swift.max(n, 1))
        out.makeDictionary(dictionary, count: n)
        let target = out.data.assumingMemoryBound(to: UInt32.self)
        var missing = 0
        for i in 0..<n {
            let row = Int(rows[i])
            let isMatch = row >= 0
            target[i] = rowCodes[isMatch ? row : 0]
            missing &+= isMatch ? 0 : 1
        }
        let validity = columns[index].validity
        if missing > 0 || !validity.isAllValid {
            for i in 0..<n {
                let row = Int(rows[i])
                if row < 0 || !validity.isValid(at: row) { out.setValid(false, at: i) }
            }
        }
        return out
    }

    /// Writes the key number of each of the first `count` rows of `keys` to `groups`: -1 when no
    /// build row has the key, -2 when the key has a NULL.
    func find(_ keys: [ColumnVector], count: Int, into groups: UnsafeMutablePointer<Int32>, packer: KeyPacker) {
        if keys.contains(where: { $0.type == .null }) {
            groups.initialize(repeating: -2, count: count)
            return
        }
        if keyTypes.isEmpty {
            groups.initialize(repeating: keyCount > 0 ? 0 : -1, count: count)
        } else if let integerTable, let pairKey {
            integerTable.find(pairKey.combine(keys[0], keys[1], count: count), count: count, into: groups)
        } else if let integerTable {
            integerTable.find(keys[0], count: count, into: groups)
        } else if let groupTable {
            groupTable.find(keys, rowCount: count, into: groups, using: packer)
        } else {
            groups.initialize(repeating: -1, count: count)
        }
        for key in keys where !key.validity.isAllValid {
            let validity = key.validity
            for row in 0..<count where !validity.isValid(at: row) { groups[row] = -2 }
        }
    }
}
