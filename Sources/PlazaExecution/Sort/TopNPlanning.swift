import PlazaCore
import PlazaPlanner
import PlazaVector

extension PhysicalPlanner {
    /// `input ORDER BY keys LIMIT limit OFFSET offset`, never sorting the whole input.
    ///
    /// When the input is a scan (with filters, under a projection of columns) that reads more
    /// columns than the filters and keys need, the rows are found in two passes (late
    /// materialization): the first reads only the key and filter columns to learn the first key of
    /// the k-th row; the second opens the other columns only in the row groups and blocks whose
    /// statistics allow a row at least that good, so only the winners' blocks are decoded.
    func topN(_ input: LogicalPlan, keys: [SortKey], limit: Int, offset: Int, profile parent: OperatorProfile?)
        throws(ExecutionError) -> [Batch]
    {
        let detail = "\(limit) offset \(offset) by " + keys.map(SortOperator.describe).joined(separator: ", ")
        let profile = parent?.child("TOP_N", detail)
        let (sum, overflow) = limit.addingReportingOverflow(offset)
        let needed = overflow ? Int.max : sum
        if limit == 0 { return [] }
        let start = ContinuousClock.now
        if needed > TopNOperator.largestLimit {
            // Keeping k rows per worker would hold most of the input: sort it on every core instead
            // (and spill past the memory limit).
            let pipeline = try self.pipeline(input, profile: profile)
            pipeline.sinkProfile = profile
            let result = try SortOperator(
                keys: keys, limit: limit, offset: offset, compiler: compiler, context: context
            )
            .run(pipeline)
            profile?.addTime(ContinuousClock.now - start)
            profile?.addRows(out: result.reduce(0) { $0 + $1.liveCount })
            return result
        }
        var initial: FirstKeyCutoff?
        if let (narrow, narrowKeys) = TopNOperator.keyColumnsOnly(input, keys) {
            let keysProfile = profile?.child("TOP_N_KEYS", "key and filter columns first")
            let pipeline = try self.pipeline(narrow, profile: keysProfile)
            pipeline.sinkProfile = keysProfile
            let op = try TopNOperator(
                keys: narrowKeys, limit: needed, input: narrow, compiler: compiler, context: context)
            let found = try op.run(pipeline)
            keysProfile?.addRows(out: found.batches.reduce(0) { $0 + $1.count })
            // Only a value cutoff narrows the second pass; a NULL one means few rows anyway.
            if let cutoff = found.cutoff, cutoff.rank == 1 { initial = cutoff }
        }
        let pipeline = try self.pipeline(input, profile: profile)
        pipeline.sinkProfile = profile
        let op = try TopNOperator(keys: keys, limit: needed, input: input, compiler: compiler, context: context)
        let sorted = try op.run(pipeline, initial: initial).batches
        profile?.addTime(ContinuousClock.now - start)
        let result = LimitOperator.slice(sorted, limit: limit, offset: offset)
        profile?.addRows(out: result.reduce(0) { $0 + $1.liveCount })
        return result
    }
}

extension TopNOperator {
    /// LIMIT + OFFSET above which `SortOperator` replaces the per-worker top-N: it buffers every
    /// row but, for packable keys, selects the wanted band by key histograms instead of sorting
    /// ever larger candidate sets.
    static let largestLimit = 65_536

    /// For `[project of columns] → filters → scan` whose first key is prunable, whose filters read
    /// only key columns, and whose scan reads columns the keys do not: the same filters over a scan
    /// of only the key columns, and the keys over that plan's columns. Otherwise nil.
    static func keyColumnsOnly(_ input: LogicalPlan, _ keys: [SortKey]) -> (LogicalPlan, [SortKey])? {
        guard let first = keys.first, pruningColumn(for: first, in: input) != nil else { return nil }
        var plan = input
        var keyColumns: [Int] = []  // per key: its position in the scan's columns
        if case .project(let below, let expressions, _) = plan {
            for key in keys {
                guard case .column(let index, _) = key.expression, case .column(let inner, _) = expressions[index]
                else {
                    return nil
                }
                keyColumns.append(inner)
            }
            plan = below
        } else {
            for key in keys {
                guard case .column(let index, _) = key.expression else { return nil }
                keyColumns.append(index)
            }
        }
        var predicates: [BoundExpression] = []
        while case .filter(let below, let predicate) = plan {
            predicates.append(predicate)
            plan = below
        }
        guard case .scan(let scan) = plan else { return nil }
        // A filter on other columns makes the key's block statistics a poor guide to where the
        // winners are (the cutoff among filtered rows is looser than among all rows), so the
        // second pass would read most blocks anyway: then one pass is cheaper.
        var used = Set(keyColumns)
        for predicate in predicates { used.formUnion(PlanUtilities.columns(of: predicate)) }
        guard used.count < scan.columns.count, used.isSubset(of: keyColumns) else { return nil }
        let kept = used.sorted()
        var position: [Int: Int] = [:]
        for (new, old) in kept.enumerated() { position[old] = new }
        let narrowScan = TableScan(
            table: scan.table, columns: kept.map { scan.columns[$0] }, fields: kept.map { scan.fields[$0] },
            pruningPredicates: scan.pruningPredicates.compactMap { predicate in
                guard let column = position[predicate.column] else { return nil }
                var moved = predicate
                moved.column = column
                return moved
            },
            estimatedRows: scan.estimatedRows)
        var narrow = LogicalPlan.scan(narrowScan)
        for predicate in predicates.reversed() {
            narrow = .filter(input: narrow, predicate: PlanUtilities.remap(predicate) { position[$0]! })
        }
        let narrowKeys = zip(keys, keyColumns).map { key, column in
            SortKey(
                expression: .column(index: position[column]!, type: key.expression.type),
                isDescending: key.isDescending,
                nullsFirst: key.nullsFirst)
        }
        return (narrow, narrowKeys)
    }
}
