import PlazaCore
import Synchronization
import PlazaPlanner
import PlazaVector

/// WHERE / HAVING: keeps the rows where the predicate is true, as a selection vector.
///
/// The predicate is split into its AND-ed conjuncts. Conjuncts over one dictionary-encoded column
/// run first, once per dictionary entry, then by code on the selected rows (cached per thread while
/// the row group's dictionary stays the same); the others run on the surviving rows only.
final class FilterStage: Stage, @unchecked Sendable {
    /// Where EXPLAIN ANALYZE counts the stage's rows and time, or nil.
    let profile: OperatorProfile?
    /// The conjuncts, dictionary-capable ones first, each with its single column if it has one.
    let conjuncts: [(node: ExpressionNode, dictionaryColumn: Int?)]

    convenience init(predicate: ExpressionNode, profile: OperatorProfile?) {
        var parts: [ExpressionNode] = []
        func split(_ node: ExpressionNode) {
            if let logic = node as? LogicNode, logic.isAnd {
                logic.arguments.forEach(split)
            } else {
                parts.append(node)
            }
        }
        split(predicate)
        self.init(conjuncts: parts, profile: profile)
    }

    /// A filter keeping the rows where every one of `conjuncts` is true.
    init(conjuncts parts: [ExpressionNode], profile: OperatorProfile?, masks: Bool = true) {
        let tagged = parts.map { ($0, FilterStage.singleColumn($0)) }
        self.conjuncts = tagged.filter { $0.1 != nil } + tagged.filter { $0.1 == nil }
        self.profile = profile
        if masks {
            let columns = parts.map { ScanPlan.columns(of: $0)?.max() ?? -1 }.max() ?? -1
            let fused = ScanFilter(self, columnCount: columns + 1)
            self.masked = fused.conjuncts.isEmpty ? nil : fused
        }
    }

    /// The conjuncts that never fail, ANDed into a row mask over a batch without a selection
    /// (no copy of the rows); nil when there are none.
    private(set) var masked: ScanFilter?

    func process(_ input: Batch, _ worker: WorkerState) throws(ExecutionError) -> [Batch] {
        if input.selection == nil, let masked {
            let scratch = worker.filterScratch
            let survivors = try masked.copy(for: scratch).evaluate(input, cursor: nil, scratch: scratch, worker: worker)
            if survivors == 0 { return [] }
            var batch = input
            if survivors < input.count {
                let selection = SelectionVector(capacity: input.count, slack: 8)
                selection.count = FilterMask.select(
                    scratch.mask(for: input.count), count: input.count, into: selection.indices)
                batch = Batch(columns: input.columns, count: input.count, selection: selection)
            }
            return try masked.rest?.process(batch, worker) ?? [batch]
        }
        var batch = input.compacted()
        var selected: SelectionVector?  // nil: every row of `batch`
        for (index, conjunct) in conjuncts.enumerated() {
            if let column = conjunct.dictionaryColumn, let dictionary = batch.columns[column].dictionary {
                let matches = try dictionaryMatches(dictionary, conjunct.node, key: index, worker)
                let codes = batch.columns[column].values(as: UInt32.self)
                let validity = batch.columns[column].validity
                let out = SelectionVector(capacity: Swift.max(batch.count, 1))
                var n = 0
                matches.withUnsafeBufferPointer { m in
                    if let selected {
                        for i in 0..<selected.count {
                            let row = Int(selected.indices[i])
                            out.indices[n] = Int32(truncatingIfNeeded: row)
                            // NULL rows may hold any code; read entry 0 for them instead.
                            let isValid = validity.isValid(at: row)
                            n &+= Int(m[isValid ? Int(codes[row]) : 0] & (isValid ? 1 : 0))
                        }
                    } else if validity.isAllValid {
                        for row in 0..<batch.count {
                            out.indices[n] = Int32(truncatingIfNeeded: row)
                            n &+= Int(m[Int(codes[row])])
                        }
                    } else {
                        for row in 0..<batch.count {
                            out.indices[n] = Int32(truncatingIfNeeded: row)
                            let isValid = validity.isValid(at: row)
                            n &+= Int(m[isValid ? Int(codes[row]) : 0] & (isValid ? 1 : 0))
                        }
                    }
                }
                out.count = n
                selected = out
            } else {
                if let current = selected {
                    // Later conjuncts see only the surviving rows.
                    batch = batch.gathered(UnsafeBufferPointer(current.buffer))
                    selected = nil
                }
                let flags = try conjunct.node.evaluate(batch)
                if flags.type == .null { return [] }
                let out = SelectionVector(capacity: Swift.max(batch.count, 1))
                out.count = FilterKernel.select(
                    flags.data.assumingMemoryBound(to: UInt8.self), validity: flags.validity, count: batch.count,
                    into: out.indices)
                selected = out
            }
            if selected!.count == 0 { return [] }
        }
        guard let selected, selected.count < batch.count else { return [batch] }
        return [Batch(columns: batch.columns, count: batch.count, selection: selected)]
    }

    /// Whether each entry of `dictionary` passes `predicate` (0 or 1), cached per thread while
    /// the same dictionary keeps coming.
    func dictionaryMatches(_ dictionary: ColumnVector, _ predicate: ExpressionNode, key: Int, _ worker: WorkerState)
        throws(ExecutionError) -> [UInt8]
    {
        let cacheKey = CacheKey(stage: ObjectIdentifier(self), conjunct: key)
        if let cached = worker.dictionaryMatches[cacheKey], cached.dictionary === dictionary { return cached.matches }
        let column = FilterStage.singleColumn(predicate) ?? 0
        let entries = Batch(columns: Array(repeating: dictionary, count: column + 1), count: dictionary.count)
        let flags = try predicate.evaluate(entries)
        var matches = [UInt8](repeating: 0, count: Swift.max(dictionary.count, 1))
        if flags.type != .null {
            let values = flags.data.assumingMemoryBound(to: UInt8.self)
            for entry in 0..<dictionary.count where flags.isValid(at: entry) { matches[entry] = values[entry] & 1 }
        }
        worker.dictionaryMatches[cacheKey] = (dictionary, matches)
        return matches
    }

    /// Functions that never fail and give NULL (so: not selected) for a NULL input.
    static let dictionarySafe: Set<ScalarFunction> = [
        .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual, .like, .ilike, .startsWith, .contains, .not,
        .lower, .upper, .length, .trim, .ltrim, .rtrim,
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
            case let f as FunctionNode:
                return f.name.map(dictionarySafe.contains) == true && f.arguments.allSatisfy(visit)
            case let c as CompareConstantNode: return visit(c.input)
            // A NULL row is never selected by code, so the node must be NULL whenever the column is:
            // `s = 'x' OR contains('ab', 'b')` is TRUE for a NULL `s`. Every argument of AND, OR
            // and NOT must read the column (the functions above give NULL for a NULL input).
            case let l as LogicNode: return l.arguments.allSatisfy { visit($0) && readsColumn($0) }
            case let s as InSetNode: return visit(s.needle)
            default: return false
            }
        }
        return visit(node) ? column : nil
    }

    /// Whether `node` reads a column anywhere below it.
    private static func readsColumn(_ node: ExpressionNode) -> Bool {
        switch node {
        case is ColumnNode: return true
        case let f as FunctionNode: return f.arguments.contains(where: readsColumn)
        case let c as CompareConstantNode: return readsColumn(c.input)
        case let l as LogicNode: return l.arguments.contains(where: readsColumn)
        case let s as InSetNode: return readsColumn(s.needle)
        default: return false
        }
    }
}

/// SELECT list: computes one column per expression; plain column references are passed through
/// (dictionary vectors and selection kept).
final class ProjectStage: Stage, @unchecked Sendable {
    /// Where EXPLAIN ANALYZE counts the stage's rows and time, or nil.
    let profile: OperatorProfile?
    let expressions: [ExpressionNode]
    /// The input column of each expression when every one is a plain column reference, else nil.
    let passThroughColumns: [Int]?

    /// The input columns the expressions read, or nil when unknown (then every column is compacted).
    let referenced: Set<Int>?
    /// Whether every expression never fails, so that a dense selection can be kept (see `process`).
    let keepsSelection: Bool

    init(expressions: [ExpressionNode], profile: OperatorProfile?) {
        self.expressions = expressions
        let columns = expressions.compactMap { ($0 as? ColumnNode)?.index }
        self.passThroughColumns = columns.count == expressions.count ? columns : nil
        var referenced: Set<Int>? = []
        for expression in expressions {
            guard let columns = ScanPlan.columns(of: expression) else {
                referenced = nil
                break
            }
            referenced?.formUnion(columns)
        }
        self.referenced = referenced
        self.keepsSelection = expressions.allSatisfy(\.neverFails)
        self.profile = profile
    }

    /// Whether a selection keeps `selected` of `count` rows, enough that computing over every row
    /// costs less than copying the live rows of each column read first.
    static func isDense(_ selected: Int, of count: Int) -> Bool { selected &* 4 >= count &* 3 }

    /// `input` without a selection, copying only the columns the expressions read (the others
    /// keep their uncompacted vectors, which nothing reads).
    private func compactedInput(_ input: Batch) -> Batch {
        guard let referenced else { return input.compacted() }
        return input.compacted(reading: referenced)
    }

    func process(_ input: Batch, _ worker: WorkerState) throws(ExecutionError) -> [Batch] {
        if let passThroughColumns {
            return [
                Batch(
                    columns: passThroughColumns.map { input.columns[$0] }, count: input.count,
                    selection: input.selection)
            ]
        }
        if let selection = input.selection, keepsSelection, ProjectStage.isDense(selection.count, of: input.count) {
            // Computed over every row, the few left out included (nothing can fail), and the
            // selection passed on: no copy of the live rows (a fifth of a 98%-selective aggregate).
            return [Batch(columns: try evaluate(input), count: input.count, selection: selection)]
        }
        let batch = compactedInput(input)
        return [Batch(columns: try evaluate(batch), count: batch.count)]
    }

    /// The expressions' values over every row of `batch` (its selection ignored); a bare column
    /// is passed on as it is.
    private func evaluate(_ batch: Batch) throws(ExecutionError) -> [ColumnVector] {
        var columns: [ColumnVector] = []
        columns.reserveCapacity(expressions.count)
        for expression in expressions {
            if let column = expression as? ColumnNode {
                columns.append(batch.columns[column.index])
            } else {
                columns.append(try expression.evaluate(batch))
            }
        }
        return columns
    }
}

/// Collects batches per morsel, so the result keeps the sequential order whatever the threads.
///
/// With a limit, the run stops once a prefix of morsels (in scan order) holds enough rows, so the
/// rows kept are the ones a single thread would keep.
struct CollectSink: PipelineSink {
    let progress: LimitProgress?
    let stop: StopFlag?
    let tracker: MemoryTracker?

    init(progress: LimitProgress? = nil, stop: StopFlag? = nil, tracker: MemoryTracker? = nil) {
        self.progress = progress
        self.stop = stop
        self.tracker = tracker
    }

    /// One worker's batches, each tagged with its morsel and arrival.
    final class Parts {
        var parts: [(morsel: Int, sequence: Int, batch: Batch)] = []
        var rowsInMorsel: [Int: Int] = [:]
        let tracker: MemoryTracker?
        var trackedBytes = 0

        init(tracker: MemoryTracker?) { self.tracker = tracker }

        deinit { tracker?.release(trackedBytes) }
    }

    func makeLocalState(worker: Int) -> Parts { Parts(tracker: tracker) }

    func sink(_ batch: Batch, into local: Parts, morsel: Int) throws(ExecutionError) {
        // A batch that keeps few of its rows is kept compacted: passed through a filter as it is,
        // it would hold the scan's whole vectors (a 1% DELETE kept 160 MB of row ids for 1.6 MB).
        let sparse = batch.selection != nil && batch.liveCount &* 2 < batch.count
        let batch = sparse ? batch.compacted() : batch
        local.parts.append((morsel, local.parts.count, batch))
        if let tracker {
            let bytes = MemoryTracker.bytes(of: batch)
            try tracker.reserve(bytes, for: "collecting rows")
            local.trackedBytes += bytes
        }
        if let progress, let stop {
            let rows = local.rowsInMorsel[morsel, default: 0] + batch.liveCount
            local.rowsInMorsel[morsel] = rows
            if progress.covers(morsel: morsel, rows: rows) { stop.set() }
        }
    }

    func finishMorsel(_ morsel: Int, of local: Parts) {
        if let progress, let stop, progress.finish(morsel: morsel, rows: local.rowsInMorsel[morsel, default: 0]) {
            stop.set()
        }
    }

    /// All collected batches, ordered by morsel then arrival (the memory stays reserved until
    /// the local states go).
    func combine(_ locals: [Parts]) -> [Batch] {
        locals.flatMap(\.parts).sorted { ($0.morsel, $0.sequence) < ($1.morsel, $1.sequence) }.map(\.batch)
    }
}

/// Which morsels of a LIMIT run are complete, to know when a prefix holds enough rows.
final class LimitProgress: Sendable {
    let needed: Int
    private let state = Mutex<(done: [Int: Int], prefixEnd: Int, prefixRows: Int)>(([:], 0, 0))

    init(needed: Int) { self.needed = needed }

    /// Records a finished morsel; true when the finished prefix holds enough rows.
    func finish(morsel: Int, rows: Int) -> Bool {
        state.withLock { s in
            s.done[morsel] = rows
            while let r = s.done[s.prefixEnd] {
                s.prefixRows += r
                s.done[s.prefixEnd] = nil
                s.prefixEnd += 1
            }
            return s.prefixRows >= needed
        }
    }

    /// Whether every morsel before `morsel` is finished and, with `rows` of it, there are enough rows.
    func covers(morsel: Int, rows: Int) -> Bool {
        state.withLock { s in s.prefixEnd == morsel && s.prefixRows + rows >= needed }
    }
}
