import PlazaCore
import PlazaPlanner
import PlazaVector
import Synchronization

/// Probes the join table with each batch of the other side.
///
/// When each probe row matches at most one build row (unique build keys, or SEMI/ANTI) and there
/// is no residual, the probe columns pass through untouched with a selection vector, and only the
/// build columns are gathered (as dictionary codes). Otherwise matching pairs are expanded into
/// batches of at most 2,048 rows.
final class ProbeStage: FinishingStage, @unchecked Sendable {
    // Safe to share: immutable; per-thread caches live in `WorkerState`.
    /// Where EXPLAIN ANALYZE counts the stage's rows and time, or nil.
    let profile: OperatorProfile?
    let table: JoinTable
    let probeKeys: [ExpressionNode]
    /// The join seen from the probe side: INNER, LEFT (keep the probe rows nothing matched, with
    /// NULL build columns), SEMI or ANTI; the build side's unmatched rows are the caller's.
    let kind: Join.Kind
    let buildIsLeft: Bool
    /// The residual condition, over the columns `residualColumns` lists (in that order).
    let residual: ExpressionNode?
    /// The output columns (left, then right) the residual reads, ascending.
    let residualColumns: [Int]
    /// For an outer join that keeps the build side's unmatched rows: which rows each worker
    /// matched, and the rows to add once the probe is over (`finish`).
    let unmatchedBuildRows: UnmatchedBuildRows?
    /// Whether the probe only marks build rows (a SEMI or NOT EXISTS join built on its left):
    /// its pairs are not output, the marked build rows are, at the end.
    let discardsOutput: Bool
    /// The probe key columns, when every key is a plain column reference.
    let keyColumns: [Int]?
    /// Per build column: its position among the columns with a dictionary, or -1.
    let dictionarySlots: [Int]
    /// The number of build columns with a dictionary.
    let dictionaryColumnCount: Int
    /// Keys this stage's per-worker dictionary entry answers (`JoinDictionaryProbe.swift`).
    let entryCacheToken = JoinEntryCacheToken()
    /// The columns the stage outputs, in order: every column of the join, or those the plan above reads.
    let outputs: [JoinOutput]

    /// A probe stage; `outputs` nil outputs every column of the join (`probeColumnCount` of them
    /// from the probe side).
    init(
        table: JoinTable, probeKeys: [ExpressionNode], kind: Join.Kind, buildIsLeft: Bool, residual: ExpressionNode?,
        residualColumns: [Int], unmatchedBuildRows: UnmatchedBuildRows?, discardsOutput: Bool = false,
        outputs: [JoinOutput]? = nil, probeColumnCount: Int, profile: OperatorProfile?
    ) {
        precondition(kind != .right && kind != .full, "a probe stage keeps unmatched probe rows only (LEFT)")
        self.table = table
        self.probeKeys = probeKeys
        self.kind = kind
        self.buildIsLeft = buildIsLeft
        self.residual = residual
        self.residualColumns = residualColumns
        self.unmatchedBuildRows = unmatchedBuildRows
        self.discardsOutput = discardsOutput
        let columns = probeKeys.compactMap { ($0 as? ColumnNode)?.index }
        self.keyColumns = columns.count == probeKeys.count ? columns : nil
        var slots: [Int] = []
        var slotCount = 0
        for column in table.columns.indices {
            slots.append(table.codes[column] != nil ? slotCount : -1)
            slotCount += table.codes[column] != nil ? 1 : 0
        }
        dictionarySlots = slots
        dictionaryColumnCount = slotCount
        self.outputs =
            outputs
            ?? JoinOutput.columns(
                nil, kind: kind, buildIsLeft: buildIsLeft, buildCount: table.columns.count,
                probeCount: probeColumnCount)
        self.profile = profile
    }

    /// The output vectors, taking probe column `i` from `probe(i)` and build column `i` from `build(i)`.
    @inline(__always)
    func assemble(probe: (Int) -> ColumnVector, build: (Int) -> ColumnVector) -> [ColumnVector] {
        JoinOutput.assemble(outputs, probe: probe, build: build)
    }

    func process(_ input: Batch, _ worker: WorkerState) throws(ExecutionError) -> [Batch] {
        let flags = unmatchedBuildRows?.flags(of: worker, rows: table.rowCount)
        if discardsOutput, residual == nil, let flags {
            try mark(input, worker, flags)
            return []
        }
        let output = try probe(input, worker, matched: flags)
        return discardsOutput ? [] : output
    }

    /// A SEMI or NOT EXISTS join built on its left, without a residual: marks every build row a
    /// probe row's key finds, and gathers nothing (its output is the marked build rows, at the end).
    private func mark(_ input: Batch, _ worker: WorkerState, _ flags: UnsafeMutablePointer<UInt8>)
        throws(ExecutionError)
    {
        if table.rowCount == 0 { return }
        let batch = keyColumns != nil ? input : input.compacted()
        let count = batch.count
        let groups = UnsafeMutablePointer<Int32>.allocate(capacity: Swift.max(count, 1))
        defer { groups.deallocate() }
        try findGroups(batch, worker, groups)
        let heads = table.heads, next = table.next
        @inline(__always) func markChain(_ row: Int) {
            let g = Int(groups[row])
            if g < 0 { return }
            var b = heads[g]
            while b >= 0 {
                flags[Int(b)] = 1
                b = next[Int(b)]
            }
        }
        if let selection = batch.selection {
            for i in 0..<selection.count { markChain(Int(selection.indices[i])) }
        } else {
            for row in 0..<count { markChain(row) }
        }
    }

    /// The build rows added once the probe is over: those no worker matched, with NULLs for the
    /// probe columns (outer joins), or the marked ones alone (SEMI built on the left); none otherwise.
    func finish() -> [Batch] {
        guard let unmatchedBuildRows else { return [] }
        return unmatchedBuildRows.rows(of: table, buildIsLeft: buildIsLeft)
    }

    /// Whether output rows can keep the input's rows in place (one match at most per probe row).
    private var selects: Bool { residual == nil && (table.isUnique || kind.isFilter) }

    /// Joins one batch; `matched`, when given, gets a 1 for every build row that found a partner.
    func probe(_ input: Batch, _ worker: WorkerState, matched: UnsafeMutablePointer<UInt8>?)
        throws(ExecutionError) -> [Batch]
    {
        if kind == .anti && table.rowCount > 0 && table.hasNullKey { return [] }
        if (kind == .anti || kind == .notExists) && table.rowCount == 0 {
            let columns = assemble(probe: { input.columns[$0] }, build: { _ in preconditionFailure() })
            return [Batch(columns: columns, count: input.count, selection: input.selection)]
        }
        if (kind == .inner || kind == .semi) && table.keyCount == 0 { return [] }
        if selects, let keyColumns, keyColumns.count == 1,
            let output = dictionaryOutput(input, keyColumn: keyColumns[0], worker, matched: matched)
        {
            return output
        }
        let batch = selects && keyColumns != nil ? input : input.compacted()
        if table.keyTypes.isEmpty && residual == nil && (kind == .inner || kind == .left)
            && table.rowCount >= ColumnVector.batchCapacity / 2
        {
            return crossOutput(batch, matched)
        }
        let count = batch.count
        let groups = UnsafeMutablePointer<Int32>.allocate(capacity: Swift.max(count, 1))
        defer { groups.deallocate() }
        try findGroups(batch, worker, groups)
        if selects { return selectOutput(batch, groups, matched) }
        return try pairOutput(batch, groups, matched)
    }

    private func findGroups(_ batch: Batch, _ worker: WorkerState, _ groups: UnsafeMutablePointer<Int32>)
        throws(ExecutionError)
    {
        let count = batch.count
        if let keyColumns, keyColumns.count == 1, let dictionary = batch.columns[keyColumns[0]].dictionary {
            // One dictionary-encoded key: look each dictionary entry up once per row group.
            let key = ObjectIdentifier(self)
            if worker.dictionaryGroups[key]?.dictionary !== dictionary {
                var map = [Int32](repeating: -1, count: Swift.max(dictionary.count, 1))
                if dictionary.count > 0 {
                    map.withUnsafeMutableBufferPointer {
                        table.find([dictionary], count: dictionary.count, into: $0.baseAddress!, packer: KeyPacker())
                    }
                }
                worker.dictionaryGroups[key] = (dictionary, map)
            }
            let vector = batch.columns[keyColumns[0]]
            let codes = vector.data.assumingMemoryBound(to: UInt32.self)
            let validity = vector.validity
            worker.dictionaryGroups[key]!.groups.withUnsafeBufferPointer { map in
                if validity.isAllValid {
                    for row in 0..<count { groups[row] = map[Int(codes[row])] }
                } else {
                    for row in 0..<count { groups[row] = validity.isValid(at: row) ? map[Int(codes[row])] : -2 }
                }
            }
            return
        }
        var keys: [ColumnVector] = []
        if let keyColumns {
            for column in keyColumns { keys.append(batch.columns[column]) }
        } else {
            for key in probeKeys { keys.append(try key.evaluate(batch)) }
        }
        if let selection = batch.selection, selection.count * 2 < count {
            // A selective filter below left few live rows: look up only theirs (TPC-H Q14 probed
            // 80 dead rows for every live one). The others get -1, as a key without a match.
            groups.initialize(repeating: -1, count: count)
            let live = UnsafeBufferPointer(start: selection.indices, count: selection.count)
            let found = UnsafeMutablePointer<Int32>.allocate(capacity: Swift.max(live.count, 1))
            defer { found.deallocate() }
            table.find(keys.map { GatherKernel.gather($0, live) }, count: live.count, into: found, packer: KeyPacker())
            for i in 0..<live.count { groups[Int(live[i])] = found[i] }
            return
        }
        table.find(keys, count: count, into: groups, packer: KeyPacker())
    }

    /// One output row at most per probe row: the probe columns as they are, under a selection.
    private func selectOutput(
        _ batch: Batch, _ groups: UnsafeMutablePointer<Int32>, _ matched: UnsafeMutablePointer<UInt8>?
    ) -> [Batch] {
        let count = batch.count
        let live = batch.liveCount
        let selection = SelectionVector(capacity: Swift.max(live, 1))
        let out = selection.indices
        var n = 0
        // Rows kept: SEMI and INNER keep matches, ANTI keeps misses with a non-NULL key, NOT EXISTS
        // keeps misses, LEFT keeps all.
        let keepMatch: Int32 = kind == .anti || kind == .notExists ? 0 : 1
        let keepMiss: Int32 = kind == .inner || kind == .semi ? 0 : 1
        let keepNull: Int32 = kind == .left || kind == .notExists ? 1 : 0
        if let input = batch.selection {
            for i in 0..<input.count {
                let row = input.indices[i]
                let g = groups[Int(row)]
                out[n] = row
                n &+= Int(g >= 0 ? keepMatch : (g == -1 ? keepMiss : keepNull))
            }
        } else {
            for row in 0..<count {
                let g = groups[row]
                out[n] = Int32(truncatingIfNeeded: row)
                n &+= Int(g >= 0 ? keepMatch : (g == -1 ? keepMiss : keepNull))
            }
        }
        if n == 0 { return [] }
        selection.count = n
        let keptSelection: SelectionVector? = n == count ? nil : selection
        if kind.isFilter {
            return [
                Batch(
                    columns: assemble(probe: { batch.columns[$0] }, build: { _ in preconditionFailure() }),
                    count: count,
                    selection: keptSelection)
            ]
        }
        let heads = table.heads
        if n * 4 < count {
            // Few rows left: copy them out rather than gather build columns for every physical row.
            let kept = UnsafeBufferPointer(start: out, count: n)
            let buildRows = UnsafeMutablePointer<Int32>.allocate(capacity: n)
            defer { buildRows.deallocate() }
            for i in 0..<n {
                let g = Int(groups[Int(out[i])])
                buildRows[i] = g >= 0 ? heads[g] : -1
            }
            if let matched { for i in 0..<n where buildRows[i] >= 0 { matched[Int(buildRows[i])] = 1 } }
            let rows = UnsafeBufferPointer(start: buildRows, count: n)
            let columns = assemble(
                probe: { GatherKernel.gather(batch.columns[$0], kept) }, build: { table.gather(column: $0, rows) })
            return [Batch(columns: columns, count: n)]
        }
        // The build row of every physical row (-1: none), so build columns line up with the probe's.
        let buildRows = UnsafeMutablePointer<Int32>.allocate(capacity: Swift.max(count, 1))
        defer { buildRows.deallocate() }
        for row in 0..<count {
            let g = Int(groups[row])
            buildRows[row] = g >= 0 ? heads[g] : -1
        }
        if let matched {
            for i in 0..<n where buildRows[Int(out[i])] >= 0 { matched[Int(buildRows[Int(out[i])])] = 1 }
        }
        let rows = UnsafeBufferPointer(start: buildRows, count: count)
        let columns = assemble(probe: { batch.columns[$0] }, build: { table.gather(column: $0, rows) })
        return [Batch(columns: columns, count: count, selection: keptSelection)]
    }

    /// Every matching pair, in batches of at most 2,048 rows, filtered by the residual.
    private func pairOutput(
        _ batch: Batch, _ groups: UnsafeMutablePointer<Int32>, _ matched: UnsafeMutablePointer<UInt8>?
    ) throws(ExecutionError) -> [Batch] {
        let count = batch.count
        let capacity = ColumnVector.batchCapacity
        let probeRows = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
        let buildRows = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
        let probeMatched = UnsafeMutablePointer<UInt8>.allocate(capacity: Swift.max(count, 1))
        defer {
            probeRows.deallocate()
            buildRows.deallocate()
            probeMatched.deallocate()
        }
        probeMatched.initialize(repeating: 0, count: Swift.max(count, 1))
        var pairs = 0
        var outputs: [Batch] = []
        // A probe that only marks build rows (`discardsOutput`) makes no pairs: its output is dropped.
        let emitsPairs = (kind == .inner || kind == .left) && !discardsOutput
        func flush() throws(ExecutionError) {
            if pairs == 0 { return }
            if let residual {
                // Only the columns the residual reads, until it has filtered the pairs.
                let flags = try residual.evaluate(
                    residualInput(
                        batch, UnsafeBufferPointer(start: probeRows, count: pairs),
                        UnsafeBufferPointer(start: buildRows, count: pairs)))
                var kept = 0
                if flags.type != .null {
                    let values = flags.data.assumingMemoryBound(to: UInt8.self)
                    let validity = flags.validity
                    if validity.isAllValid {
                        for i in 0..<pairs {
                            probeRows[kept] = probeRows[i]
                            buildRows[kept] = buildRows[i]
                            kept &+= values[i] != 0 ? 1 : 0
                        }
                    } else {
                        for i in 0..<pairs where values[i] != 0 && validity.isValid(at: i) {
                            probeRows[kept] = probeRows[i]
                            buildRows[kept] = buildRows[i]
                            kept += 1
                        }
                    }
                }
                pairs = kept
            }
            for i in 0..<pairs { probeMatched[Int(probeRows[i])] = 1 }
            if let matched { for i in 0..<pairs { matched[Int(buildRows[i])] = 1 } }
            if emitsPairs && pairs > 0 {
                outputs.append(
                    makePairs(
                        batch, UnsafeBufferPointer(start: probeRows, count: pairs),
                        UnsafeBufferPointer(start: buildRows, count: pairs)))
            }
            pairs = 0
        }
        if table.keyTypes.isEmpty {
            // A nested loop: every probe row with every build row, a run of build rows at a time.
            let buildCount = table.rowCount
            for row in 0..<count where buildCount > 0 {
                let probeRow = Int32(truncatingIfNeeded: row)
                var start = 0
                while start < buildCount {
                    let n = Swift.min(capacity - pairs, buildCount - start)
                    for i in 0..<n {
                        probeRows[pairs &+ i] = probeRow
                        buildRows[pairs &+ i] = Int32(truncatingIfNeeded: start &+ i)
                    }
                    pairs &+= n
                    start &+= n
                    if pairs == capacity { try flush() }
                }
            }
        } else {
            let heads = table.heads, next = table.next
            for row in 0..<count {
                let g = Int(groups[row])
                if g < 0 { continue }
                var b = heads[g]
                while b >= 0 {
                    probeRows[pairs] = Int32(truncatingIfNeeded: row)
                    buildRows[pairs] = b
                    pairs &+= 1
                    if pairs == capacity { try flush() }
                    b = next[Int(b)]
                }
            }
        }
        try flush()
        switch kind {
        case .left:
            var unmatched: [Int32] = []
            for row in 0..<count where probeMatched[row] == 0 { unmatched.append(Int32(truncatingIfNeeded: row)) }
            if !unmatched.isEmpty {
                let none = [Int32](repeating: -1, count: unmatched.count)
                let pairBatch = unmatched.withUnsafeBufferPointer { probe in
                    none.withUnsafeBufferPointer { makePairs(batch, probe, $0) }
                }
                outputs.append(pairBatch)
            }
            return outputs
        case .semi, .anti, .notExists:
            let wanted: UInt8 = kind == .semi ? 1 : 0
            // ANTI drops NULL-key probe rows (NOT IN semantics); SEMI never matches them; NOT EXISTS keeps them.
            let keepsNullKeys = kind != .anti
            let selection = SelectionVector(capacity: Swift.max(count, 1))
            var n = 0
            for row in 0..<count where probeMatched[row] == wanted && (keepsNullKeys || groups[row] != -2) {
                selection.indices[n] = Int32(truncatingIfNeeded: row)
                n += 1
            }
            selection.count = n
            if n == 0 { return [] }
            return [
                Batch(
                    columns: assemble(probe: { batch.columns[$0] }, build: { _ in preconditionFailure() }),
                    count: count,
                    selection: n == count ? nil : selection)
            ]
        default:
            return outputs
        }
    }

    /// Every probe row with every build row (a nested loop with no condition left), a run of up
    /// to 2,048 build rows per batch beside the probe row repeated; for build sides of at least
    /// 1,024 rows, so batches stay large.
    private func crossOutput(_ batch: Batch, _ matched: UnsafeMutablePointer<UInt8>?) -> [Batch] {
        let buildCount = table.rowCount
        if let matched, batch.count > 0 { matched.update(repeating: 1, count: buildCount) }
        let capacity = ColumnVector.batchCapacity
        let repeated = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
        let run = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
        defer {
            repeated.deallocate()
            run.deallocate()
        }
        var outputs: [Batch] = []
        for row in 0..<batch.count {
            var start = 0
            while start < buildCount {
                let n = Swift.min(capacity, buildCount - start)
                for i in 0..<n {
                    repeated[i] = Int32(truncatingIfNeeded: row)
                    run[i] = Int32(truncatingIfNeeded: start &+ i)
                }
                let probeRows = UnsafeBufferPointer(start: repeated, count: n)
                outputs.append(makePairs(batch, probeRows, UnsafeBufferPointer(start: run, count: n)))
                start &+= n
            }
        }
        return outputs
    }

    /// Output rows for pairs: left columns then right columns (a build row of -1 gives NULLs).
    private func makePairs(
        _ batch: Batch, _ probeRows: UnsafeBufferPointer<Int32>, _ buildRows: UnsafeBufferPointer<Int32>
    ) -> Batch {
        let columns = assemble(
            probe: { GatherKernel.gather(batch.columns[$0], probeRows) }, build: { table.gather(column: $0, buildRows) }
        )
        return Batch(columns: columns, count: probeRows.count)
    }

    /// The columns of `residualColumns` for pairs, in that order: the residual's input.
    private func residualInput(
        _ batch: Batch, _ probeRows: UnsafeBufferPointer<Int32>, _ buildRows: UnsafeBufferPointer<Int32>
    ) -> Batch {
        let leftCount = buildIsLeft ? table.columns.count : batch.columns.count
        let columns = residualColumns.map { position in
            let isLeft = position < leftCount
            let index = isLeft ? position : position - leftCount
            // Flat build values, not dictionary codes: the residual reads each value at once.
            return isLeft == buildIsLeft
                ? GatherKernel.gather(table.columns[index], buildRows)
                : GatherKernel.gather(batch.columns[index], probeRows)
        }
        return Batch(columns: columns, count: probeRows.count)
    }
}

/// The build rows an outer join keeps although no probe row matched them: each worker marks the
/// rows it matches in its own flags (no sharing while the probe runs); `rows` ORs the flags of
/// every worker once the probe is over and gathers the rows left unmarked.
final class UnmatchedBuildRows: @unchecked Sendable {
    // Safe to share: `workerFlags` is only touched under `lock`; each flags buffer is written by
    // the one worker that registered it, and read by `rows` after every worker finished.
    let probeFields: [Field]
    private let lock = Mutex(())
    private var workerFlags: [UnsafeMutablePointer<UInt8>] = []
    private var rowCount = 0

    /// The mark of the rows `rows(of:buildIsLeft:)` gives: 0, unmatched; 1, matched.
    let keptMark: UInt8
    /// The output columns, or nil for every column of the join.
    let outputs: [JoinOutput]?

    init(probeFields: [Field], keptMark: UInt8 = 0, outputs: [JoinOutput]? = nil) {
        self.probeFields = probeFields
        self.keptMark = keptMark
        self.outputs = outputs
    }

    deinit { for flags in workerFlags { flags.deallocate() } }

    /// The flags of `worker` (one byte per build row, 1 once matched), made at its first batch.
    func flags(of worker: WorkerState, rows: Int) -> UnsafeMutablePointer<UInt8> {
        let key = ObjectIdentifier(self)
        if let flags = worker.matchedBuildRows[key] { return flags }
        let flags = UnsafeMutablePointer<UInt8>.allocate(capacity: Swift.max(rows, 1))
        flags.initialize(repeating: 0, count: Swift.max(rows, 1))
        lock.withLock { _ in
            workerFlags.append(flags)
            rowCount = rows
        }
        worker.matchedBuildRows[key] = flags
        return flags
    }

    /// The rows of `table` no worker matched, with NULL probe columns, in the join's column order.
    func rows(of table: JoinTable, buildIsLeft: Bool) -> [Batch] {
        lock.withLock { _ in
            let count = table.rowCount
            let matched = UnsafeMutablePointer<UInt8>.allocate(capacity: Swift.max(count, 1))
            defer { matched.deallocate() }
            matched.initialize(repeating: 0, count: Swift.max(count, 1))
            for flags in workerFlags {
                for row in 0..<count { matched[row] |= flags[row] }
            }
            return JoinPlanner.unmatchedBuildRows(
                table, matched: matched, probeFields: probeFields, buildIsLeft: buildIsLeft, keptMark: keptMark,
                outputs: outputs)
        }
    }
}
