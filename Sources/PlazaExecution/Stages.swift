import PlazaCore
import PlazaPlanner
import PlazaVector

/// WHERE / HAVING: keeps the rows where the predicate is true, as a selection vector.
///
/// A predicate over one dictionary-encoded column is evaluated once per dictionary entry and then
/// looked up by code (cached per thread while the row group's dictionary stays the same).
final class FilterStage: Stage, @unchecked Sendable {
    let predicate: ExpressionNode
    /// The column of a single-column predicate that can run on dictionary entries, if any.
    let dictionaryColumn: Int?

    init(predicate: ExpressionNode, profile: OperatorProfile?) {
        self.predicate = predicate
        self.dictionaryColumn = FilterStage.singleColumn(predicate)
        super.init(profile: profile)
    }

    override func process(_ input: Batch, _ worker: WorkerState) throws(ExecutionError) -> [Batch] {
        let batch = input.compacted()
        let count = batch.count
        let selection = SelectionVector(capacity: Swift.max(count, 1))
        if let column = dictionaryColumn, let dictionary = batch.columns[column].dictionary {
            let matches = try dictionaryMatches(dictionary, column: column, worker)
            let codes = batch.columns[column].values(as: UInt32.self)
            let validity = batch.columns[column].validity
            var n = 0
            matches.withUnsafeBufferPointer { m in
                for row in 0..<count {
                    selection.indices[n] = Int32(truncatingIfNeeded: row)
                    let valid: UInt8 = validity.isValid(at: row) ? 1 : 0
                    n &+= Int(m[Int(codes[row])] & valid)
                }
            }
            selection.count = n
        } else {
            let flags = try predicate.evaluate(batch)
            if flags.type == .null { return [] }
            selection.count = FilterKernel.select(flags.data.assumingMemoryBound(to: UInt8.self), validity: flags.validity, count: count, into: selection.indices)
        }
        if selection.count == 0 { return [] }
        if selection.count == count { return [batch] }
        return [Batch(columns: batch.columns, count: count, selection: selection)]
    }

    private func dictionaryMatches(_ dictionary: ColumnVector, column: Int, _ worker: WorkerState) throws(ExecutionError) -> [UInt8] {
        let key = ObjectIdentifier(self)
        if let cached = worker.dictionaryMatches[key], cached.dictionary === dictionary { return cached.matches }
        let entries = Batch(columns: Array(repeating: dictionary, count: column + 1), count: dictionary.count)
        let flags = try predicate.evaluate(entries)
        var matches = [UInt8](repeating: 0, count: dictionary.count)
        if flags.type != .null {
            let values = flags.data.assumingMemoryBound(to: UInt8.self)
            for entry in 0..<dictionary.count where flags.isValid(at: entry) { matches[entry] = values[entry] & 1 }
        }
        worker.dictionaryMatches[key] = (dictionary, matches)
        return matches
    }

    /// Functions that never fail and give NULL (so: not selected) for a NULL input.
    static let dictionarySafe: Set<String> = [
        "=", "<>", "<", "<=", ">", ">=", "like", "ilike", "starts_with", "contains", "not",
        "lower", "upper", "length", "trim", "ltrim", "rtrim",
    ]

    /// The one column `node` reads, when evaluating it per dictionary entry is exact.
    static func singleColumn(_ node: ExpressionNode) -> Int? {
        var column: Int?
        func visit(_ node: ExpressionNode) -> Bool {
            switch node {
            case let c as ColumnNode:
                if let column, column != c.index { return false }
                column = c.index
                return true
            case is LiteralNode: return true
            case let f as FunctionNode: return dictionarySafe.contains(f.name) && f.arguments.allSatisfy(visit)
            case let l as LogicNode: return l.arguments.allSatisfy(visit)
            case let s as InSetNode: return visit(s.needle)
            default: return false
            }
        }
        return visit(node) ? column : nil
    }
}

/// SELECT list: computes one column per expression; plain column references are passed through
/// (dictionary vectors and selection kept).
final class ProjectStage: Stage, @unchecked Sendable {
    let expressions: [ExpressionNode]
    let isPassThrough: Bool

    init(expressions: [ExpressionNode], profile: OperatorProfile?) {
        self.expressions = expressions
        self.isPassThrough = expressions.allSatisfy { $0 is ColumnNode }
        super.init(profile: profile)
    }

    override func process(_ input: Batch, _ worker: WorkerState) throws(ExecutionError) -> [Batch] {
        if isPassThrough {
            return [Batch(columns: expressions.map { input.columns[($0 as! ColumnNode).index] }, count: input.count, selection: input.selection)]
        }
        let batch = input.compacted()
        var columns: [ColumnVector] = []
        columns.reserveCapacity(expressions.count)
        for expression in expressions {
            if let column = expression as? ColumnNode {
                columns.append(batch.columns[column.index])
            } else {
                columns.append(try expression.evaluate(batch))
            }
        }
        return [Batch(columns: columns, count: batch.count)]
    }
}

/// Collects batches per morsel, so the result keeps the sequential order whatever the threads.
final class CollectSink: LocalSink {
    var parts: [(morsel: Int, sequence: Int, batch: Batch)] = []
    var rows = 0
    let limit: Int?
    let stop: StopFlag?
    let tracker: MemoryTracker?
    var trackedBytes = 0

    init(limit: Int? = nil, stop: StopFlag? = nil, tracker: MemoryTracker? = nil) {
        self.limit = limit
        self.stop = stop
        self.tracker = tracker
    }

    override func consume(_ batch: Batch, morsel: Int) throws(ExecutionError) {
        parts.append((morsel, parts.count, batch))
        rows += batch.liveCount
        if let tracker {
            let bytes = batch.columns.reduce(0) { $0 + $1.count * Swift.max($1.byteWidth, 4) + $1.heapCount }
            try tracker.reserve(bytes, for: "collecting rows")
            trackedBytes += bytes
        }
        if let limit, rows >= limit, let stop {
            // Earlier morsels may still be running elsewhere; stopping is safe only when this
            // worker alone covers the rows needed, which the caller ensures by ordering below.
            stop.set()
        }
    }

    deinit { tracker?.release(trackedBytes) }

    /// All collected batches of `sinks`, ordered by morsel then arrival.
    static func ordered(_ sinks: [CollectSink]) -> [Batch] {
        sinks.flatMap(\.parts).sorted { ($0.morsel, $0.sequence) < ($1.morsel, $1.sequence) }.map(\.batch)
    }
}
