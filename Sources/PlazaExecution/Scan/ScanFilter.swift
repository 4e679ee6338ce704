import PlazaCore
import PlazaPlanner
import PlazaVector

/// A WHERE right above a scan, evaluated on each batch as the scan decodes it: the conjuncts that
/// never fail (`column op constant`, `IS [NOT] NULL`, single-column tests run once per dictionary
/// entry) are ANDed into a bit mask, 64 rows a word, skipping those the block's statistics prove
/// true; only a batch with survivors gets its other columns decoded. A tested column is itself
/// decoded only when its turn comes, at the rows the columns before it left when they are few
/// (TPC-H Q6's `l_quantity` after its date and discount). The remaining conjuncts then run on the
/// survivors, as `FilterStage` runs them.
final class ScanFilter: @unchecked Sendable {
    // Safe: immutable after `setLateColumns`, which runs before any worker starts; only a worker's
    // own copy (`copy(for:)`) changes its column order, counters and flags, on that worker's thread.

    /// One conjunct evaluated into the mask (a class: iterating the conjuncts of every batch
    /// copied each field of a struct through value witnesses, 3% of a scan).
    final class Conjunct {
        enum Kind {
            /// `column op constant` on a flat column; `holder` is the constant as a one-row vector.
            case compare(column: Int, op: CompareKernel.Operator, holder: ColumnVector)
            /// `column IS NULL` (`isNull`) or `column IS NOT NULL`.
            case nullTest(column: Int, isNull: Bool)
            /// A test of one column that never fails: per entry on dictionary vectors, else on every row.
            case singleColumn(column: Int)
        }
        let kind: Kind
        /// The compiled conjunct (for dictionary entries and flat single-column tests).
        let node: ExpressionNode
        /// Its position in the stage, the key of its per-thread dictionary cache.
        let key: Int
        /// What a block's statistics may prove true for every row, if anything.
        let predicate: ScanPredicate?
        /// On a dictionary vector, the positions in `conjuncts` of every compare or single-column
        /// test of this column, when this is the first of them (they run as one pass over the
        /// codes, their results ANDed per entry); empty for the others.
        fileprivate(set) var sameColumn: [Int] = []
        /// On a flat integer vector: the position of a later compare of this column bounding it
        /// from the other side (`>= lo` with `< hi`), run with this one as one range test.
        fileprivate(set) var rangePartner: Int?
        /// Whether an earlier compare runs this one with it as a range test (on a flat vector).
        fileprivate(set) var isRangePartner = false

        init(kind: Kind, node: ExpressionNode, key: Int, predicate: ScanPredicate?) {
            self.kind = kind
            self.node = node
            self.key = key
            self.predicate = predicate
        }

        /// A copy with objects of its own (the constant's vector, the arrays), for one worker.
        func copy() -> Conjunct {
            let kind: Kind
            switch self.kind {
            case .compare(let column, let op, let holder):
                kind = .compare(column: column, op: op, holder: GatherKernel.slice(holder, 0..<holder.count))
            case .nullTest, .singleColumn: kind = self.kind
            }
            let predicate = self.predicate.map {
                ScanPredicate(column: $0.column, comparison: $0.comparison, constants: $0.constants.map { $0 })
            }
            let copy = Conjunct(kind: kind, node: node, key: key, predicate: predicate)
            copy.sameColumn = sameColumn.map { $0 }
            copy.rangePartner = rangePartner
            copy.isRangePartner = isRangePartner
            return copy
        }

        var column: Int {
            switch kind {
            case .compare(let column, _, _), .nullTest(let column, _), .singleColumn(let column): return column
            }
        }
    }

    /// The stage this replaces (its profile and dictionary caches are used); it owns or outlives this.
    unowned let stage: FilterStage
    /// The mask conjuncts: compare and NULL tests first, flat single-column tests last.
    let conjuncts: [Conjunct]
    /// The conjuncts that need every column loaded, run on the survivors in their order; nil if none.
    let rest: FilterStage?
    /// Per scan column: what the mask conjuncts need before the others are decoded.
    private(set) var firstDemands: [ColumnDemand]
    /// Scan columns whose values are loaded once a batch has survivors.
    private(set) var lateColumns: [Int] = []
    /// The positions in `conjuncts` of each scan column's tests, NULL tests first: column `c`'s
    /// are `testPositions[testStarts[c] ..< testStarts[c + 1]]`.
    private let testPositions: [Int], testStarts: [Int]
    /// Per scan column: whether the mask loads its values itself, just before its first test, so
    /// that it reads only the rows the columns tested before it left (the first decode skips it).
    private var deferred: [Bool]
    /// Per scan column: whether its tests are comparisons with a constant of its own type (or NULL
    /// tests), which may read unspecified values in rows already false; then a deferred column is
    /// extracted at the rows left alone when they are few.
    private let extractable: [Bool]
    /// Per scan column: whether its tests are value tests only (no NULL test), all run at once
    /// per dictionary entry on a dictionary vector: then a cursor may run them on stored codes.
    private let codesTestable: [Bool]
    /// Per scan column: the byte length of the constant a test compares it `=` with, when it is a
    /// deferred text column: rows of another length fail, read from the stored offsets first.
    private let textLengths: [Int?]

    // Per worker (only a worker's copy changes these; see `copy(for:)`). Raw memory: counters of
    // class-held arrays cost a uniqueness check and an exclusivity check per batch and column.
    /// The tested columns (`orderCount`) in the order this worker runs them, fewest rows passing first.
    private let order: UnsafeMutablePointer<Int>
    private let orderCount: Int
    /// Per scan column: rows tested, rows let through since the last ordering, and flags (bit 0:
    /// the last `evaluate` loaded it; bit 1: the last batch that loaded it had a dictionary).
    private let rowsTested: UnsafeMutablePointer<Int>, rowsPassed: UnsafeMutablePointer<Int>
    private let columnFlags: UnsafeMutablePointer<UInt8>
    private var batchesSinceOrdering = 0
    /// Join keys a probe further up looks up (a scan column each): rows whose key the join's
    /// table cannot hold are dropped here, before the other columns are decoded.
    private(set) var joinKeys: [(column: Int, table: IntegerKeyTable)] = []

    /// The filter this is a worker's copy of (kept alive, so no other filter takes its address).
    private let original: ScanFilter?

    /// A copy of `other` for one worker: conjuncts, constants and arrays of its own, so that the
    /// reference counting of each batch's tests touches nothing another thread touches (two
    /// threads retaining the same conjuncts made TPC-H Q6 spend a third more CPU on two threads).
    private init(copying other: ScanFilter) {
        stage = other.stage
        conjuncts = other.conjuncts.map { $0.copy() }
        rest = other.rest
        firstDemands = other.firstDemands.map { $0 }
        lateColumns = other.lateColumns.map { $0 }
        joinKeys = other.joinKeys.map { $0 }
        testPositions = other.testPositions.map { $0 }
        testStarts = other.testStarts.map { $0 }
        deferred = other.deferred.map { $0 }
        extractable = other.extractable.map { $0 }
        codesTestable = other.codesTestable.map { $0 }
        textLengths = other.textLengths.map { $0 }
        orderCount = other.orderCount
        order = .allocate(capacity: Swift.max(orderCount, 1))
        order.update(from: other.order, count: orderCount)
        let columnCount = other.firstDemands.count
        (rowsTested, rowsPassed, columnFlags) = ScanFilter.allocateCounters(columnCount)
        original = other
    }

    deinit {
        order.deallocate()
        rowsTested.deallocate()
        rowsPassed.deallocate()
        columnFlags.deallocate()
    }

    /// Zeroed per-column counters and flags for `columnCount` scan columns.
    private static func allocateCounters(_ columnCount: Int) -> (
        UnsafeMutablePointer<Int>, UnsafeMutablePointer<Int>, UnsafeMutablePointer<UInt8>
    ) {
        let n = Swift.max(columnCount, 1)
        let tested = UnsafeMutablePointer<Int>.allocate(capacity: n)
        let passed = UnsafeMutablePointer<Int>.allocate(capacity: n)
        let flags = UnsafeMutablePointer<UInt8>.allocate(capacity: n)
        tested.initialize(repeating: 0, count: n)
        passed.initialize(repeating: 0, count: n)
        flags.initialize(repeating: 0, count: n)
        return (tested, passed, flags)
    }

    /// Whether the last `evaluate` of this worker's copy loaded scan column `column`.
    func loadedByMask(_ column: Int) -> Bool { columnFlags[column] & 1 != 0 }

    /// This filter's copy for the worker whose scratch is `scratch` (made on its first batch).
    func copy(for scratch: FilterScratch) -> ScanFilter {
        if let copy = scratch.filterCopies[ObjectIdentifier(self)], copy.original === self { return copy }
        let copy = ScanFilter(copying: self)
        scratch.filterCopies[ObjectIdentifier(self)] = copy
        return copy
    }

    init(_ stage: FilterStage, columnCount: Int) {
        self.stage = stage
        original = nil
        var fast: [Conjunct] = [], slow: [Conjunct] = [], rest: [ExpressionNode] = []
        var first = [ColumnDemand](repeating: .nothing, count: columnCount)
        for (key, conjunct) in stage.conjuncts.enumerated() {
            let node = conjunct.node
            if let compare = node as? CompareConstantNode, let column = compare.input as? ColumnNode,
                let holder = compare.constantHolder, column.index < columnCount
            {
                let predicate = ScanPredicate(
                    column: column.index, comparison: ScanFilter.comparison(compare.op),
                    constants: [compare.constantValue])
                fast.append(
                    Conjunct(
                        kind: .compare(column: column.index, op: compare.op, holder: holder), node: node, key: key,
                        predicate: predicate))
                first[column.index] = .values
            } else if let call = node as? FunctionNode, call.name == .isNull || call.name == .isNotNull,
                call.arguments.count == 1, let column = call.arguments[0] as? ColumnNode, column.index < columnCount,
                column.type != .null  // a NULL-typed column is NULL whatever its bitmap says
            {
                let isNull = call.name == .isNull
                let predicate = ScanPredicate(
                    column: column.index, comparison: isNull ? .isNull : .isNotNull, constants: [])
                fast.append(
                    Conjunct(
                        kind: .nullTest(column: column.index, isNull: isNull), node: node, key: key,
                        predicate: predicate))
                first[column.index] = max(first[column.index], .validity)
            } else if let column = conjunct.dictionaryColumn, column < columnCount {
                slow.append(Conjunct(kind: .singleColumn(column: column), node: node, key: key, predicate: nil))
                first[column] = .values
            } else {
                rest.append(node)
            }
        }
        self.conjuncts = fast + slow
        var firstTest: [Int: Int] = [:]  // column → position of its first compare or single-column test
        for (position, conjunct) in conjuncts.enumerated() {
            if case .nullTest = conjunct.kind { continue }
            let first = firstTest[conjunct.column, default: position]
            firstTest[conjunct.column] = first
            conjuncts[first].sameColumn.append(position)
        }
        // Pairs a lower bound with an upper bound of the same column (TPC-H Q6's shipdate range).
        for (position, conjunct) in conjuncts.enumerated() {
            guard case .compare(let column, let op, let holder) = conjunct.kind, !conjunct.isRangePartner,
                conjunct.rangePartner == nil, let side = ScanFilter.boundSide(op)
            else { continue }
            for later in (position + 1)..<conjuncts.count {
                let other = conjuncts[later]
                guard case .compare(column, let otherOp, let otherHolder) = other.kind, !other.isRangePartner,
                    other.rangePartner == nil, otherHolder.type == holder.type,
                    let otherSide = ScanFilter.boundSide(otherOp), otherSide != side
                else { continue }
                conjunct.rangePartner = later
                other.isRangePartner = true
                break
            }
        }
        var tests = [[Int]](repeating: [], count: columnCount)
        var extractable = [Bool](repeating: true, count: columnCount)
        var order: [Int] = []
        for pass in 0..<2 {
            for (position, conjunct) in conjuncts.enumerated() {
                let isNullTest: Bool
                switch conjunct.kind {
                case .nullTest: isNullTest = true
                case .compare(let column, _, let holder):
                    isNullTest = false
                    if let input = (conjunct.node as? CompareConstantNode)?.input, input.type != holder.type {
                        extractable[column] = false
                    }
                case .singleColumn(let column):
                    isNullTest = false
                    extractable[column] = false
                }
                if isNullTest == (pass == 0) { tests[conjunct.column].append(position) }
                if pass == 0 && !order.contains(conjunct.column) { order.append(conjunct.column) }
            }
        }
        // A column with a value test is decoded by `evaluate` when its turn comes (a NULL test
        // alone reads the bitmap the first decode gives).
        var deferred = [Bool](repeating: false, count: columnCount)
        var nullTested = [Bool](repeating: false, count: columnCount)
        for conjunct in conjuncts {
            if case .nullTest(let column, _) = conjunct.kind { nullTested[column] = true }
        }
        for column in 0..<columnCount where first[column] == .values {
            deferred[column] = true
            first[column] = nullTested[column] ? .validity : .nothing
        }
        self.testPositions = tests.flatMap { $0 }
        self.testStarts = tests.reduce(into: [0]) { $0.append($0.last! + $1.count) }
        self.deferred = deferred
        self.extractable = extractable
        self.codesTestable = (0..<columnCount).map { deferred[$0] && !nullTested[$0] }
        let built = fast + slow  // as `conjuncts` (a closure may not read `self` yet)
        self.textLengths = (0..<columnCount).map { column -> Int? in
            guard deferred[column] else { return nil }
            for position in tests[column] {
                if case .compare(_, .equal, let holder) = built[position].kind, holder.type == .varchar,
                    holder.count >= 1, holder.isValid(at: 0)
                {
                    return holder.bytes(at: 0).count
                }
            }
            return nil
        }
        self.orderCount = order.count
        self.order = .allocate(capacity: Swift.max(order.count, 1))
        self.order.initialize(from: order, count: order.count)
        (self.rowsTested, self.rowsPassed, self.columnFlags) = ScanFilter.allocateCounters(columnCount)
        self.firstDemands = first
        self.rest = rest.isEmpty ? nil : FilterStage(conjuncts: rest, profile: nil, masks: false)
    }

    /// Adds the join filters `keys` (scan column and the probe's key table); before `setLateColumns`.
    func addJoinKeys(_ keys: [(column: Int, table: IntegerKeyTable)]) {
        joinKeys += keys
        for key in keys {
            firstDemands[key.column] = .values
            deferred[key.column] = false
        }
    }

    /// Records what the stages after the filter need (`after`, per scan column): columns the mask
    /// did not decode are loaded late, and a column the mask read only for NULLs is loaded late
    /// when its values are needed.
    func setLateColumns(after: [ColumnDemand]) {
        var restColumns = Set<Int>()
        if let rest {
            for conjunct in rest.conjuncts {
                if let columns = ScanPlan.columns(of: conjunct.node) {
                    restColumns.formUnion(columns)
                } else {
                    restColumns.formUnion(0..<firstDemands.count)
                }
            }
        }
        var late: [Int] = []
        for column in firstDemands.indices {
            let needed = restColumns.contains(column) ? ColumnDemand.values : after[column]
            if needed > firstDemands[column] {
                if firstDemands[column] == .validity && needed == .validity { continue }
                late.append(column)
            }
        }
        lateColumns = late
    }

    /// Batches a worker evaluates between two orderings of its columns.
    static let orderingPeriod = 64

    /// Orders the columns by the share of rows their tests let through over the last period,
    /// fewest first (a column never reached keeps its place behind those that were).
    private func reorder() {
        batchesSinceOrdering = 0
        let tested = rowsTested, passed = rowsPassed
        // Shares compared by cross-multiplying; a column no row reached counts as passing all.
        func share(_ column: Int) -> (Int, Int) { tested[column] == 0 ? (1, 1) : (passed[column], tested[column]) }
        let ranked = UnsafeBufferPointer(start: order, count: orderCount).enumerated().sorted { a, b in
            let x = share(a.element), y = share(b.element)
            let left = x.0.multipliedFullWidth(by: y.1), right = y.0.multipliedFullWidth(by: x.1)
            if left.high != right.high { return left.high < right.high }
            if left.low != right.low { return left.low < right.low }
            return a.offset < b.offset
        }
        for (index, entry) in ranked.enumerated() {
            order[index] = entry.element
            rowsTested[entry.element] = 0
            rowsPassed[entry.element] = 0
        }
    }

    /// Whether the block statistics prove every test of deferred `column` true, so it need not be
    /// loaded. Tried only where its last batch was flat (dictionary tests cost less than a proof
    /// that builds strings for text bounds).
    private func provenBeforeLoading(_ column: Int, _ cursor: (any RowGroupCursor)?) -> Bool {
        guard let cursor, columnFlags[column] & 2 == 0 else { return false }
        for position in testPositions[testStarts[column]..<testStarts[column + 1]] {
            guard let predicate = conjuncts[position].predicate, cursor.provesTrue(predicate) else { return false }
        }
        return true
    }

    /// Whether `op` bounds values from below (true: `>`, `>=`), above (false: `<`, `<=`), or neither (nil).
    private static func boundSide(_ op: CompareKernel.Operator) -> Bool? {
        switch op {
        case .greater, .greaterOrEqual: return true
        case .less, .lessOrEqual: return false
        case .equal, .notEqual: return nil
        }
    }

    /// Whether a compare and its range partner run as one range test on `vector`: a flat vector of
    /// their constants' type, 32- or 64-bit integers.
    private static func runsAsRange(_ vector: ColumnVector, _ holder: ColumnVector) -> Bool {
        !vector.isDictionary && vector.type == holder.type
            && (vector.physicalType == .int64 || vector.physicalType == .int32)
    }

    /// The `ScanPredicate` comparison of a compare operator.
    static func comparison(_ op: CompareKernel.Operator) -> ScanPredicate.Comparison {
        switch op {
        case .equal: return .equal
        case .notEqual: return .notEqual
        case .less: return .less
        case .lessOrEqual: return .lessOrEqual
        case .greater: return .greater
        case .greaterOrEqual: return .greaterOrEqual
        }
    }

    /// Evaluates the mask conjuncts over `batch` (as the cursor's first decode left it) into
    /// `scratch.mask`; returns the number of rows that pass them all. With a `cursor`, conjuncts
    /// its block statistics prove true are skipped, and each deferred column is loaded by `load`
    /// (all rows, or the rows given) when its turn comes: at the rows left alone when they are few.
    func evaluate(
        _ batch: Batch, cursor: (any RowGroupCursor)?, scratch: FilterScratch, worker: WorkerState,
        load: (_ column: Int, _ rows: UnsafeBufferPointer<Int32>?) throws(ExecutionError) -> Void = { _, _ in },
        testCodes: (_ column: Int, _ matches: UnsafeBufferPointer<UInt8>) throws(ExecutionError) -> Bool = { _, _ in
            false
        },
        testLength: (_ column: Int, _ length: Int) throws(ExecutionError) -> Bool = { _, _ in false }
    ) throws(ExecutionError) -> Int {
        let count = batch.count
        let mask = scratch.mask(for: count)
        let words = ValidityBitmap.wordCount(for: count)
        FilterMask.setAll(mask, count: count)
        for index in 0..<orderCount { columnFlags[order[index]] &= ~1 }
        var live = count
        // Deleted rows (a table with DELETEs behind it) start out false, a word at a time.
        if let deleted = cursor?.deletedRows {
            for w in 0..<words { mask[w] &= ~deleted[w] }
            live = FilterMask.population(mask, words: words)
            if live == 0 { return 0 }
        }
        /// Counts what `column`'s tests let through; 0 when they left no row.
        func finish(_ column: Int, before: Int, empty: Bool) -> Int {
            let passed = empty ? 0 : FilterMask.population(mask, words: words)
            rowsTested[column] &+= before
            rowsPassed[column] &+= passed
            return passed
        }
        // Column by column, the fewest rows passing first (as this worker has seen them): a
        // column loaded later decodes only the rows the earlier ones left, when they are few.
        // Within a column, NULL tests run first.
        for index in 0..<orderCount {
            let column = order[index]
            if let cursor, deferred[column] {
                if provenBeforeLoading(column, cursor) { continue }
                // Tests of a dictionary column only: run on the stored codes where the cursor can.
                if codesTestable[column], let dictionary = cursor.dictionary(ofColumn: column) {
                    let test = try dictionaryTest(
                        conjuncts[testPositions[testStarts[column]]], dictionary, scratch, worker)
                    if test.passing == -1 { return finish(column, before: live, empty: true) }
                    let applied = try test.matches.withUnsafeBufferPointer {
                        (matches) throws(ExecutionError) -> Bool in try testCodes(column, matches)
                    }
                    if applied {
                        columnFlags[column] = 2
                        if FilterMask.isEmpty(mask, words: words) { return finish(column, before: live, empty: true) }
                        live = finish(column, before: live, empty: false)
                        continue
                    }
                }
                // An equality with a text constant: rows of other lengths fail, from the offsets alone
                // (a high-cardinality column's LZ4 text is then decompressed only where one might match).
                if let length = textLengths[column], try testLength(column, length) {
                    if FilterMask.isEmpty(mask, words: words) { return finish(column, before: live, empty: true) }
                    live = FilterMask.population(mask, words: words)
                }
                if extractable[column] && live &* 8 < count {
                    let n = FilterMask.select(mask, count: count, into: scratch.positions)
                    try load(column, UnsafeBufferPointer(start: scratch.positions, count: n))
                } else {
                    try load(column, nil)
                }
                columnFlags[column] = batch.columns[column].isDictionary ? 3 : 1
            }
            for position in testPositions[testStarts[column]..<testStarts[column + 1]] {
                let conjunct = conjuncts[position]
                let vector = batch.columns[conjunct.column]
                let isCheap: Bool
                switch conjunct.kind {
                case .nullTest: isCheap = true
                case .compare, .singleColumn: isCheap = vector.isDictionary
                }
                // Proofs read the block statistics (building strings for text bounds): worth it only
                // before a comparison of flat values; NULL and dictionary tests cost less.
                if !isCheap, let predicate = conjunct.predicate, let cursor, cursor.provesTrue(predicate) {
                    // A proven bound with a range partner leaves the partner to run alone.
                    if let partner = conjunct.rangePartner,
                        case .compare(_, let op, let holder) = conjuncts[partner].kind,
                        ScanFilter.runsAsRange(vector, holder)
                    {
                        let other = conjuncts[partner]
                        if let otherPredicate = other.predicate, cursor.provesTrue(otherPredicate) { continue }
                        _ = FilterMask.andCompare(mask, count: count, vector: vector, op: op, constant: holder)
                        if FilterMask.isEmpty(mask, words: words) { return finish(column, before: live, empty: true) }
                    }
                    continue
                }
                if let dictionary = vector.dictionary, !conjunct.sameColumn.isEmpty {
                    try andDictionary(
                        mask, count: count, vector: vector, dictionary: dictionary, conjunct, scratch, worker)
                    if FilterMask.isEmpty(mask, words: words) { return finish(column, before: live, empty: true) }
                    continue
                }
                switch conjunct.kind {
                case .nullTest(_, let isNull):
                    FilterMask.andNullTest(mask, words: words, vector: vector, isNull: isNull)
                case .compare(_, let op, let holder):
                    if vector.isDictionary {
                        break  // ANDed in with the column's first test
                    } else if conjunct.isRangePartner && ScanFilter.runsAsRange(vector, holder) {
                        break  // ANDed in with its partner, as one range test
                    } else if let partner = conjunct.rangePartner.map({ conjuncts[$0] }),
                        case .compare(_, let otherOp, let otherHolder) = partner.kind,
                        ScanFilter.runsAsRange(vector, holder)
                    {
                        if let predicate = partner.predicate, let cursor, cursor.provesTrue(predicate) {
                            _ = FilterMask.andCompare(mask, count: count, vector: vector, op: op, constant: holder)
                        } else {
                            FilterMask.andRange(
                                mask, count: count, vector: vector, op, holder, otherOp, otherHolder)
                        }
                    } else if vector.type == holder.type,
                        FilterMask.andCompare(mask, count: count, vector: vector, op: op, constant: holder)
                    {
                        break
                    } else {
                        let flags = scratch.flags
                        if vector.type == holder.type {
                            CompareKernel.compare(vector, constantHolder: holder, op, count: count, into: flags)
                        } else {
                            CompareKernel.compare(vector, constant: holder.value(at: 0), op, count: count, into: flags)
                        }
                        FilterMask.andFlags(mask, count: count, flags: flags, validity: vector.validity)
                    }
                case .singleColumn:
                    if vector.isDictionary {
                        break  // ANDed in with the column's first test
                    } else {
                        let flags = try conjunct.node.evaluate(Batch(columns: batch.columns, count: count))
                        if flags.type == .null { return 0 }
                        FilterMask.andFlags(
                            mask, count: count, flags: flags.data.assumingMemoryBound(to: UInt8.self),
                            validity: flags.validity)
                    }
                }
                if FilterMask.isEmpty(mask, words: words) { return finish(column, before: live, empty: true) }
            }
            live = finish(column, before: live, empty: false)
        }
        batchesSinceOrdering &+= 1
        if batchesSinceOrdering == ScanFilter.orderingPeriod { reorder() }

        // Join filters last: they test only the words of rows the conjuncts left.
        for (index, key) in joinKeys.enumerated() {
            let stats = scratch.joinFilterStats(CacheKey(stage: ObjectIdentifier(self), conjunct: index))
            if stats.isOff { continue }
            let before = FilterMask.population(mask, words: words)
            guard key.table.andMightContain(mask, count: count, vector: batch.columns[key.column]) else { continue }
            let after = FilterMask.population(mask, words: words)
            stats.record(tested: before, passed: after)
            if after == 0 { return 0 }
        }
        return FilterMask.population(mask, words: words)
    }
}
