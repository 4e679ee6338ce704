import PlazaCore
import PlazaVector

/// Reads one sorted run row by row: an in-memory run, or a spilled run's files one chunk at a time.
final class SortRunCursor {
    /// The rows the cursor is in (flat), and their keys.
    private(set) var rows: Batch
    private(set) var keys: SortKeyEncoder
    private(set) var position = 0
    private var end: Int
    /// For a spilled run: the files still to read, their column types, and the operator that
    /// evaluates keys.
    private var files: ArraySlice<String>
    private let types: [DataType]
    private var reader: SpillReader?
    private let op: SortOperator?

    init(run: SortRun) {
        rows = run.rows
        keys = run.keys
        end = run.rows.count
        files = []
        types = []
        op = nil
    }

    /// A cursor over the files of a spilled run, or nil when they hold no rows.
    init?(files: [String], types: [DataType], op: SortOperator) throws(ExecutionError) {
        self.files = files[...]
        self.types = types
        self.op = op
        rows = Batch(columns: [], count: 0)
        keys = SortKeyEncoder([], [], count: 0)
        end = 0
        if try !loadNext() { return nil }
    }

    /// Whether every row has been read.
    var isDone: Bool { position >= end }

    /// The position in `rows` of the current row (runs hold their rows in order).
    @inline(__always)
    var row: Int { position }

    /// Moves to the next row; false when the current batch is used up (call `loadNext`).
    @inline(__always)
    func advance() -> Bool {
        position += 1
        return position < end
    }

    /// Loads the next batch of a spilled run; false when there is none.
    func loadNext() throws(ExecutionError) -> Bool {
        guard let op else { return false }
        while true {
            if let reader, let batch = try reader.next() {
                rows = batch
                keys = try op.encodeKeys(batch)
                position = 0
                end = batch.count
                return true
            }
            guard let file = files.popFirst() else {
                reader = nil
                return false
            }
            reader = try SpillReader(path: file, types: types)
        }
    }
}

/// The k-way merge of sorted runs into batches of at most 2,048 rows.
struct SortMerge {
    let op: SortOperator
    let cursors: [SortRunCursor]

    func merge() throws(ExecutionError) -> [Batch] {
        var result: [Batch] = []
        let wanted = op.wanted ?? Int.max
        var produced = 0
        if cursors.count == 1, cursors[0].rows.count > 0, !cursors[0].isDone {
            // One run: its order is the result.
            let cursor = cursors[0]
            var picks: [Int32] = []
            picks.reserveCapacity(ColumnVector.batchCapacity)
            repeat {
                picks.append(Int32(cursor.row))
                if picks.count == ColumnVector.batchCapacity || produced + picks.count == wanted {
                    result.append(picks.withUnsafeBufferPointer { cursor.rows.gathered($0) })
                    produced += picks.count
                    picks.removeAll(keepingCapacity: true)
                    if produced == wanted { return result }
                }
                if !cursor.advance() {
                    if !picks.isEmpty {
                        result.append(picks.withUnsafeBufferPointer { cursor.rows.gathered($0) })
                        produced += picks.count
                        picks.removeAll(keepingCapacity: true)
                    }
                    if try !cursor.loadNext() { break }
                }
            } while produced < wanted
            return result
        }
        var live = cursors.filter { !$0.isDone }
        var pickRun: [Int32] = []
        var pickRow: [Int32] = []
        pickRun.reserveCapacity(ColumnVector.batchCapacity)
        pickRow.reserveCapacity(ColumnVector.batchCapacity)
        func flush() {
            if pickRun.isEmpty { return }
            result.append(SortMerge.gather(live.map(\.rows), runs: pickRun, rows: pickRow))
            produced += pickRun.count
            pickRun.removeAll(keepingCapacity: true)
            pickRow.removeAll(keepingCapacity: true)
        }
        while !live.isEmpty && produced + pickRun.count < wanted {
            // The run whose current key is smallest; ties go to the earlier run.
            var best = 0
            for candidate in 1..<live.count
            where live[candidate].keys.compare(live[candidate].row, live[best].keys, live[best].row) < 0 {
                best = candidate
            }
            let cursor = live[best]
            pickRun.append(Int32(best))
            pickRow.append(Int32(cursor.row))
            if pickRun.count == ColumnVector.batchCapacity { flush() }
            if !cursor.advance() {
                // The picks point into this cursor's batch: emit them before it changes.
                flush()
                if try !cursor.loadNext() { live.remove(at: best) }
            }
        }
        flush()
        if produced > wanted, let last = result.popLast() {
            let keep = last.count - (produced - wanted)
            result.append((0..<Int32(keep)).map { $0 }.withUnsafeBufferPointer { last.gathered($0) })
        }
        return result
    }

    /// A flat batch whose row `i` is row `rows[i]` of `sources[runs[i]]` (all flat, same types).
    static func gather(_ sources: [Batch], runs: [Int32], rows: [Int32]) -> Batch {
        let count = runs.count
        var columns: [ColumnVector] = []
        for c in 0..<sources[0].columns.count {
            let vectors = sources.map { $0.columns[c] }
            let out = ColumnVector(type: vectors[0].type, capacity: Swift.max(count, 1))
            runs.withUnsafeBufferPointer { runs in
                rows.withUnsafeBufferPointer { rows in
                    switch out.physicalType {
                    case .uint8: gatherFixed(vectors, out, runs, rows, UInt8.self)
                    case .int32: gatherFixed(vectors, out, runs, rows, Int32.self)
                    case .int64: gatherFixed(vectors, out, runs, rows, Int64.self)
                    case .double: gatherFixed(vectors, out, runs, rows, Double.self)
                    case .interval: gatherFixed(vectors, out, runs, rows, Interval.self)
                    case .int128: gatherFixed(vectors, out, runs, rows, Int128.self)
                    case .string: gatherStrings(vectors, out, runs, rows)
                    }
                    if vectors.contains(where: \.hasNulls) {
                        for i in 0..<count where !vectors[Int(runs[i])].isValid(at: Int(rows[i])) {
                            out.setValid(false, at: i)
                        }
                    }
                }
            }
            columns.append(out)
        }
        return Batch(columns: columns, count: count)
    }

    @inline(__always)
    private static func gatherFixed<T>(
        _ vectors: [ColumnVector], _ out: ColumnVector, _ runs: UnsafeBufferPointer<Int32>,
        _ rows: UnsafeBufferPointer<Int32>, _: T.Type
    ) {
        let inputs = vectors.map { UnsafePointer($0.data.assumingMemoryBound(to: T.self)) }
        let output = out.data.assumingMemoryBound(to: T.self)
        inputs.withUnsafeBufferPointer { inputs in
            for i in 0..<runs.count { output[i] = inputs[Int(runs[i])][Int(rows[i])] }
        }
        out.setCount(runs.count)
    }

    private static func gatherStrings(
        _ vectors: [ColumnVector], _ out: ColumnVector, _ runs: UnsafeBufferPointer<Int32>,
        _ rows: UnsafeBufferPointer<Int32>
    ) {
        var total = 0
        for i in 0..<runs.count {
            let offsets = vectors[Int(runs[i])].offsets, row = Int(rows[i])
            total += Int(offsets[row + 1] - offsets[row])
        }
        out.reserveHeap(total)
        let target = out.offsets, heap = out.heap
        var position = 0
        for i in 0..<runs.count {
            let source = vectors[Int(runs[i])], row = Int(rows[i])
            let start = Int(source.offsets[row]), length = Int(source.offsets[row + 1]) - start
            if length > 0 { (heap + position).copyMemory(from: source.heap + start, byteCount: length) }
            position += length
            target[i + 1] = Int32(position)
        }
        out.setHeapCount(position)
        out.setCount(runs.count)
    }
}
