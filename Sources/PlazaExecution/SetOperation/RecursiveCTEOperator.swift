import PlazaCore
import PlazaPlanner
import PlazaVector

/// Runs `WITH RECURSIVE`: the anchor once, then the recursive term again and again, each run
/// reading (as the CTE's working table) the rows the run before it added, until a run adds none.
///
/// UNION ALL adds every row a run produces. UNION adds only rows never produced before (the
/// anchor's included), found through one `GroupTable` over every column that grows across runs,
/// as DISTINCT finds them; so a walk over a graph with cycles ends. Each run's rows are reserved
/// from the query's memory limit at their allocated size, cancellation is checked between runs, and
/// at most `maximumRuns` runs are made: a recursion that never ends fails instead of running forever.
struct RecursiveCTEOperator {
    let planner: PhysicalPlanner

    /// The CTE's rows, anchor first, then each run's in order; with `rowLimit`, the runs stop once
    /// that many rows were produced (a LIMIT above that does not need more).
    func run(_ cte: RecursiveCTEPlan, rowLimit: Int?, profile parent: OperatorProfile?) throws(ExecutionError)
        -> [Batch]
    {
        let context = planner.context
        let name = "recursive CTE \"\(cte.name)\""
        let profile = parent?.child("RECURSIVE_CTE", cte.name + (cte.isUnionAll ? " UNION ALL" : " UNION"))
        let start = ContinuousClock.now
        let seen =
            cte.isUnionAll
            ? nil : try GroupTable(types: cte.fields.map(\.type), tracker: context.tracker, operatorName: name)
        var reserved = 0
        defer { context.tracker.release(reserved) }
        var result: [Batch] = []
        var rows = 0
        var runs = 0
        var working = try newRows(try planner.materialize(cte.anchor, profile: profile), seen)
        while !working.isEmpty {
            for batch in working {
                let bytes = Self.allocatedBytes(of: batch)
                do {
                    try context.tracker.reserve(bytes, for: name)
                } catch {
                    throw ExecutionError(error.kind, error.message + Self.endlessHint(cte.name, runs: runs, rows: rows))
                }
                reserved += bytes
                rows += batch.liveCount
            }
            result += working
            if let rowLimit, rows >= rowLimit { break }
            try context.checkCancelled()
            // Rows of one run cost little memory: a recursion adding one row per run would take hours
            // to reach the memory limit, so the number of runs is bounded too.
            if runs == Self.maximumRuns {
                throw ExecutionError(
                    .invalidArgument,
                    "the recursive CTE \"\(cte.name)\" ran its recursive query \(Self.maximumRuns) times and it "
                        + "still returns rows" + Self.endlessHint(cte.name, runs: runs, rows: rows))
            }
            context.cteResults.store(working, for: cte.id)
            runs += 1
            // Only the first run is profiled: EXPLAIN ANALYZE shows the recursive term's plan once.
            working = try newRows(try planner.materialize(cte.recursive, profile: runs == 1 ? profile : nil), seen)
        }
        context.cteResults.store([], for: cte.id)
        _ = profile?.child("ITERATIONS", "\(runs) runs of the recursive query (the first shown above)")
        profile?.addTime(ContinuousClock.now - start)
        profile?.addRows(out: rows)
        return result
    }

    /// The batches' rows that `seen` does not hold yet, each once, added to it (all non-empty
    /// batches for UNION ALL, where `seen` is nil).
    private func newRows(_ batches: [Batch], _ seen: GroupTable?) throws(ExecutionError) -> [Batch] {
        guard let seen else { return batches.filter { $0.liveCount > 0 } }
        var result: [Batch] = []
        let groups = UnsafeMutablePointer<Int32>.allocate(capacity: ColumnVector.batchCapacity)
        defer { groups.deallocate() }
        var indices: [Int32] = []
        for raw in batches where raw.liveCount > 0 {
            let batch = raw.compacted()
            let keys = batch.columns.map { $0.flattened() }
            var start = 0
            while start < batch.count {
                let count = Swift.min(batch.count - start, ColumnVector.batchCapacity)
                let slice =
                    start == 0 && count == batch.count
                    ? keys : keys.map { GatherKernel.slice($0, start..<start + count) }
                // New groups are numbered in the order their first row comes: a row is new exactly
                // when its group is the next number not yet taken.
                var next = seen.groupCount
                try seen.findOrInsert(slice, rowCount: count, into: groups)
                indices.removeAll(keepingCapacity: true)
                for row in 0..<count where Int(groups[row]) == next {
                    indices.append(Int32(row))
                    next += 1
                }
                if !indices.isEmpty {
                    let part = Batch(columns: slice, count: count)
                    result.append(indices.count == count ? part : indices.withUnsafeBufferPointer { part.gathered($0) })
                }
                start += count
            }
        }
        return result
    }

    /// The most runs of a recursive term; one more that still adds rows is an error.
    static let maximumRuns = 100_000

    /// What a recursion that never ends needs, for the errors that stop one.
    private static func endlessHint(_ name: String, runs: Int, rows: Int) -> String {
        " (\"\(name)\" had \(rows) rows after \(runs) runs; a recursion ends when a run adds no rows: give its "
            + "recursive query a condition that stops it, e.g. WHERE n < 100, or put a LIMIT right above it)"
    }

    /// The bytes `batch`'s columns hold as allocated (capacity, not only the rows used), so that many
    /// small runs count what they really cost.
    static func allocatedBytes(of batch: Batch) -> Int {
        batch.columns.reduce(64) { $0 + Swift.max($1.capacity, $1.count) * Swift.max($1.byteWidth, 4) + $1.heapCount }
    }
}
