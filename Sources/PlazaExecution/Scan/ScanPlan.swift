import PlazaCore
import PlazaPlanner
import PlazaVector

/// How one pipeline reads its table: how much of each column to decode, and a WHERE right above
/// the scan evaluated block by block before the other columns are decoded (late materialization).
///
/// Built once per pipeline run from the stages and the consumer's `outputDemand`; immutable after,
/// so shared by the workers.
final class ScanPlan: @unchecked Sendable {
    // Safe: every property is immutable after init; the nodes and vectors it holds are only read.

    /// Per scan column: what the first decode of each batch fills.
    let firstDemands: [ColumnDemand]
    /// Whether some first demand is less than `.values` (else the plain `next(into:)` is used).
    let isPartial: Bool
    /// The WHERE directly above the scan, evaluated on the scan's batches, or nil.
    let filter: ScanFilter?
    /// The stage that receives the scan's batches (1 when `filter` replaces stage 0).
    let firstStage: Int
    /// Per scan column: what the stages after the filter, and the consumer, read.
    let afterDemand: [ColumnDemand]
    /// Whether the filter's survivors go straight to a consumer that reads only some columns:
    /// then the filter compacts just those (the consumer would copy every column).
    let compactsForConsumer: Bool
    /// Whether the filter's survivors go straight to an aggregate (the one consumer that states its
    /// columns' demand): most rows kept go to it as a bitmap, which it reads in place.
    let feedsAggregate: Bool

    /// The empty filter stage behind `filter` when the scan has no WHERE but join filters.
    private let joinFilterStage: FilterStage?

    init(pipeline: Pipeline, columnCount: Int) {
        let stages = pipeline.stages
        var filter: ScanFilter?
        if let first = stages.first as? FilterStage { filter = ScanFilter(first, columnCount: columnCount) }
        let firstStage = filter == nil ? 0 : 1
        let joinKeys = ScanPlan.joinKeys(through: stages[firstStage...], columnCount: columnCount)
        if filter == nil && !joinKeys.isEmpty {
            // No WHERE to fuse: a filter of no conjuncts runs the join filters (no stage replaced).
            let empty = FilterStage(conjuncts: [], profile: nil, masks: false)
            joinFilterStage = empty
            filter = ScanFilter(empty, columnCount: columnCount)
        } else {
            joinFilterStage = nil
        }
        filter?.addJoinKeys(joinKeys)
        let after = ScanPlan.demand(
            through: stages[firstStage...], output: pipeline.outputDemand, inputCount: columnCount)
        if let filter {
            filter.setLateColumns(after: after)
            self.firstDemands = filter.firstDemands
        } else {
            self.firstDemands = after
        }
        self.filter = filter
        self.firstStage = firstStage
        self.afterDemand = after
        self.feedsAggregate = filter != nil && firstStage == stages.count && pipeline.outputDemand != nil
        self.compactsForConsumer = feedsAggregate && after.contains(.nothing)
        self.isPartial = firstDemands.contains { $0 != .values }
    }

    /// The join keys that `stages` look up in an integer key table with an INNER or SEMI probe
    /// (rows without a match leave the pipeline) and that are scan columns passed through unchanged
    /// to that probe: the scan may drop the rows whose key the table cannot hold (Q3's lineitem,
    /// whose filtered rows find an order 1% of the time), before decoding their other columns.
    static func joinKeys(through stages: ArraySlice<Stage>, columnCount: Int) -> [(column: Int, table: IntegerKeyTable)]
    {
        // The scan column each column of the current stage's input is, if it is one.
        var origin: [Int?] = Array(0..<columnCount)
        var keys: [(column: Int, table: IntegerKeyTable)] = []
        for stage in stages {
            switch stage {
            case let project as ProjectStage:
                origin = project.expressions.map { expression in
                    guard let column = expression as? ColumnNode, column.index < origin.count else { return nil }
                    return origin[column.index]
                }
            case is FilterStage, is ProbeSliceStage:
                continue
            case let probe as ProbeStage:
                if probe.kind == .inner || probe.kind == .semi, let keyColumns = probe.keyColumns,
                    keyColumns.count == 1, keyColumns[0] < origin.count, let column = origin[keyColumns[0]],
                    let table = probe.table.integerTable, probe.table.pairKey == nil,
                    !keys.contains(where: { $0.column == column && $0.table === table })
                {
                    keys.append((column, table))
                }
                if probe.discardsOutput { return keys }
                origin = probe.outputs.map { output in
                    output.isBuild || output.index >= origin.count ? nil : origin[output.index]
                }
            default:
                return keys
            }
        }
        return keys
    }

    /// What the input of `stages` must provide (`inputCount` columns) for `output` (nil: every
    /// column's values) to reach the consumer; every value wherever a stage's use is not known.
    static func demand(through stages: ArraySlice<Stage>, output: [ColumnDemand]?, inputCount: Int) -> [ColumnDemand] {
        let everything = [ColumnDemand](repeating: .values, count: inputCount)
        guard var demand = output else { return everything }
        for stage in stages.reversed() {
            switch stage {
            case let project as ProjectStage:
                var input = [ColumnDemand](repeating: .nothing, count: inputCount)
                guard project.expressions.count == demand.count else { return everything }
                for (expression, need) in zip(project.expressions, demand) where need != .nothing {
                    // A project above a join stage reads columns past the scan's: nothing to narrow.
                    if let column = expression as? ColumnNode {
                        guard column.index < inputCount else { return everything }
                        input[column.index] = max(input[column.index], need)
                    } else if let columns = ScanPlan.columns(of: expression) {
                        guard columns.allSatisfy({ $0 < inputCount }) else { return everything }
                        for column in columns { input[column] = .values }
                    } else {
                        return everything
                    }
                }
                demand = input
            case let filter as FilterStage:
                guard demand.count == inputCount else { return everything }
                for conjunct in filter.conjuncts {
                    // A filter above a join stage reads columns past the scan's, as a project does.
                    guard let columns = ScanPlan.columns(of: conjunct.node), columns.allSatisfy({ $0 < inputCount })
                    else { return everything }
                    for column in columns { demand[column] = .values }
                }
            default:
                return everything
            }
        }
        return demand.count == inputCount ? demand : everything
    }

    /// The input columns `node` reads, or nil when it holds a node this walk does not know.
    static func columns(of node: ExpressionNode) -> Set<Int>? {
        var result = Set<Int>()
        func visit(_ node: ExpressionNode) -> Bool {
            switch node {
            case let c as ColumnNode:
                result.insert(c.index)
                return true
            case is LiteralNode: return true
            case let f as FunctionNode: return f.arguments.allSatisfy(visit)
            case let l as LogicNode: return l.arguments.allSatisfy(visit)
            case let c as CompareConstantNode: return visit(c.input)
            case let c as CoalesceNode: return c.arguments.allSatisfy(visit)
            case let s as InSetNode: return visit(s.needle)
            case let l as InListNode: return visit(l.needle) && l.list.allSatisfy(visit)
            case let c as CaseNode:
                return c.branches.allSatisfy { visit($0.0) && visit($0.1) } && visit(c.otherwise)
            default: return false
            }
        }
        return visit(node) ? result : nil
    }

    /// Per input column of an aggregate: `.validity` for a column read only as the argument of a
    /// plain `count(x)`, `.values` for any other use, `.nothing` when unread.
    static func demand(groups: [BoundExpression], aggregates: [AggregateCall], inputCount: Int) -> [ColumnDemand] {
        var demand = [ColumnDemand](repeating: .nothing, count: inputCount)
        func needValues(_ expression: BoundExpression) {
            for column in PlanUtilities.columns(of: expression) where column < inputCount { demand[column] = .values }
        }
        groups.forEach(needValues)
        for call in aggregates {
            if call.function == .count, !call.isDistinct, call.arguments.count == 1,
                case .column(let index, _) = call.arguments[0], index < inputCount
            {
                demand[index] = max(demand[index], .validity)
            } else {
                call.arguments.forEach(needValues)
            }
            if let filter = call.filter { needValues(filter) }
        }
        return demand
    }
}

extension ScanPlan {
    /// Reads every batch of `cursor` (row group `group` of `scan`), decoding as `firstDemands`
    /// asks, runs the fused filter, loads the late columns of batches with survivors, and hands
    /// each batch with live rows to `emit` with the stage it enters. `reused` (when the consumer
    /// keeps no batch) is refilled for every read; otherwise each read gets a new batch.
    ///
    /// - Throws: `ExecutionError` from the cursor (as `.storage`), the filter or `emit`.
    func read(
        _ cursor: any RowGroupCursor, group: Int, scan: TableScan, reused: Batch?, scanProfile: OperatorProfile?,
        context: QueryContext, worker: WorkerState, stop: StopFlag?,
        emit: (Batch, Int) throws(ExecutionError) -> Void
    ) throws(ExecutionError) {
        let types = scan.fields.map(\.type)
        func storage(_ body: () throws -> Void) throws(ExecutionError) {
            do {
                try body()
            } catch let error as ExecutionError {
                throw error
            } catch {
                throw ExecutionError(
                    .storage(underlying: error), "reading row group \(group) of table \"\(scan.table)\"")
            }
        }
        // The live rows' selection of the last batch, refilled for the next one when only this
        // holds it (a reused batch: the consumer kept nothing; the cursor dropped it).
        var liveRows: SelectionVector?
        while true {
            let batch = reused ?? Batch(types: types)
            let start = scanProfile != nil && context.profiling ? ContinuousClock.now : nil
            var hasMore = false
            try storage {
                hasMore = isPartial ? try cursor.next(into: batch, demands: firstDemands) : try cursor.next(into: batch)
            }
            if let start { scanProfile?.addTime(ContinuousClock.now - start) }
            if !hasMore { break }
            if filter == nil, let deleted = cursor.deletedRows {
                // No filter to fold them into: the live rows become the batch's selection.
                if reused != nil, batch.selection == nil, isKnownUniquelyReferenced(&liveRows),
                    liveRows!.capacity >= batch.count
                {
                    liveRows!.refill(rowsClearIn: deleted, count: batch.count)
                } else {
                    liveRows = SelectionVector(rowsClearIn: deleted, count: batch.count, lazily: true)
                }
                if liveRows!.count == 0 { continue }
                batch.selection = liveRows
            }
            scanProfile?.addRows(out: batch.liveCount)
            if let filter {
                try runFilter(
                    filter, batch, cursor, scanProfile: scanProfile, context: context, worker: worker, storage: storage,
                    emit: emit)
            } else {
                try emit(batch, firstStage)
            }
            if stop?.isSet ?? false { break }
            try context.checkCancelled()
        }
        scanProfile?.addScan(cursor.statistics)
    }

    /// The rows at `indices` of the columns the consumer reads; the others become vectors of the
    /// same length with unspecified values (empty strings), which the consumer does not read.
    private func compacted(_ batch: Batch, _ indices: UnsafeBufferPointer<Int32>) -> Batch {
        let columns = batch.columns.indices.map { column -> ColumnVector in
            let source = batch.columns[column]
            if afterDemand[column] != .nothing { return GatherKernel.gather(source, indices) }
            let placeholder = ColumnVector(type: source.type, capacity: Swift.max(indices.count, 1))
            if placeholder.physicalType == .string {
                placeholder.offsets.update(repeating: 0, count: indices.count + 1)
            }
            placeholder.count = indices.count
            return placeholder
        }
        return Batch(columns: columns, count: indices.count)
    }

    private func runFilter(
        _ filter: ScanFilter, _ batch: Batch, _ cursor: any RowGroupCursor, scanProfile: OperatorProfile?,
        context: QueryContext, worker: WorkerState, storage: (() throws -> Void) throws(ExecutionError) -> Void,
        emit: (Batch, Int) throws(ExecutionError) -> Void
    ) throws(ExecutionError) {
        precondition(batch.selection == nil, "a scan batch arrives without a selection")
        let profile = filter.stage.profile
        var start = context.profiling ? ContinuousClock.now : nil
        let scratch = worker.filterScratch
        let rows = batch.count
        let filter = filter.copy(for: scratch)
        let survivors = try filter.evaluate(batch, cursor: cursor, scratch: scratch, worker: worker) {
            (column, rows) throws(ExecutionError) in
            try storage {
                if let rows {
                    try cursor.load(column: column, into: batch, rows: rows)
                } else {
                    try cursor.load(column: column, into: batch)
                }
            }
        } testCodes: { (column, matches) throws(ExecutionError) -> Bool in
            var applied = false
            try storage {
                applied = try cursor.andCodeMatches(column: column, matches: matches, into: scratch.mask(for: rows))
            }
            return applied
        } testLength: { (column, length) throws(ExecutionError) -> Bool in
            var applied = false
            try storage {
                applied = try cursor.andLengthEquals(column: column, length: length, into: scratch.mask(for: rows))
            }
            return applied
        }
        var outputs: [Batch] = []
        if survivors > 0 {
            let dense = ProjectStage.isDense(survivors, of: rows)
            if survivors < rows && feedsAggregate && dense {
                // The aggregate sums and counts these by word, or writes their positions if it must
                // (a tenth of the rows deleted made every batch of a one-week query a dense selection).
                batch.selection = SelectionVector(rowsSetIn: scratch.mask(for: rows), count: rows)
            } else if survivors < rows {
                let selection = SelectionVector(capacity: rows, slack: 8)
                selection.count = FilterMask.select(scratch.mask(for: rows), count: rows, into: selection.indices)
                batch.selection = selection
            }
            if !filter.lateColumns.isEmpty {
                let loadStart = scanProfile != nil && context.profiling ? ContinuousClock.now : nil
                // Under one row in eight left: extract those rows' values instead of unpacking the
                // block (TPC-H Q6 keeps 2%); else unpacking all of them is cheaper.
                let few = batch.selection.flatMap { survivors &* 8 < rows ? UnsafeBufferPointer($0.buffer) : nil }
                try storage {
                    for column in filter.lateColumns where !filter.loadedByMask(column) {
                        if let few {
                            try cursor.load(column: column, into: batch, rows: few)
                        } else {
                            try cursor.load(column: column, into: batch)
                        }
                    }
                }
                if let loadStart {
                    let loaded = ContinuousClock.now - loadStart
                    scanProfile?.addTime(loaded)
                    if let s = start { start = s + loaded }
                }
            }
            if let rest = filter.rest {
                outputs = try rest.process(batch, worker)
            } else if compactsForConsumer, !dense, let selection = batch.selection {
                // (A dense selection is read in place by the aggregate, or compacted there.)
                outputs = [compacted(batch, UnsafeBufferPointer(selection.buffer))]
            } else {
                outputs = [batch]
            }
        }
        if let profile {
            if let start { profile.addTime(ContinuousClock.now - start) }
            profile.addRows(in: rows, out: outputs.reduce(0) { $0 + $1.liveCount })
        }
        for output in outputs where output.liveCount > 0 { try emit(output, firstStage) }
    }
}
