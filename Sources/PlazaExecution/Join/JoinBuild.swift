import Dispatch
import PlazaCore
import PlazaVector

/// The independent parts of building a `JoinTable`, run on all cores for large build sides:
/// task 0 numbers the distinct keys (integer table or packed-key group table), each further
/// task computes one output column's dictionary.
final class JoinBuild: @unchecked Sendable {
    // Safe to share: task 0 writes only `rowGroups`, `groupTable`, `integerTable`, `pairKey` and `failure`;
    // task i > 0 writes only `dictionaries[i - 1]`; everything is read after all tasks joined.
    let columns: [ColumnVector]
    let keyVectors: [ColumnVector]
    let validRows: UnsafeBufferPointer<Int32>
    let rowCount: Int
    let rowGroups: UnsafeMutablePointer<Int32>
    let tracker: MemoryTracker
    /// The columns that get a dictionary, in task order.
    let dictionaryColumns: [Int]
    /// Per dictionary column: its dictionary and row codes (raw storage: tasks write their slots concurrently).
    let dictionaries: UnsafeMutableBufferPointer<(ColumnVector, UnsafeMutablePointer<UInt32>)?>
    var groupTable: GroupTable?
    var integerTable: IntegerKeyTable?
    /// Set when two integer keys are looked up as one packed key in `integerTable`.
    var pairKey: IntegerPairKey?
    var failure: ExecutionError?
    /// Threads the key insert may use (set by `run`).
    private var threads = 1

    init(
        columns: [ColumnVector], keyVectors: [ColumnVector], validRows: UnsafeBufferPointer<Int32>,
        rowGroups: UnsafeMutablePointer<Int32>, tracker: MemoryTracker, outputColumns: Set<Int>? = nil
    ) {
        self.columns = columns
        self.keyVectors = keyVectors
        self.validRows = validRows
        self.rowCount = columns.first?.count ?? 0
        self.rowGroups = rowGroups
        self.tracker = tracker
        let count = rowCount
        // Not DOUBLE: key packing merges -0.0 with 0.0 and every NaN, which values must keep apart.
        // Not for a nested loop (no keys): its pairs are many, and expressions above would decode
        // the codes of every pair again.
        let fixedWidthDictionaries = count <= JoinTable.fixedWidthDictionaryRows && !keyVectors.isEmpty
        dictionaryColumns = columns.indices.filter {
            (outputColumns?.contains($0) ?? true)
                && (columns[$0].physicalType == .string
                    || (fixedWidthDictionaries && columns[$0].physicalType != .double))
        }
        dictionaries = .allocate(capacity: dictionaryColumns.count)
        dictionaries.initialize(repeating: nil)
    }

    deinit {
        // The codes buffers now belong to the JoinTable (or were freed on failure).
        _ = dictionaries.deinitialize()
        dictionaries.deallocate()
    }

    var taskCount: Int { 1 + dictionaryColumns.count }

    /// Runs every task, on `threads` cores when the build is large enough to pay for it.
    func run(threads: Int) {
        self.threads = threads
        if threads > 1 && validRows.count >= 1 << 15 && taskCount > 1 {
            DispatchQueue.concurrentPerform(iterations: taskCount) { self.run(task: $0) }
        } else {
            for task in 0..<taskCount { run(task: task) }
        }
    }

    private func run(task: Int) {
        if task > 0 {
            dictionaries[task - 1] = JoinBuild.dictionary(of: columns[dictionaryColumns[task - 1]])
            return
        }
        let validCount = validRows.count
        if keyVectors.isEmpty {
            // A join without keys: every row belongs to key 0.
            for i in 0..<validCount { rowGroups[i] = 0 }
        } else if keyVectors.count == 1, IntegerKeyTable.supports(keyVectors[0]) {
            let table = IntegerKeyTable(capacity: validCount)
            table.insert(keyVectors[0], rows: validRows, into: rowGroups, threads: threads)
            integerTable = table
        } else if keyVectors.count == 2, let pair = IntegerPairKey(keyVectors[0], keyVectors[1], rows: validRows) {
            let table = IntegerKeyTable(capacity: validCount)
            table.insert(
                pair.combine(keyVectors[0], keyVectors[1], count: rowCount), rows: validRows, into: rowGroups,
                threads: threads)
            integerTable = table
            pairKey = pair
        } else if validCount > 0 {
            let dense = keyVectors.map { validCount == rowCount ? $0 : GatherKernel.gather($0, validRows) }
            do {
                let table = try GroupTable(
                    types: keyVectors.map(\.type), tracker: tracker, operatorName: "hash join build")
                try table.findOrInsert(dense, rowCount: validCount, into: rowGroups)
                groupTable = table
            } catch {
                failure = error
            }
        }
    }

    /// The distinct non-NULL values of `column` and the code of each row (0 for NULL rows); nil
    /// when the system has no memory for them (the column is then gathered without a dictionary).
    static func dictionary(of column: ColumnVector) -> (ColumnVector, UnsafeMutablePointer<UInt32>)? {
        let count = column.count
        if column.physicalType == .string && !column.isDictionary {
            let codes = UnsafeMutablePointer<UInt32>.allocate(capacity: Swift.max(count, 1))
            codes.initialize(repeating: 0, count: Swift.max(count, 1))
            let firstRows = TextDistinct.number(column, codes: codes)
            let entries = firstRows.withUnsafeBufferPointer { GatherKernel.gather(column, $0) }
            return (entries, codes)
        }
        // Untracked: the build rows it describes are counted already; only a failed allocation stops it.
        guard let table = try? GroupTable(types: [column.type], tracker: nil, operatorName: "hash join build") else {
            return nil
        }
        let codes = UnsafeMutablePointer<UInt32>.allocate(capacity: Swift.max(count, 1))
        codes.initialize(repeating: 0, count: Swift.max(count, 1))
        var rows: [Int32] = []
        for row in 0..<count where column.isValid(at: row) { rows.append(Int32(truncatingIfNeeded: row)) }
        if rows.isEmpty { return (ColumnVector(type: column.type, capacity: 1), codes) }
        let groups = UnsafeMutablePointer<Int32>.allocate(capacity: rows.count)
        defer { groups.deallocate() }
        let dense = rows.count == count ? column : rows.withUnsafeBufferPointer { GatherKernel.gather(column, $0) }
        do { try table.findOrInsert([dense], rowCount: rows.count, into: groups) } catch {
            codes.deallocate()
            return nil
        }
        for (i, row) in rows.enumerated() { codes[Int(row)] = UInt32(truncatingIfNeeded: groups[i]) }
        return (table.keyColumns(0..<table.groupCount)[0], codes)
    }
}
