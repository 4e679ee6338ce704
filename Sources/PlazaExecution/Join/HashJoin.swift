import PlazaCore
import PlazaPlanner
import PlazaVector

/// Plans a hash join: materializes and indexes the build side, and appends a probe stage to the
/// other side's pipeline.
///
/// INNER and FULL joins build on the side with fewer estimated rows. LEFT joins build on the
/// right, unless the right side is much larger: then the left side builds, the right side
/// probes, and the left rows no right row matched are added at the end; RIGHT joins are the
/// mirror image. SEMI and ANTI build on the right. NULL keys never match. ANTI follows `NOT IN`
/// semantics: a NULL among the build keys leaves no row, and a probe row with a NULL key is
/// dropped unless the build side is empty.
///
/// A join without an equality key is a nested loop: the build side is one chain of all its
/// rows, and every probe row is paired with each of them, 2,048 pairs at a time, before the
/// residual condition filters the pairs.
struct JoinPlanner {
    let planner: PhysicalPlanner

    /// The two sides of a join as planned: which one builds, and the compiled keys.
    struct Sides {
        let buildIsLeft: Bool
        let buildPlan: LogicalPlan
        let probePlan: LogicalPlan
        let buildKeys: [ExpressionNode]
        let probeKeys: [ExpressionNode]
        /// The residual, over the columns it reads (`residualColumns`, in that order).
        let residual: ExpressionNode?
        /// The columns (left, then right) the residual reads, ascending.
        let residualColumns: [Int]
        /// The join as the probe stage sees it: LEFT keeps the probe rows nothing matched.
        let probeKind: Join.Kind
        /// Whether build rows are added after the probe: those nothing matched, with NULLs (outer
        /// joins), or for a SEMI or NOT EXISTS join built on its left side, those whose mark is `keptMark`.
        let keepsBuildRows: Bool
        /// SEMI or NOT EXISTS built on the left: the probe only marks build rows, and the kept
        /// build rows alone are the output.
        let marksBuildRows: Bool
        /// The mark of the build rows added after the probe: 0 (unmatched) or 1 (matched, SEMI).
        let keptMark: UInt8
    }

    /// The pipeline of `join`'s rows; with `outputColumns` (ascending positions of its fields),
    /// only those columns (a projection above reads no others, often not the keys).
    func pipeline(_ join: Join, profile parent: OperatorProfile?, outputColumns: [Int]? = nil) throws(ExecutionError)
        -> Pipeline
    {
        let sides = try plan(join)
        let isNestedLoop = join.leftKeys.isEmpty
        let profile = parent?.child(
            isNestedLoop ? "NESTED_LOOP_JOIN" : "HASH_JOIN",
            join.kind.rawValue.uppercased() + (sides.buildIsLeft ? " (build: left" : " (build: right")
                + (isNestedLoop ? ", pairs≈\(join.estimatedPairs))" : ")"))
        let buildProfile = profile?.child("BUILD", "")
        let allFields = LogicalPlan.join(join).fields
        let fields = outputColumns.map { $0.map { allFields[$0] } } ?? allFields
        let outputs = outputColumns.map {
            JoinOutput.columns(
                $0, kind: join.kind, buildIsLeft: sides.buildIsLeft, buildCount: sides.buildPlan.fields.count,
                probeCount: sides.probePlan.fields.count)
        }
        let table: JoinTable
        do {
            let buildBatches = try planner.materialize(sides.buildPlan, profile: buildProfile)
            table = try JoinTable(
                batches: buildBatches, fields: sides.buildPlan.fields, keys: sides.buildKeys, context: planner.context,
                outputColumns: outputs.map { Set($0.filter(\.isBuild).map(\.index)) })
        } catch {
            guard case .memoryLimit = error.kind else { throw error }
            if isNestedLoop {
                // Without a key there is nothing to partition by: every pair needs the whole build side.
                throw ExecutionError(
                    .memoryLimit,
                    "a join without an equality condition (nested loop) needs its smaller side in memory: "
                        + error.message)
            }
            // Past the memory limit: join partition by partition through temporary files.
            let output = try SpillingJoin(planner: planner, join: join, sides: sides, profile: profile).run()
            profile?.addRows(out: output.rowCount)
            let scan = TableScan(
                table: "hash join output", columns: Array(allFields.indices), fields: allFields,
                estimatedRows: output.rowCount)
            let spilled = Pipeline(source: .scan(source: output, scan: scan, profile: nil), fields: allFields)
            if let outputColumns {
                let columns = outputColumns.map { ColumnNode(index: $0, type: allFields[$0].type) as ExpressionNode }
                spilled.stages.append(ProjectStage(expressions: columns, profile: nil))
            }
            return Pipeline(reusing: spilled, fields: fields)
        }
        buildProfile?.addRows(out: table.rowCount)
        let pipeline = try planner.pipeline(sides.probePlan, profile: profile)
        let stage = ProbeStage(
            table: table, probeKeys: sides.probeKeys, kind: sides.probeKind, buildIsLeft: sides.buildIsLeft,
            residual: sides.residual, residualColumns: sides.residualColumns,
            unmatchedBuildRows: sides.keepsBuildRows
                ? UnmatchedBuildRows(
                    probeFields: sides.marksBuildRows ? [] : sides.probePlan.fields, keptMark: sides.keptMark,
                    outputs: outputs) : nil,
            discardsOutput: sides.marksBuildRows,
            // A probe that only marks build rows outputs nothing: the kept build rows are the output.
            outputs: sides.marksBuildRows ? nil : outputs, probeColumnCount: sides.probePlan.fields.count,
            profile: profile)
        if isNestedLoop {
            // About 64K pairs per probe call at most (a slice is never less than one probe row).
            let sliceRows = (1 << 16) / Swift.max(table.rowCount, 1)
            if sliceRows < ColumnVector.batchCapacity { pipeline.stages.append(ProbeSliceStage(rows: sliceRows)) }
        }
        pipeline.stages.append(stage)
        return Pipeline(reusing: pipeline, fields: fields)
    }

    /// Chooses the build side and compiles the keys (probe keys cast to the build keys' types).
    func plan(_ join: Join) throws(ExecutionError) -> Sides {
        // Rows each side gives once its filters apply: the side with few rows left after a
        // selective filter is the hash table, however large its table (TPC-H Q12's lineitem).
        let leftRows = join.left.filteredEstimate, rightRows = join.right.filteredEstimate
        let buildIsLeft: Bool
        switch join.kind {
        // The left side is usually the probe pipeline of a chain of joins: built only when its
        // values (rows times columns) are clearly fewer, since building it ends that pipeline.
        // Columns count: a wide side built is gathered for every output row (Q10's customer).
        case .inner, .full:
            let leftWidth = Double(Swift.max(join.left.fields.count, 1))
            let rightWidth = Double(Swift.max(join.right.fields.count, 1))
            buildIsLeft = 2 * leftRows * leftWidth < rightRows * rightWidth
        case .left: buildIsLeft = leftRows * 4 < rightRows
        case .right: buildIsLeft = !(rightRows * 4 < leftRows)
        case .semi, .notExists:
            // A left side much smaller than the right (orders of one quarter EXISTS in lineitem) is
            // built, and the right side probes it and marks what it matches (DuckDB's RIGHT_SEMI).
            buildIsLeft = !join.leftKeys.isEmpty && leftRows * 4 < rightRows
        case .anti: buildIsLeft = false
        }
        let marksBuildRows = buildIsLeft && (join.kind == .semi || join.kind == .notExists)
        let keepsProbeRows = buildIsLeft ? join.keepsRightRows : join.keepsLeftRows
        let probeKind: Join.Kind
        switch join.kind {
        case .semi, .anti, .notExists: probeKind = marksBuildRows ? .inner : join.kind
        default: probeKind = keepsProbeRows ? .left : .inner
        }
        let compiler = planner.compiler
        let buildKeys = try (buildIsLeft ? join.leftKeys : join.rightKeys).map { (e) throws(ExecutionError) in
            try compiler.compile(e)
        }
        var probeKeys = try (buildIsLeft ? join.rightKeys : join.leftKeys).map { (e) throws(ExecutionError) in
            try compiler.compile(e)
        }
        for (index, key) in probeKeys.enumerated() where key.type != buildKeys[index].type {
            probeKeys[index] = FunctionNode(
                name: nil, arguments: [key], type: buildKeys[index].type,
                kernel: try CastKernels.kernel(from: key.type, to: buildKeys[index].type, isTry: false))
        }
        // The residual is evaluated over the columns it reads only: pairs gather no other column
        // before it has filtered them.
        let residualColumns = join.residual.map { PlanUtilities.columns(of: $0).sorted() } ?? []
        let residual = try join.residual.map { (e) throws(ExecutionError) in
            try compiler.compile(PlanUtilities.remap(e) { residualColumns.firstIndex(of: $0)! })
        }
        return Sides(
            buildIsLeft: buildIsLeft, buildPlan: buildIsLeft ? join.left : join.right,
            probePlan: buildIsLeft ? join.right : join.left,
            buildKeys: buildKeys, probeKeys: probeKeys, residual: residual,
            residualColumns: residualColumns, probeKind: probeKind,
            keepsBuildRows: marksBuildRows || (buildIsLeft ? join.keepsLeftRows : join.keepsRightRows),
            marksBuildRows: marksBuildRows, keptMark: join.kind == .semi ? 1 : 0)
    }

    /// The build rows no probe row matched (`matched[row] == 0`), with NULLs for the probe
    /// columns, in the join's column order (left, then right).
    static func unmatchedBuildRows(
        _ table: JoinTable, matched: UnsafeMutablePointer<UInt8>, probeFields: [Field], buildIsLeft: Bool,
        keptMark: UInt8 = 0, outputs: [JoinOutput]? = nil
    ) -> [Batch] {
        var batches: [Batch] = []
        var unmatched: [Int32] = []
        let outputs =
            outputs
            ?? JoinOutput.columns(
                nil, kind: .inner, buildIsLeft: buildIsLeft, buildCount: table.columns.count,
                probeCount: probeFields.count)
        func emit() {
            let n = unmatched.count
            let columns = unmatched.withUnsafeBufferPointer { rows in
                JoinOutput.assemble(
                    outputs, probe: { GatherKernel.constant(.null, type: probeFields[$0].type, count: n) },
                    build: { table.gather(column: $0, rows) })
            }
            batches.append(Batch(columns: columns, count: n))
            unmatched.removeAll(keepingCapacity: true)
        }
        for row in 0..<table.rowCount where matched[row] == keptMark {
            unmatched.append(Int32(truncatingIfNeeded: row))
            if unmatched.count == ColumnVector.batchCapacity { emit() }
        }
        if !unmatched.isEmpty { emit() }
        return batches
    }
}
