import PlazaCore
import PlazaPlanner
import PlazaVector

/// Turns a logical plan into pipelines and runs them: streaming chains (scan → filter → project →
/// join probe) run in parallel into sinks; breakers (aggregate, sort, distinct, limit, join build)
/// materialize their input first.
struct PhysicalPlanner {
    let context: QueryContext

    /// A compiler whose subqueries run through this planner.
    var compiler: ExpressionCompiler {
        let context = self.context
        return ExpressionCompiler(
            runSubquery: { (plan) throws(ExecutionError) in
                // Without their selections: a filter (a subquery's HAVING or WHERE) leaves one on its batches.
                try PhysicalPlanner(context: context).materialize(plan, profile: nil).map { $0.compacted() }
            },
            currentDate: context.currentDate)
    }

    /// Runs `plan` to completion; the batches may carry selections and dictionary vectors.
    func materialize(_ plan: LogicalPlan, profile parent: OperatorProfile?) throws(ExecutionError) -> [Batch] {
        try context.checkCancelled()
        switch plan {
        case .aggregate(let input, let groups, let aggregates, let fields):
            let profile = parent?.child("HASH_AGGREGATE", AggregateOperator.describe(groups, aggregates))
            let pipeline = try self.pipeline(input, profile: profile)
            pipeline.sinkProfile = profile
            pipeline.outputDemand = ScanPlan.demand(
                groups: groups, aggregates: aggregates, inputCount: input.fields.count)
            let op = try AggregateOperator(
                groups: groups, aggregates: aggregates, fields: fields, inputFields: input.fields, compiler: compiler,
                context: context)
            let start = ContinuousClock.now
            let result = try SpillingAggregate(op: op, context: context, profile: profile).run(pipeline)
            profile?.addTime(ContinuousClock.now - start)
            profile?.addRows(out: result.reduce(0) { $0 + $1.count })
            return result
        case .distinct(let input):
            let profile = parent?.child("DISTINCT", "")
            let pipeline = try self.pipeline(input, profile: profile)
            pipeline.sinkProfile = profile
            let groups = input.fields.enumerated().map {
                BoundExpression.column(index: $0.offset, type: $0.element.type)
            }
            let op = try AggregateOperator(
                groups: groups, aggregates: [], fields: input.fields, inputFields: input.fields, compiler: compiler,
                context: context)
            let result = try SpillingAggregate(op: op, context: context, profile: profile).run(pipeline)
            profile?.addRows(out: result.reduce(0) { $0 + $1.count })
            return result
        case .sort(let input, let keys):
            let profile = parent?.child("ORDER_BY", keys.map(SortOperator.describe).joined(separator: ", "))
            let pipeline = try self.pipeline(input, profile: profile)
            pipeline.sinkProfile = profile
            let op = try SortOperator(keys: keys, limit: nil, compiler: compiler, context: context)
            let start = ContinuousClock.now
            let result = try op.run(pipeline)
            profile?.addTime(ContinuousClock.now - start)
            profile?.addRows(out: result.reduce(0) { $0 + $1.count })
            return result
        case .window(let input, let calls, _):
            let profile = parent?.child("WINDOW", WindowOperator.describe(calls, input.fields))
            let op = WindowOperator(calls: calls, inputFields: input.fields, compiler: compiler, context: context)
            let result = try SpillingWindow(op: op, context: context, profile: profile).run(
                materialize: { () throws(ExecutionError) in try self.materialize(input, profile: profile) },
                pipeline: { () throws(ExecutionError) in try self.pipeline(input, profile: nil) })
            profile?.addRows(out: result.reduce(0) { $0 + $1.count })
            return result
        case .materializedCTE(let cte):
            try compute(cte, profile: parent)
            return try materialize(cte.body, profile: parent)
        case .limit(var input, let limit, let offset):
            if case .sort(let sortInput, let keys) = input, let limit {
                return try topN(sortInput, keys: keys, limit: limit, offset: offset, profile: parent)
            }
            if let limit, case let (rows, false) = limit.addingReportingOverflow(offset),
                let capped = try runRecursion(input, rows: rows, profile: parent)
            {
                input = capped
            }
            let profile = parent?.child("LIMIT", "\(limit.map(String.init) ?? "ALL") offset \(offset)")
            let pipeline = try self.pipeline(input, profile: profile)
            pipeline.sinkProfile = profile
            let needed = limit.map { $0 + offset }
            if needed == 0 { return [] }
            let stop = StopFlag()
            let progress = needed.map { LimitProgress(needed: $0) }
            let collected = try Scheduler.run(
                pipeline, into: CollectSink(progress: progress, stop: stop, tracker: context.tracker), context: context,
                stop: needed == nil ? nil : stop)
            let result = LimitOperator.slice(collected, limit: limit, offset: offset)
            profile?.addRows(out: result.reduce(0) { $0 + $1.liveCount })
            return result
        default:
            let pipeline = try self.pipeline(plan, profile: parent)
            return try Scheduler.run(pipeline, into: CollectSink(tracker: context.tracker), context: context)
        }
    }

    /// A streaming pipeline producing `plan`'s rows; breakers below are materialized first.
    func pipeline(_ plan: LogicalPlan, profile parent: OperatorProfile?) throws(ExecutionError) -> Pipeline {
        switch plan {
        case .scan(let scan):
            let source: any ScanSource
            do {
                source = try context.tables.source(forTable: scan.table)
            } catch let error as ExecutionError {
                throw error
            } catch {
                throw ExecutionError(.storage(underlying: error), "opening table \"\(scan.table)\"")
            }
            let detail =
                scan.table + " [" + scan.fields.map(\.name).joined(separator: ", ") + "]"
                + (scan.pruningPredicates.isEmpty
                    ? "" : " pruning: " + scan.pruningPredicates.map(describe).joined(separator: " AND "))
            let profile = parent?.child("SCAN", detail, isScan: true)
            return Pipeline(source: .scan(source: source, scan: scan, profile: profile), fields: scan.fields)
        case .values(let rows, let fields):
            _ = parent?.child("VALUES", "\(rows.count) rows")
            let batch = Batch(types: fields.map(\.type), capacity: Swift.max(rows.count, 1))
            let one = Batch(columns: [], count: 1)
            for row in rows {
                for (column, expression) in zip(batch.columns, row) {
                    let value = try compiler.compile(expression).evaluate(one).value(at: 0)
                    column.append(value: LiteralNode.conform(value, to: column.type))
                }
            }
            batch.count = rows.count
            return Pipeline(source: .batches(rows.isEmpty ? [] : [batch]), fields: fields)
        case .series(let series):
            _ = parent?.child("SERIES", "\(series.field.name), about \(series.estimatedRows) rows")
            let batches = try SeriesBatches.make(series, memoryLimit: context.options.memoryLimit)
            return Pipeline(source: .batches(batches), fields: [series.field])
        case .filter(let input, let predicate):
            let profile = parent?.child("FILTER", "")
            let pipeline = try self.pipeline(input, profile: profile)
            pipeline.stages.append(FilterStage(predicate: try compiler.compile(predicate), profile: profile))
            return pipeline
        case .project(let input, let expressions, let fields):
            if case .join(let join) = input, let fused = try joinPipeline(join, expressions, fields, profile: parent) {
                return fused
            }
            let profile = parent?.child("PROJECT", fields.map(\.name).joined(separator: ", "))
            let pipeline = try self.pipeline(input, profile: profile)
            let nodes = try expressions.map { (e) throws(ExecutionError) in try compiler.compile(e) }
            pipeline.stages.append(ProjectStage(expressions: nodes, profile: profile))
            return Pipeline(reusing: pipeline, fields: fields)
        case .join(let join):
            return try JoinPlanner(planner: self).pipeline(join, profile: parent)
        case .setOperation(let operation):
            let batches = try SetOperationOperator(planner: self).run(operation, profile: parent)
            return Pipeline(source: .batches(batches), fields: operation.fields)
        case .cteScan(let reference):
            guard let batches = context.cteResults.batches(for: reference.id) else {
                throw ExecutionError(.internal, "the CTE \"\(reference.name)\" was read before it was computed")
            }
            let profile = parent?.child(reference.isWorkingTable ? "WORKING_TABLE" : "CTE_SCAN", reference.name)
            profile?.addRows(out: batches.reduce(0) { $0 + $1.liveCount })
            return Pipeline(source: .batches(batches), fields: reference.fields)
        case .materializedCTE(let cte):
            try compute(cte, profile: parent)
            return try pipeline(cte.body, profile: parent)
        case .recursiveCTE(let cte):
            let batches = try RecursiveCTEOperator(planner: self).run(cte, rowLimit: nil, profile: parent)
            return Pipeline(source: .batches(batches), fields: cte.fields)
        default:
            let batches = try materialize(plan, profile: parent)
            return Pipeline(source: .batches(batches), fields: plan.fields)
        }
    }

    /// A projection over a join: the join outputs only the columns the projection reads (a join
    /// key is often read by nothing above, and gathering it for every output row is wasted), and
    /// a projection that only keeps columns needs no stage of its own. Nil when it reads every column.
    private func joinPipeline(
        _ join: Join, _ expressions: [BoundExpression], _ fields: [Field], profile parent: OperatorProfile?
    ) throws(ExecutionError) -> Pipeline? {
        let used = expressions.reduce(into: Set<Int>()) { $0.formUnion(PlanUtilities.columns(of: $1)) }.sorted()
        let joinFields = LogicalPlan.join(join).fields
        guard !used.isEmpty && used.count < joinFields.count else { return nil }
        let position = Dictionary(uniqueKeysWithValues: used.enumerated().map { ($1, $0) })
        let remapped = expressions.map { PlanUtilities.remap($0) { position[$0]! } }
        let keepsColumns = remapped == used.indices.map { .column(index: $0, type: joinFields[used[$0]].type) }
        let profile = keepsColumns ? parent : parent?.child("PROJECT", fields.map(\.name).joined(separator: ", "))
        let pipeline = try JoinPlanner(planner: self).pipeline(join, profile: profile, outputColumns: used)
        if keepsColumns { return Pipeline(reusing: pipeline, fields: fields) }
        let nodes = try remapped.map { (e) throws(ExecutionError) in try compiler.compile(e) }
        pipeline.stages.append(ProjectStage(expressions: nodes, profile: profile))
        return Pipeline(reusing: pipeline, fields: fields)
    }

    /// Runs a materialized CTE's definition and stores its rows for the references in its body;
    /// they stay reserved from the memory limit until the query ends.
    func compute(_ cte: MaterializedCTEPlan, profile parent: OperatorProfile?) throws(ExecutionError) {
        let profile = parent?.child("MATERIALIZED_CTE", cte.name)
        let start = ContinuousClock.now
        let batches = try materialize(cte.definition, profile: profile)
        try context.tracker.reserve(
            batches.reduce(0) { $0 + MemoryTracker.bytes(of: $1) }, for: "materialized CTE \"\(cte.name)\"")
        context.cteResults.store(batches, for: cte.id)
        profile?.addTime(ContinuousClock.now - start)
        profile?.addRows(out: batches.reduce(0) { $0 + $1.liveCount })
    }

    /// Under a LIMIT of `rows` rows (offset included): a recursive CTE below only projections runs
    /// just until it has that many rows, and the plan returned reads them back; nil for other plans.
    /// Projections keep the number and order of rows, so the LIMIT's answer is the same.
    private func runRecursion(_ plan: LogicalPlan, rows: Int, profile: OperatorProfile?) throws(ExecutionError)
        -> LogicalPlan?
    {
        switch plan {
        case .project(let input, let expressions, let fields):
            guard let capped = try runRecursion(input, rows: rows, profile: profile) else { return nil }
            return .project(input: capped, expressions: expressions, fields: fields)
        case .recursiveCTE(let cte):
            let batches = try RecursiveCTEOperator(planner: self).run(cte, rowLimit: rows, profile: profile)
            // The working table's number is free once the recursion is done: it now holds the result.
            context.cteResults.store(batches, for: cte.id)
            return .cteScan(
                CTEReference(id: cte.id, name: cte.name, fields: cte.fields, isWorkingTable: false, estimatedRows: rows)
            )
        default:
            return nil
        }
    }

    private func describe(_ predicate: ScanPredicate) -> String {
        "#\(predicate.column) \(predicate.comparison.rawValue) "
            + predicate.constants.map(\.description).joined(separator: ", ")
    }
}

extension Pipeline {
    /// The same source and stages with new output fields.
    convenience init(reusing other: Pipeline, fields: [Field]) {
        self.init(source: other.source, fields: fields)
        self.stages = other.stages
    }
}

/// LIMIT / OFFSET over materialized batches.
enum LimitOperator {
    static func slice(_ batches: [Batch], limit: Int?, offset: Int) -> [Batch] {
        var skip = offset
        var remaining = limit ?? Int.max
        var result: [Batch] = []
        for raw in batches {
            if remaining <= 0 { break }
            let batch = raw.compacted()
            let count = batch.count
            if skip >= count {
                skip -= count
                continue
            }
            let take = Swift.min(count - skip, remaining)
            if skip == 0 && take == count {
                result.append(batch)
            } else {
                let indices = (skip..<(skip + take)).map { Int32($0) }
                result.append(indices.withUnsafeBufferPointer { batch.gathered($0) })
            }
            remaining -= take
            skip = 0
        }
        return result
    }
}
