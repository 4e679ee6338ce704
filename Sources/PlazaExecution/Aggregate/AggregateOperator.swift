import PlazaCore
import PlazaPlanner
import PlazaVector
import Synchronization

/// Hash aggregation, grouped or not: each worker aggregates its morsels into a local table,
/// then the local tables are merged into one and finalized.
///
/// Group keys go through `GroupTable` (packed keys); a single dictionary-encoded key is mapped
/// to groups once per dictionary entry and then by code. `DISTINCT` aggregates keep a set of
/// (group, value) pairs per worker; values reach the accumulator only when the sets are merged,
/// so each distinct value counts once whatever the threads.
final class AggregateOperator: @unchecked Sendable {
    // Safe to share: immutable after init; expression nodes are immutable.
    let groupNodes: [ExpressionNode]
    let calls: [AggregateCall]
    /// Per group key: whether its text is kept as ids, decided by the first batch any worker
    /// consumes (`AggregateState.settleTextKeys`); nil until then.
    let textKeyIDs = Mutex<[Bool]?>(nil)
    let argumentNodes: [ExpressionNode?]
    /// Per aggregate: the x argument of a (y, x) statistic (`argumentNodes` holds y), else nil.
    let xNodes: [ExpressionNode?]
    let filterNodes: [ExpressionNode?]
    let fields: [Field]
    let context: QueryContext
    /// Per aggregate: whether its argument may arrive as a dictionary vector (it reads only
    /// validity or packs keys): DISTINCT, count, approx_count_distinct; never a (y, x) statistic.
    let acceptsDictionary: [Bool]
    /// The input columns that keys, arguments and FILTERs read.
    let readColumns: [Int]

    init(
        groups: [BoundExpression], aggregates: [AggregateCall], fields: [Field], inputFields: [Field],
        compiler: ExpressionCompiler, context: QueryContext
    ) throws(ExecutionError) {
        self.groupNodes = try groups.map { (e) throws(ExecutionError) in try compiler.compile(e) }
        self.calls = aggregates
        self.argumentNodes = try aggregates.map { (call) throws(ExecutionError) in
            try call.arguments.first.map { (e) throws(ExecutionError) in try compiler.compile(e) }
        }
        self.xNodes = try aggregates.map { (call) throws(ExecutionError) in
            call.function.readsPairs && call.arguments.count == 2 ? try compiler.compile(call.arguments[1]) : nil
        }
        self.filterNodes = try aggregates.map { (call) throws(ExecutionError) in
            try call.filter.map { (e) throws(ExecutionError) in try compiler.compile(e) }
        }
        self.fields = fields
        self.context = context
        self.readColumns = ScanPlan.demand(groups: groups, aggregates: aggregates, inputCount: inputFields.count)
            .enumerated().filter { $0.element != .nothing }.map(\.offset)
        self.acceptsDictionary = aggregates.map {
            !$0.function.readsPairs
                && ($0.isDistinct || $0.function == .count || $0.function == .approxCountDistinct
                    // min/max of text rank a dictionary's entries once instead of comparing every row.
                    || (($0.function == .min || $0.function == .max) && $0.arguments.first?.type == .varchar))
        }
        for (call, argument) in zip(aggregates, argumentNodes) {
            _ = try Accumulator.make(call, inputType: argument?.type)  // rejects unsupported types before running
        }
    }

    var groupTypes: [DataType] { groupNodes.map(\.type) }

    /// Runs the input pipeline and returns the groups and aggregates, in batches of ≤ 2,048 rows.
    func run(_ pipeline: Pipeline) throws(ExecutionError) -> [Batch] {
        try Scheduler.run(pipeline, into: self, context: context)
    }

    /// `keys: a, b; aggregates: sum(x), count(*)` for EXPLAIN.
    static func describe(_ groups: [BoundExpression], _ aggregates: [AggregateCall]) -> String {
        let names = aggregates.map { call in
            call.function.rawValue + (call.isDistinct ? "(DISTINCT)" : "") + (call.filter != nil ? " FILTER" : "")
        }
        return "groups: \(groups.count); aggregates: " + names.joined(separator: ", ")
    }
}

/// Groups, accumulators and distinct sets of one worker, or of the merged result.
final class AggregateState {
    let op: AggregateOperator
    var table: GroupTable?
    var accumulators: [Accumulator] = []
    var distinctSets: [GroupTable?] = []
    /// For a single dictionary-encoded key: the dictionary last seen and its entries' groups.
    var dictionaryGroups: (dictionary: ColumnVector, groups: [Int32])?
    /// For two dictionary-encoded keys: the dictionaries last seen and each pair's group (-1: none
    /// yet), at `first code × second's count + second code`.
    var pairGroups: (first: ColumnVector, second: ColumnVector, groups: [Int32])?
    /// The most code pairs `pairGroups` maps.
    static let pairEntries = 1 << 16
    var nullGroup: Int32?
    /// Per group key (with two keys or more): ids for VARCHAR keys, nil for the others.
    var keyIDs: [DictionaryIDs?] = []
    /// Per DISTINCT aggregate over VARCHAR: ids for its values.
    var distinctIDs: [DictionaryIDs?] = []
    /// A direct array in front of `table` while the keys are small integers (text as ids), or nil.
    var keyCache: GroupKeyCache?
    /// Groups by runs while a single integer key ascends (tried first; nil for other keys).
    var sortedGroups: SortedKeyGroups?
    /// Per DISTINCT aggregate: the (group, code) pairs of a dictionary-encoded argument not yet in its set.
    var distinctCodes: [AggregateDistinctCodes?] = []
    /// The live rows of a table with deleted rows counted per code of the one dictionary key and
    /// not yet added to the groups (`countCodesLive`), or nil before that applied.
    var codeCounts: LiveCodeCounts?
    /// Whether the aggregates are all counts that may be kept per code (`countsAreByCode`).
    lazy var countsByCode: Bool = countsAreByCode()
    /// Without GROUP BY, when every aggregate is count(*) or count(column) without FILTER or
    /// DISTINCT: each count with its column, which a table's live rows are counted into from their
    /// bitmap alone (`countUngroupedLive`); else nil. Made once: read for every batch.
    @exclusivity(unchecked) var ungroupedCounts: [(counter: CountAccumulator, column: Int?)]?
    // Initialized: rows a selection leaves out may keep any earlier group, but never garbage.
    var groups: UnsafeMutablePointer<Int32> = {
        let groups = UnsafeMutablePointer<Int32>.allocate(capacity: ColumnVector.batchCapacity)
        groups.initialize(repeating: 0, count: ColumnVector.batchCapacity)
        return groups
    }()
    /// The rows a FILTER clause keeps, for one aggregate of one batch (`groupsCapacity` of room).
    var filterRows = UnsafeMutablePointer<Int32>.allocate(capacity: ColumnVector.batchCapacity)
    var groupsCapacity = ColumnVector.batchCapacity
    /// The batch's rows ordered by group, when there are few groups.
    let runs = GroupRuns()
    /// Whether ordering rows by group pays: it costs about what two sums save, so it needs more.
    lazy var runsPay: Bool = {
        var weight = 0
        for (index, accumulator) in accumulators.enumerated()
        where op.filterNodes[index] == nil && distinctSets[index] == nil {
            switch accumulator {
            case .integerSum: weight += 2  // three stores per row: low and high sum words, count
            case .count: weight += 1
            default: break
            }
        }
        return weight >= 4
    }()
    var trackedBytes = 0
    /// Per aggregate: an earlier integer sum over the same column (`avg(x)` after `sum(x)`), whose
    /// changes over a batch's runs it adds instead of summing the runs again; else nil.
    lazy var runSumSources: [Int?] = accumulators.indices.map { index in
        guard case .integerSum = accumulators[index], op.filterNodes[index] == nil, distinctSets[index] == nil,
            let column = op.argumentNodes[index] as? ColumnNode
        else { return nil }
        return accumulators.indices.first { earlier in
            guard earlier < index, case .integerSum = accumulators[earlier], op.filterNodes[earlier] == nil,
                distinctSets[earlier] == nil, let other = op.argumentNodes[earlier] as? ColumnNode
            else { return false }
            return other.index == column.index
        }
    }
    /// The sums and counts of the groups, before this batch's runs, of aggregates that others copy.
    var runSnapshots: [Int: (sums: [Int128], counts: [Int64])] = [:]
    /// The batch's rows tagged by group, for counts and sums over few groups without NULLs.
    let lanes = GroupLanes()
    /// Per aggregate that others copy: its group sums over this batch's lanes (`maximumGroups` each).
    lazy var laneSums = UnsafeMutablePointer<Int128>.allocate(capacity: accumulators.count * GroupLanes.maximumGroups)
    /// Per aggregate: whether `laneSums` holds its sums of this batch.
    lazy var laneSummed = [Bool](repeating: false, count: accumulators.count)

    /// Throws the memory-limit error when there is no room for the group table. `expectedGroups`
    /// and `expectedKeyBytes` size the table once (a radix partition knows its most groups and key
    /// bytes); `threads` is what the accumulators' finalize may use (nil: the query's threads).
    /// Without `textIDs`, text keys are packed as they are: for flat text, one hash lookup per row
    /// less than ids.
    init(
        _ op: AggregateOperator, expectedGroups: Int = 0, expectedKeyBytes: Int = 0, threads: Int? = nil,
        textIDs: Bool = true
    ) throws(ExecutionError) {
        self.op = op
        allowsTextIDs = op.groupNodes.count >= 2 && textIDs
        let ids = AggregateState.idKeys(op, allowed: allowsTextIDs, decided: op.textKeyIDs.withLock { $0 })
        keyIDs = try ids.map { (use) throws(ExecutionError) in
            use ? try DictionaryIDs(tracker: op.context.tracker) : nil
        }
        let storedTypes = zip(op.groupTypes, keyIDs).map { $1 == nil ? $0 : DataType.bigint }
        self.table =
            op.groupNodes.isEmpty
            ? nil
            : try GroupTable(
                types: storedTypes, tracker: op.context.tracker, operatorName: "hash aggregate",
                expectedGroups: expectedGroups, expectedKeyBytes: expectedKeyBytes)
        self.keyCache = op.groupNodes.isEmpty ? nil : GroupKeyCache(types: storedTypes, tracker: op.context.tracker)
        self.sortedGroups = SortedKeyGroups(types: storedTypes)
        for (call, argument) in zip(op.calls, op.argumentNodes) {
            // The operator's init already made each accumulator once, so this cannot fail.
            guard let accumulator = try? Accumulator.make(call, inputType: argument?.type) else {
                preconditionFailure("accumulator for \(call.function) failed after validation")
            }
            accumulator.threads = threads ?? op.context.options.threads
            accumulators.append(accumulator)
            let translated = call.isDistinct && argument?.type == .varchar
            distinctIDs.append(translated ? try DictionaryIDs(tracker: op.context.tracker) : nil)
            let valueType = translated ? DataType.bigint : (argument?.type ?? .null)
            // A (y, x) statistic keeps distinct pairs: (group, y, x).
            let pairType = call.function.readsPairs ? [DataType.double] : []
            distinctSets.append(
                call.isDistinct
                    ? try GroupTable(
                        types: [.bigint, valueType] + pairType, tracker: op.context.tracker,
                        operatorName: "DISTINCT aggregate")
                    : nil)
            distinctCodes.append(
                call.isDistinct && argument is ColumnNode && !call.function.readsPairs ? AggregateDistinctCodes() : nil)
        }
        if table == nil {
            for accumulator in accumulators {
                accumulator.resize(1)
                accumulator.isUngrouped = true
            }
            ungroupedCounts = Self.ungroupedCounts(op, accumulators)
        }
    }

    deinit {
        groups.deallocate()
        filterRows.deallocate()
        laneSums.deallocate()
        op.context.tracker.release(trackedBytes)
    }

    var groupCount: Int { table?.groupCount ?? 1 }

    /// Whether text keys may be kept as ids (two keys or more, and not a radix partition's state).
    let allowsTextIDs: Bool
    /// Set once the first batch settled the text keys' form (`settleTextKeys`).
    var keysSettled = false

    func consume(_ input: Batch) throws(ExecutionError) {
        if !keysSettled { try settleTextKeys(input) }
        if let counts = ungroupedCounts, countUngroupedLive(input, counts) { return }
        // A selection (a filter's survivors, a table's live rows) is read in place where that is
        // safe, instead of copying every column of the live rows first.
        // The selection's own positions, read where they are (`input` holds them for this call).
        var live: UnsafeBufferPointer<Int32>?
        // The live rows as a bitmap, for count(x) of one group (a table's deleted rows skipped).
        var liveWords: UnsafeMutablePointer<UInt64>?
        // Whether every row, deleted or not, gets a group and the counts take the live rows from
        // `liveWords` (a table's deleted rows: no positions written, no indirection per row).
        var maskedGroups = false
        // Whether `live` is left unwritten until an aggregate needs the positions: keys of other
        // shapes over a table's live rows get groups for every row (`assignGroupsOverDeleted`),
        // and sums and counts of a batch of one group read the bitmap (q16's sums by month).
        var livePending = false
        let batch: Batch
        if let selection = input.selection, readsInPlace(input) {
            batch = input
            if let words = selection.liveWords, selection.count == selection.liveWordsCount {
                // Only while the bitmap still describes the selection (nothing narrowed it since).
                liveWords = words
            }
            // Counts (and medians) by one dictionary key without NULLs or a pair read the live bits.
            maskedGroups = liveWords != nil && table != nil && selection.count > 0 && countsLiveByWords(input)
            // Counts, quantiles and DISTINCT codes of one group read the bitmap: no positions written.
            if !maskedGroups && liveWords != nil && table != nil && selection.count > 0 && groupsOverDeleted(input) {
                livePending = true
            } else if liveWords != nil && table == nil && !readsByWords {
                // Without GROUP BY: sums and counts read the bitmap; positions only if another needs them.
                livePending = true
            } else if !maskedGroups && (liveWords == nil || table != nil || !readsByWords) {
                live = UnsafeBufferPointer(selection.buffer)
            }
        } else {
            batch = input.compacted(reading: op.readColumns)
        }
        // Counts by one dictionary key over deleted rows: per code, without a group per row.
        if maskedGroups, let table, let words = liveWords, try countCodesLive(batch, table, liveWords: words) { return }
        // Other paths map codes to groups anew (`assignGroups`): what was counted per code goes first.
        if codeCounts != nil { flushCodeCounts() }
        let count = batch.count
        if count > groupsCapacity {
            groups.deallocate()
            groups = .allocate(capacity: count)
            groups.initialize(repeating: 0, count: count)
            filterRows.deallocate()
            filterRows = .allocate(capacity: count)
            groupsCapacity = count
        }
        if let table, livePending, let liveWords {
            try assignGroupsOverDeleted(batch, table, liveWords: liveWords)
            for accumulator in accumulators { accumulator.resize(table.groupCount) }
            try account()
        } else if let table {
            try assignGroups(batch, table, live: live, liveWords: maskedGroups ? liveWords : nil)
            for accumulator in accumulators { accumulator.resize(table.groupCount) }
            try account()
        }
        // Without GROUP BY every row is in group 0, which `groups` holds from when it was made:
        // only group assignment, which needs a table, writes it. (Cleared for every batch, it was
        // 5% of q17's CPU.)
        // Live rows of a bitmap all in one group (a table sorted by the key, a few rows deleted):
        // sums and counts take that group's rows masked by the bitmap, 64 a word, as they take a
        // batch of one group without a selection. Checked over every row, one contiguous pass
        // (rows left out hold this or an earlier batch's groups: if all agree, so do the live ones).
        // The first and last live rows first: batches of many groups mostly differ there.
        var liveGroup: Int?
        if livePending, liveWords != nil, table == nil {
            liveGroup = 0
        } else if livePending, let liveWords {
            // Every row has a group here: the first and last live rows from the bitmap.
            let (first, last) = ValidityBitmap.firstAndLastSet(liveWords, count: count)
            if groups[first] == groups[last] { liveGroup = uniformGroup(groups, count) }
        } else if table != nil, liveWords != nil, let first = live?.first, let last = live?.last,
            groups[Int(first)] == groups[Int(last)]
        {
            liveGroup = uniformGroup(groups, count)
        }
        // With few groups, the rows are ordered by group once, on first use, for every exact aggregate.
        let ordersRuns =
            !maskedGroups && runsPay
            && (table.map { GroupRuns.applies(groupCount: $0.groupCount, rows: live?.count ?? input.liveCount) }
                ?? false)
            // One group: summed whole.
            && (live != nil || livePending ? liveGroup == nil : uniformGroup(groups, count) == nil)
        var runsBuilt = false
        var lanesBuilt = false
        runSnapshots.removeAll(keepingCapacity: true)
        for (index, accumulator) in accumulators.enumerated() {
            if maskedGroups, let liveWords, case .count(let counter) = accumulator {
                try countLive(index, counter, batch, liveWords: liveWords)
                continue
            }
            if lanesBuilt, let earlier = runSumSources[index], laneSummed[earlier],
                case .integerSum(let sum) = accumulator
            {
                sum.add(groupSums: laneSums + earlier &* GroupLanes.maximumGroups, lanes: lanes)
                continue
            }
            if ordersRuns, let earlier = runSumSources[index], let before = runSnapshots[earlier],
                case .integerSum(let sum) = accumulator, case .integerSum(let source) = accumulators[earlier]
            {
                sum.add(changesOf: source, since: before, groupCount: groupCount)
                continue
            }
            let argument: ColumnVector?
            let readsRuns = ordersRuns && op.filterNodes[index] == nil && accumulator.takesRuns
            if let column = op.argumentNodes[index] as? ColumnNode,
                op.acceptsDictionary[index]
                    || (readsRuns && distinctSets[index] == nil
                        && batch.columns[column.index].dictionary?.hasNulls == false)
            {
                // DISTINCT sets, count and HLL read codes directly; so do sums over runs.
                argument = batch.columns[column.index]
            } else if op.acceptsDictionary[index], let node = op.argumentNodes[index] {
                // A function of a dictionary column comes back per entry (`max(lower(name))`): kept coded.
                argument = try node.evaluateEncoded(batch)
            } else {
                argument = try op.argumentNodes[index]?.evaluate(batch)
            }
            if let liveWords, op.filterNodes[index] == nil, distinctSets[index] == nil, maskedGroups || table == nil,
                case .quantile(let quantile) = accumulator
            {
                // The live rows' values by word: every row has a valid group (masked, or the one group).
                try quantile.update(groups, liveWords: liveWords, argument, count: count)
                continue
            }
            if let group = liveGroup, let liveWords, op.filterNodes[index] == nil, distinctSets[index] == nil,
                accumulator.update(
                    group: group, liveWords: liveWords, liveCount: input.liveCount, argument, count: count)
            {
                continue
            }
            if livePending {
                // An aggregate that reads positions: written now, once for the batch.
                live = UnsafeBufferPointer(input.selection!.buffer)
                livePending = false
            }
            let x = try op.xNodes[index]?.evaluate(batch)
            var selected = live
            if let filter = op.filterNodes[index] {
                let flags = try filter.evaluate(batch)
                var n = 0
                if flags.type != .null {
                    let values = flags.data.assumingMemoryBound(to: UInt8.self), rows = filterRows
                    let validity = flags.validity  // read once: no class access per row
                    if let live {
                        // A selection read in place: the FILTER keeps only live rows it holds for.
                        for row in live {
                            rows[n] = row
                            let r = Int(row)
                            n &+= values[r] != 0 && validity.isValid(at: r) ? 1 : 0
                        }
                    } else if let words = validity.words {
                        // Branch-free (each row's position stored, kept by its flag): taken or not per
                        // row, the branch cost q42's FILTER counts a tenth of their time, by code layout.
                        for row in 0..<count {
                            rows[n] = Int32(truncatingIfNeeded: row)
                            let valid = Int(truncatingIfNeeded: (words[row &>> 6] &>> UInt64(row & 63)) & 1)
                            n &+= Int(unsafeBitCast(values[row] != 0, to: UInt8.self)) & valid
                        }
                    } else {
                        for row in 0..<count {
                            rows[n] = Int32(truncatingIfNeeded: row)
                            n &+= Int(unsafeBitCast(values[row] != 0, to: UInt8.self))
                        }
                    }
                }
                selected = UnsafeBufferPointer(start: filterRows, count: n)
            }
            if let set = distinctSets[index] {
                if let argument, let dictionary = argument.dictionary, let codes = distinctCodes[index] {
                    if codes.dictionary !== dictionary {
                        try drainDistinct(index)
                        codes.start(dictionary)
                    }
                    if codes.fits(groupCount: groupCount) {
                        if let liveWords, selected == nil, table == nil {
                            codes.markUngrouped(argument, liveWords: liveWords, count: count)
                        } else if let selected {
                            codes.mark(argument, groups: groups, groupCount: groupCount, rows: selected, count: count)
                        } else {
                            codes.mark(argument, groups: groups, groupCount: groupCount, rows: nil, count: count)
                        }
                        continue
                    }
                }
                // Positions not written (`readsByWords`) are written now for the row-by-row path.
                let rows = selected ?? (liveWords != nil ? input.selection.map { UnsafeBufferPointer($0.buffer) } : nil)
                try insertDistinct(set, distinctIDs[index], argument, x, rows, count)
            } else if readsRuns,
                addOverLanes(index, accumulator, argument, live: live, count: count, built: &lanesBuilt)
            {
                continue
            } else if readsRuns {
                if !runsBuilt {
                    if let live {
                        runs.build(groups, live, count: count, groupCount: groupCount)
                    } else {
                        runs.build(groups, nil, count: count, groupCount: groupCount)
                    }
                    runsBuilt = true
                }
                if runSumSources.contains(index), case .integerSum(let sum) = accumulator {
                    runSnapshots[index] = (Array(sum.sums[0..<groupCount]), Array(sum.counts[0..<groupCount]))
                }
                try accumulator.update(runs: runs, argument)
            } else if let liveWords, op.filterNodes[index] == nil, case .count(let counter) = accumulator,
                counter.isUngrouped
            {
                counter.update(liveWords: liveWords, liveCount: input.liveCount, argument, count: count)
            } else if let selected {
                try accumulator.update(groups, selected, argument, x: x, count: count)
            } else {
                try accumulator.update(groups, nil, argument, x: x, count: count)
            }
        }
    }

    /// Whether every aggregate reads the live rows from their bitmap when there is one group: a
    /// count without FILTER or DISTINCT, a median or quantile, or a DISTINCT marked by dictionary code.
    private lazy var readsByWords: Bool = accumulators.indices.allSatisfy { index in
        guard op.filterNodes[index] == nil else { return false }
        if distinctSets[index] != nil { return distinctCodes[index] != nil }
        if case .quantile = accumulators[index] { return true }
        guard case .count(let counter) = accumulators[index] else { return false }
        return counter.isUngrouped
    }

    /// Whether every aggregate is a count (of rows, or of a column's values) without DISTINCT,
    /// and any FILTER cannot fail, under one column key or two (`countsLiveByWords`).
    /// A median or quantile without FILTER qualifies too: it reads the live rows' values by word
    /// (its argument computed over every row, as `readsInPlace` allows).
    lazy var countsByWords: Bool =
        (op.groupNodes.count == 1 || op.groupNodes.count == 2) && op.groupNodes.allSatisfy { $0 is ColumnNode }
        && aggregatesReadWords
    /// Whether every aggregate is a count or quantile as `countsByWords` asks, whatever the keys.
    lazy var aggregatesReadWords: Bool = accumulators.indices.allSatisfy { index in
        guard distinctSets[index] == nil else { return false }
        if case .quantile = accumulators[index] { return op.filterNodes[index] == nil }
        guard case .count = accumulators[index] else { return false }
        if let filter = op.filterNodes[index], !CaseNode.cannotFail(filter) { return false }
        return op.argumentNodes[index] == nil || op.argumentNodes[index] is ColumnNode
    }
    /// Whether the aggregates read the live rows by word (`aggregatesReadWords`) under keys of any
    /// other shape that never fail (`extract(year FROM t)`, text and a date): the keys computed over
    /// every row, deleted ones included (`assignGroupsOverDeleted`), none copied.
    lazy var countsOverAnyKeys: Bool =
        !op.groupNodes.isEmpty && aggregatesReadWords
        && op.groupNodes.allSatisfy { $0 is ColumnNode || $0.neverFails }
    /// The input column of the key when there is one column key, else nil. (Kept per state, as
    /// `countColumns`: reading the shared operator per batch bounced its reference counts
    /// between threads.)
    lazy var singleKeyColumn: Int? = op.groupNodes.count == 1 ? (op.groupNodes[0] as? ColumnNode)?.index : nil
    /// Per aggregate: the input column its argument is, or nil (count(*), an expression).
    lazy var countColumns: [Int?] = op.argumentNodes.map { ($0 as? ColumnNode)?.index }

    /// Whether `batch`'s selection can be read in place (`live` rows of a batch left as it is):
    /// every argument is a column, or never fails and the selection is dense (computed over rows
    /// left out, which must not raise errors and should be few), FILTERs likewise, DISTINCT only over
    /// dictionary codes, and grouping keys that are columns or never fail under the same density
    /// (one dictionary-encoded key column or a pair that `assignPairGroups` maps needs neither:
    /// entries get groups only when a live row uses them).
    private func readsInPlace(_ batch: Batch) -> Bool {
        let dense = batch.selection.map { ProjectStage.isDense($0.count, of: batch.count) } ?? true
        let checks = dense ? inPlaceWhenDense : inPlaceWhenSparse
        guard checks.arguments, let distinctColumns else { return false }
        for column in distinctColumns where batch.columns[column].dictionary == nil { return false }
        if table == nil { return true }
        if pairCodes(batch) != nil { return true }
        if let key = singleKeyColumn, batch.columns[key].dictionary != nil { return true }
        // Other keys under a dense selection (a table's deleted rows): computed over every row,
        // only the live rows' keys copied and looked up (`assignGroupsByKeys`), which beats
        // copying every column the aggregates read; when they read none (q01's count(*) by
        // category and year), copying the key columns is as cheap and the counts run dense.
        return checks.keys
    }

    // `readsInPlace`'s checks that depend on the query alone, made once per state: made per batch,
    // they were 3% of q17's samples over a table with deleted rows (closures, retains, casts).
    private lazy var inPlaceWhenDense = inPlaceChecks(dense: true)
    private lazy var inPlaceWhenSparse = inPlaceChecks(dense: false)

    /// Under a selection of this density: whether the FILTERs and arguments allow reading it in
    /// place (`arguments`), and whether keys other than dictionary codes do (`keys`).
    private func inPlaceChecks(dense: Bool) -> (arguments: Bool, keys: Bool) {
        func readable(_ node: ExpressionNode?) -> Bool {
            guard let node, !(node is ColumnNode) else { return true }
            return dense && node.neverFails
        }
        // A FILTER that cannot fail runs over every row and keeps the live ones it holds for
        // (`count(*) FILTER (WHERE x > 72)`, the planner's form of a sum of CASE 1 ELSE 0).
        let arguments =
            op.filterNodes.allSatisfy { $0 == nil || (dense && CaseNode.cannotFail($0!)) }
            && op.argumentNodes.indices.allSatisfy { readable(op.argumentNodes[$0]) && readable(op.xNodes[$0]) }
        // Counts under any keys read the live rows by word (`countsOverAnyKeys`): no column copied.
        let keys =
            dense && (op.argumentNodes.contains { $0 != nil } || countsOverAnyKeys)
            && op.groupNodes.allSatisfy(readable)
        return (arguments, keys)
    }

    /// The input columns of the DISTINCT aggregates, which a selection read in place needs
    /// dictionary-coded (their codes are marked); nil when one is not a column marked by code.
    private lazy var distinctColumns: [Int]? = {
        var columns: [Int] = []
        for index in distinctSets.indices where distinctSets[index] != nil {
            guard let column = op.argumentNodes[index] as? ColumnNode, distinctCodes[index] != nil else { return nil }
            columns.append(column.index)
        }
        return columns
    }()

    func account() throws(ExecutionError) {
        let bytes =
            accumulators.reduce(0) { $0 + $1.footprint } + distinctCodes.reduce(0) { $0 + ($1?.footprint ?? 0) }
            + (sortedGroups?.footprint ?? 0)

        if bytes > trackedBytes + (1 << 20) || bytes < trackedBytes {
            if bytes > trackedBytes {
                try op.context.tracker.reserve(bytes - trackedBytes, for: "hash aggregate")
            } else {
                op.context.tracker.release(trackedBytes - bytes)
            }
            trackedBytes = bytes
        }
    }
}
