import PlazaCore
import PlazaPlanner
import PlazaVector

/// Plans a hash join: materializes and indexes the build side, and appends a probe stage to the
/// other side's pipeline.
///
/// INNER joins build on the side with fewer estimated rows; LEFT, SEMI and ANTI build on the
/// right. NULL keys never match. ANTI follows `NOT IN` semantics: a NULL among the build keys
/// leaves no row, and a probe row with a NULL key is dropped unless the build side is empty.
struct JoinPlanner {
    let planner: PhysicalPlanner

    func pipeline(_ join: Join, profile parent: OperatorProfile?) throws(ExecutionError) -> Pipeline {
        let swap = join.kind == .inner && JoinPlanner.estimate(join.left) < JoinPlanner.estimate(join.right)
        let profile = parent?.child("HASH_JOIN", join.kind.rawValue.uppercased() + (swap ? " (build: left)" : " (build: right)"))
        let buildPlan = swap ? join.left : join.right
        let probePlan = swap ? join.right : join.left
        let buildProfile = profile?.child("BUILD", "")
        let buildBatches = try planner.materialize(buildPlan, profile: buildProfile)
        let compiler = planner.compiler
        let buildKeys = try (swap ? join.leftKeys : join.rightKeys).map { (e) throws(ExecutionError) in try compiler.compile(e) }
        var probeKeys = try (swap ? join.rightKeys : join.leftKeys).map { (e) throws(ExecutionError) in try compiler.compile(e) }
        for (index, key) in probeKeys.enumerated() where key.type != buildKeys[index].type {
            probeKeys[index] = FunctionNode(name: "cast", arguments: [key], type: buildKeys[index].type,
                kernel: try CastKernels.kernel(from: key.type, to: buildKeys[index].type, isTry: false))
        }
        let table = try JoinTable(batches: buildBatches, fields: buildPlan.fields, keys: buildKeys, context: planner.context)
        buildProfile?.addRows(out: table.rowCount)
        let residual = try join.residual.map { (e) throws(ExecutionError) in try compiler.compile(e) }
        let pipeline = try planner.pipeline(probePlan, profile: profile)
        pipeline.stages.append(ProbeStage(table: table, probeKeys: probeKeys, kind: join.kind, buildIsLeft: swap, residual: residual, profile: profile))
        let fields = join.kind == .semi || join.kind == .anti ? join.left.fields : join.left.fields + join.right.fields
        return Pipeline(reusing: pipeline, fields: fields)
    }

    /// Rows a plan may produce, from its scans' estimates (aggregates and filters keep the estimate).
    static func estimate(_ plan: LogicalPlan) -> Int {
        switch plan {
        case .scan(let scan): return scan.estimatedRows
        case .values(let rows, _): return rows.count
        case .filter(let input, _), .project(let input, _, _), .aggregate(let input, _, _, _), .sort(let input, _), .distinct(let input):
            return estimate(input)
        case .limit(let input, let limit, _): return Swift.min(estimate(input), limit ?? Int.max)
        case .join(let join): return Swift.max(estimate(join.left), estimate(join.right))
        }
    }
}

/// The build side: all its rows in flat columns, and a hash table from key to a chain of rows.
final class JoinTable: @unchecked Sendable {
    // Safe to share: read-only once built.
    let columns: [ColumnVector]
    let rowCount: Int
    let table: GroupTable
    /// First row of each key's chain, and the next row of each row (-1 ends a chain).
    let heads: [Int32]
    let next: [Int32]
    let hasNullKey: Bool
    let trackedBytes: Int
    let tracker: MemoryTracker

    init(batches: [Batch], fields: [Field], keys: [ExpressionNode], context: QueryContext) throws(ExecutionError) {
        let compact = batches.map { $0.compacted() }
        let count = compact.reduce(0) { $0 + $1.count }
        let columns = fields.enumerated().map { (index, field) in GatherKernel.concatenate(compact.map { $0.columns[index] }, type: field.type) }
        self.columns = columns
        rowCount = count
        tracker = context.tracker
        let bytes = columns.reduce(0) { $0 + $1.count * Swift.max($1.byteWidth, 4) + $1.heapCount } + count * 8
        try tracker.reserve(bytes, for: "hash join build")
        trackedBytes = bytes
        let table = GroupTable(types: keys.map(\.type), tracker: context.tracker, operatorName: "hash join build")
        self.table = table
        var heads: [Int32] = []
        var next = [Int32](repeating: -1, count: count)
        var sawNull = false
        let all = Batch(columns: columns, count: count)
        var keyVectors: [ColumnVector] = []
        for key in keys { keyVectors.append(try key.evaluate(all)) }
        var valid: [Int32] = []
        for row in 0..<count {
            if keyVectors.allSatisfy({ $0.type != .null && $0.isValid(at: row) }) { valid.append(Int32(row)) } else { sawNull = true }
        }
        let dense = valid.withUnsafeBufferPointer { rows in keyVectors.map { GatherKernel.gather($0, rows) } }
        var groups = [Int32](repeating: 0, count: valid.count)
        if !valid.isEmpty {
            try groups.withUnsafeMutableBufferPointer { (buffer) throws(ExecutionError) in
                try table.findOrInsert(dense, rowCount: valid.count, into: buffer.baseAddress!)
            }
        }
        heads = [Int32](repeating: -1, count: table.groupCount)
        // Insert in reverse so each chain lists rows in input order.
        for i in stride(from: valid.count - 1, through: 0, by: -1) {
            let g = Int(groups[i])
            next[Int(valid[i])] = heads[g]
            heads[g] = valid[i]
        }
        self.heads = heads
        self.next = next
        self.hasNullKey = sawNull
    }

    deinit { tracker.release(trackedBytes) }
}

/// Probes the join table with each batch of the other side.
final class ProbeStage: Stage, @unchecked Sendable {
    let table: JoinTable
    let probeKeys: [ExpressionNode]
    let kind: Join.Kind
    let buildIsLeft: Bool
    let residual: ExpressionNode?

    init(table: JoinTable, probeKeys: [ExpressionNode], kind: Join.Kind, buildIsLeft: Bool, residual: ExpressionNode?, profile: OperatorProfile?) {
        self.table = table
        self.probeKeys = probeKeys
        self.kind = kind
        self.buildIsLeft = buildIsLeft
        self.residual = residual
        super.init(profile: profile)
    }

    override func process(_ input: Batch, _ worker: WorkerState) throws(ExecutionError) -> [Batch] {
        let batch = input.compacted()
        let count = batch.count
        if kind == .anti && table.rowCount > 0 && table.hasNullKey { return [] }
        if kind == .anti && table.rowCount == 0 { return [batch] }
        let groups = UnsafeMutablePointer<Int32>.allocate(capacity: Swift.max(count, 1))
        defer { groups.deallocate() }
        if probeKeys.count == 1, let column = probeKeys[0] as? ColumnNode, let dictionary = batch.columns[column.index].dictionary {
            // One dictionary-encoded key: look each dictionary entry up once per row group.
            let key = ObjectIdentifier(self)
            if worker.dictionaryGroups[key]?.dictionary !== dictionary {
                var map = [Int32](repeating: -1, count: Swift.max(dictionary.count, 1))
                if dictionary.count > 0 {
                    map.withUnsafeMutableBufferPointer { table.table.find([dictionary], rowCount: dictionary.count, into: $0.baseAddress!, using: KeyPacker()) }
                }
                worker.dictionaryGroups[key] = (dictionary, map)
            }
            let vector = batch.columns[column.index]
            let codes = vector.values(as: UInt32.self)
            let validity = vector.validity
            worker.dictionaryGroups[key]!.groups.withUnsafeBufferPointer { map in
                for row in 0..<count { groups[row] = validity.isValid(at: row) ? map[Int(codes[row])] : -2 }
            }
        } else {
            var keys: [ColumnVector] = []
            for key in probeKeys { keys.append(try key.evaluate(batch)) }
            table.table.find(keys, rowCount: count, into: groups, using: KeyPacker())
            for row in 0..<count where !keys.allSatisfy({ $0.type != .null && $0.isValid(at: row) }) { groups[row] = -2 }  // NULL key
        }

        var outputs: [Batch] = []
        var matched = [Bool](repeating: false, count: count)
        var probeRows: [Int32] = []
        var buildRows: [Int32] = []
        func flush() throws(ExecutionError) {
            if probeRows.isEmpty { return }
            var pairBatch = makePairs(batch, probeRows, buildRows)
            if let residual {
                let flags = try residual.evaluate(pairBatch)
                var keepProbe: [Int32] = [], keepBuild: [Int32] = []
                let values = flags.data.assumingMemoryBound(to: UInt8.self)
                for i in 0..<probeRows.count where flags.type != .null && flags.isValid(at: i) && values[i] != 0 {
                    keepProbe.append(probeRows[i])
                    keepBuild.append(buildRows[i])
                }
                if keepProbe.count != probeRows.count {
                    probeRows = keepProbe
                    buildRows = keepBuild
                    pairBatch = makePairs(batch, probeRows, buildRows)
                }
            }
            for row in probeRows { matched[Int(row)] = true }
            if (kind == .inner || kind == .left) && !probeRows.isEmpty { outputs.append(pairBatch) }
            probeRows.removeAll(keepingCapacity: true)
            buildRows.removeAll(keepingCapacity: true)
        }
        let heads = table.heads, next = table.next
        for row in 0..<count {
            let g = Int(groups[row])
            if g < 0 { continue }
            var b = heads[g]
            while b >= 0 {
                probeRows.append(Int32(row))
                buildRows.append(b)
                if probeRows.count >= ColumnVector.batchCapacity { try flush() }
                b = next[Int(b)]
            }
        }
        try flush()
        switch kind {
        case .inner:
            return outputs
        case .left:
            let unmatched = (0..<count).filter { !matched[$0] }.map { Int32($0) }
            if !unmatched.isEmpty { outputs.append(makePairs(batch, unmatched, [Int32](repeating: -1, count: unmatched.count))) }
            return outputs
        case .semi, .anti:
            let wanted = kind == .semi
            // ANTI drops NULL-key probe rows (NOT IN semantics); SEMI never matches them.
            let rows = (0..<count).filter { matched[$0] == wanted && (wanted || groups[$0] != -2) }.map { Int32($0) }
            if rows.count == count { return [batch] }
            return rows.isEmpty ? [] : [rows.withUnsafeBufferPointer { batch.gathered($0) }]
        }
    }

    /// Output rows for pairs: left columns then right columns (a build row of -1 gives NULLs).
    private func makePairs(_ batch: Batch, _ probeRows: [Int32], _ buildRows: [Int32]) -> Batch {
        let probeColumns = probeRows.withUnsafeBufferPointer { rows in batch.columns.map { GatherKernel.gather($0, rows) } }
        let buildColumns = buildRows.withUnsafeBufferPointer { rows in table.columns.map { GatherKernel.gather($0, rows) } }
        let columns = buildIsLeft ? buildColumns + probeColumns : probeColumns + buildColumns
        return Batch(columns: columns, count: probeRows.count)
    }
}
