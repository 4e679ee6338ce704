#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PlazaCore
import PlazaPlanner
import PlazaVector

/// ORDER BY, and ORDER BY … LIMIT k (top-N): rows are ordered by normalized keys, byte strings
/// that compare with memcmp exactly as the SQL keys do (see `SortKeyEncoder`).
///
/// Every worker buffers its rows; with a limit it sorts and cuts its buffer to the best k
/// whenever the buffer passes max(2k, 8192) rows, so the whole input is never sorted.
final class SortOperator: @unchecked Sendable {
    // Safe to share: immutable after init.
    let keys: [(node: ExpressionNode, isDescending: Bool, nullsFirst: Bool)]
    let limit: Int?
    let context: QueryContext

    init(keys: [SortKey], limit: Int?, compiler: ExpressionCompiler, context: QueryContext) throws(ExecutionError) {
        self.keys = try keys.map { (key) throws(ExecutionError) in (try compiler.compile(key.expression), key.isDescending, key.nullsFirst) }
        self.limit = limit
        self.context = context
    }

    static func describe(_ key: SortKey) -> String {
        (key.isDescending ? "DESC" : "ASC") + (key.nullsFirst ? " NULLS FIRST" : " NULLS LAST")
    }

    func run(_ pipeline: Pipeline) throws(ExecutionError) -> [Batch] {
        if limit == 0 { return [] }
        let sinks = try Scheduler.run(pipeline, context: context) { SortSink(op: self) }
        let merged = SortSink(op: self)
        for sink in sinks {
            for batch in sink.batches { try merged.consume(batch, morsel: 0) }
            sink.release()
        }
        return try merged.sortedBatches()
    }
}

/// One worker's rows (compacted batches) waiting to be sorted.
final class SortSink: LocalSink {
    let op: SortOperator
    var batches: [Batch] = []
    var rows = 0
    var trackedBytes = 0
    /// With a limit, once k rows are known: the normalized key of the k-th best row; later rows
    /// must sort strictly before it to matter.
    var cutoff: [UInt8]?

    init(op: SortOperator) { self.op = op }

    deinit { release() }

    func release() {
        op.context.tracker.release(trackedBytes)
        trackedBytes = 0
    }

    override func consume(_ batch: Batch, morsel: Int) throws(ExecutionError) {
        var compact = batch.compacted()
        if let cutoff {
            var keyVectors: [ColumnVector] = []
            for key in op.keys { keyVectors.append(try key.node.evaluate(compact)) }
            let encoder = SortKeyEncoder(keyVectors, op.keys.map { ($0.isDescending, $0.nullsFirst) }, count: compact.count)
            let kept = cutoff.withUnsafeBytes { encoder.rowsBefore($0) }
            if kept.isEmpty { return }
            if kept.count < compact.count { compact = kept.withUnsafeBufferPointer { compact.gathered($0) } }
        }
        batches.append(compact)
        rows += compact.count
        let bytes = compact.columns.reduce(0) { $0 + $1.count * Swift.max($1.byteWidth, 4) + $1.heapCount }
        try op.context.tracker.reserve(bytes, for: op.limit == nil ? "ORDER BY" : "top-N")
        trackedBytes += bytes
        if let limit = op.limit, rows > Swift.max(2 * limit, 8192) {
            let best = try sortedBatches()
            release()
            batches = []
            rows = 0
            for batch in best {
                batches.append(batch)
                rows += batch.count
                let b = batch.columns.reduce(0) { $0 + $1.count * Swift.max($1.byteWidth, 4) + $1.heapCount }
                try op.context.tracker.reserve(b, for: "top-N")
                trackedBytes += b
            }
        }
    }

    /// The buffered rows in key order (cut to the limit), in batches of ≤ 2,048 rows.
    func sortedBatches() throws(ExecutionError) -> [Batch] {
        guard rows > 0, let first = batches.first else { return [] }
        let columnCount = first.columns.count
        let columns = (0..<columnCount).map { c in GatherKernel.concatenate(batches.map { $0.columns[c] }, type: first.columns[c].type) }
        let all = Batch(columns: columns, count: rows)
        var keyVectors: [ColumnVector] = []
        for key in op.keys { keyVectors.append(try key.node.evaluate(all)) }
        let encoder = SortKeyEncoder(keyVectors, op.keys.map { ($0.isDescending, $0.nullsFirst) }, count: rows)
        var order = (0..<rows).map { Int32($0) }
        encoder.sort(&order)
        let kept = op.limit.map { Swift.min($0, rows) } ?? rows
        if let limit = op.limit, rows >= limit, limit > 0 { cutoff = encoder.key(Int(order[limit - 1])) }
        var result: [Batch] = []
        var start = 0
        while start < kept {
            let end = Swift.min(start + ColumnVector.batchCapacity, kept)
            let slice = order[start..<end]
            let batch = slice.withUnsafeBufferPointer { all.gathered($0) }
            result.append(batch)
            start = end
        }
        return result
    }
}

/// Encodes sort keys as byte strings whose memcmp order is the SQL order.
///
/// Per key: a NULL marker byte (0 for NULLS FIRST, 2 for NULLS LAST, 1 for a value), then for a
/// value its bytes, big-endian with the sign flipped (integers), IEEE bits made monotone (doubles),
/// or the UTF-8 bytes with 0x00 escaped as 0x00 0x01 and ended by 0x00 0x00 (strings); DESC
/// inverts the value bytes.
struct SortKeyEncoder {
    var bytes: [UInt8] = []
    var offsets: [Int] = [0]

    init(_ vectors: [ColumnVector], _ directions: [(isDescending: Bool, nullsFirst: Bool)], count: Int) {
        bytes.reserveCapacity(count * (vectors.count * 9 + 1))
        for row in 0..<count {
            for (vector, direction) in zip(vectors, directions) {
                if vector.type == .null || !vector.isValid(at: row) {
                    bytes.append(direction.nullsFirst ? 0 : 2)
                    continue
                }
                bytes.append(1)
                let start = bytes.count
                appendValue(vector, row)
                if direction.isDescending { for i in start..<bytes.count { bytes[i] = ~bytes[i] } }
            }
            offsets.append(bytes.count)
        }
    }

    private mutating func appendBigEndian(_ value: UInt64, _ width: Int) {
        // One append of the big-endian bytes instead of one per byte.
        let shifted = (value << UInt64((8 - width) * 8)).bigEndian
        withUnsafeBytes(of: shifted) { bytes.append(contentsOf: $0.prefix(width)) }
    }

    private mutating func appendValue(_ v: ColumnVector, _ row: Int) {
        switch v.physicalType {
        case .uint8: bytes.append(v.data.load(fromByteOffset: row, as: UInt8.self))
        case .int32:
            let x = v.data.load(fromByteOffset: row * 4, as: Int32.self)
            appendBigEndian(UInt64(UInt32(bitPattern: x) ^ 0x8000_0000), 4)
        case .int64:
            let x = v.data.load(fromByteOffset: row * 8, as: Int64.self)
            appendBigEndian(UInt64(bitPattern: x) ^ 0x8000_0000_0000_0000, 8)
        case .double:
            var x = v.data.load(fromByteOffset: row * 8, as: Double.self)
            if x == 0 { x = 0 }
            if x.isNaN { x = .nan }
            let bits = x.bitPattern
            appendBigEndian(bits & 0x8000_0000_0000_0000 != 0 ? ~bits : bits | 0x8000_0000_0000_0000, 8)
        case .interval:
            let i = v.data.load(fromByteOffset: row * 16, as: Interval.self)
            let total = (Int128(i.months) * 30 + Int128(i.days)) * Int128(86_400_000_000) + Int128(i.micros)
            let bits = UInt128(bitPattern: total) ^ (UInt128(1) << 127)
            appendBigEndian(UInt64(truncatingIfNeeded: bits >> 64), 8)
            appendBigEndian(UInt64(truncatingIfNeeded: bits), 8)
        case .string:
            for c in v.bytes(at: row) {
                bytes.append(c)
                if c == 0 { bytes.append(1) }
            }
            bytes.append(0)
            bytes.append(0)
        }
    }

    /// The key of `row`.
    func key(_ row: Int) -> [UInt8] { Array(bytes[offsets[row]..<offsets[row + 1]]) }

    /// Rows whose key sorts strictly before `other` (memcmp, then length).
    func rowsBefore(_ other: UnsafeRawBufferPointer) -> [Int32] {
        var kept: [Int32] = []
        bytes.withUnsafeBytes { all in
            offsets.withUnsafeBufferPointer { offsets in
                for row in 0..<(offsets.count - 1) {
                    let key = UnsafeRawBufferPointer(rebasing: all[offsets[row]..<offsets[row + 1]])
                    if CompareKernel.compareBytes(key, other) < 0 { kept.append(Int32(row)) }
                }
            }
        }
        return kept
    }

    /// Sorts row numbers by key, ties by row number (so the sort is stable).
    func sort(_ order: inout [Int32]) {
        bytes.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress!
            offsets.withUnsafeBufferPointer { offsets in
                order.sort { a, b in
                    let sa = offsets[Int(a)], la = offsets[Int(a) + 1] - sa
                    let sb = offsets[Int(b)], lb = offsets[Int(b) + 1] - sb
                    let common = Swift.min(la, lb)
                    let c = common == 0 ? 0 : memcmp(base + sa, base + sb, common)
                    if c != 0 { return c < 0 }
                    if la != lb { return la < lb }
                    return a < b
                }
            }
        }
    }
}
