import PlazaCore
import PlazaPlanner
import PlazaVector

/// Runs UNION ALL, INTERSECT [ALL] and EXCEPT [ALL].
///
/// UNION ALL materializes both inputs and hands on their batches. INTERSECT and EXCEPT tag each
/// input's rows, group the union of both by every column (so NULLs compare equal, as set
/// operations require) counting each side's rows, and emit every group as many times as the
/// operation says: `INTERSECT ALL` min(m, n), `EXCEPT ALL` max(m − n, 0), the plain forms once.
struct SetOperationOperator {
    let planner: PhysicalPlanner

    /// The operation's rows.
    func run(_ operation: SetOperationPlan, profile parent: OperatorProfile?) throws(ExecutionError) -> [Batch] {
        let profile = parent?.child(operation.kind.rawValue + (operation.isAll ? "_ALL" : ""), "")
        let start = ContinuousClock.now
        let result: [Batch]
        switch operation.kind {
        case .union:
            let left = try planner.materialize(operation.left, profile: profile)
            let right = try planner.materialize(operation.right, profile: profile)
            result = left + right
        case .intersect, .except:
            let groups = try planner.materialize(Self.countingPlan(operation), profile: profile)
            var batches: [Batch] = []
            for batch in groups {
                try planner.context.checkCancelled()
                Self.emit(
                    batch.compacted(), columns: operation.fields.count, kind: operation.kind, isAll: operation.isAll,
                    into: &batches)
            }
            result = batches
        }
        profile?.addTime(ContinuousClock.now - start)
        profile?.addRows(out: result.reduce(0) { $0 + $1.liveCount })
        return result
    }

    /// `SELECT columns…, count(#left), count(#right) FROM (left tagged UNION ALL right tagged) GROUP BY columns…`.
    static func countingPlan(_ operation: SetOperationPlan) -> LogicalPlan {
        let fields = operation.fields
        let columns = fields.indices.map { BoundExpression.column(index: $0, type: fields[$0].type) }
        let one = BoundExpression.literal(.bigint(1), type: .bigint)
        let none = BoundExpression.literal(.null, type: .bigint)
        let tags = [
            Field(name: "#left", type: .bigint, isNullable: true),
            Field(name: "#right", type: .bigint, isNullable: true),
        ]
        let left = LogicalPlan.project(
            input: operation.left, expressions: columns + [one, none], fields: fields + tags)
        let right = LogicalPlan.project(
            input: operation.right, expressions: columns + [none, one], fields: fields + tags)
        let tagged = SetOperationPlan(kind: .union, isAll: true, left: left, right: right, fields: fields + tags)
        let count = fields.count
        let counts = [
            AggregateCall(function: .count, arguments: [.column(index: count, type: .bigint)], type: .bigint),
            AggregateCall(function: .count, arguments: [.column(index: count + 1, type: .bigint)], type: .bigint),
        ]
        let countFields = [
            Field(name: "#left", type: .bigint, isNullable: false),
            Field(name: "#right", type: .bigint, isNullable: false),
        ]
        return .aggregate(
            input: .setOperation(tagged), groups: columns, aggregates: counts, fields: fields + countFields)
    }

    /// Appends to `output` each row of `batch` (its first `columns` columns) repeated as the
    /// operation says, in batches of at most `ColumnVector.batchCapacity` rows.
    static func emit(_ batch: Batch, columns: Int, kind: SetOperationPlan.Kind, isAll: Bool, into output: inout [Batch])
    {
        let leftCounts = batch.columns[columns].flattened().values(as: Int64.self)
        let rightCounts = batch.columns[columns + 1].flattened().values(as: Int64.self)
        let values = Batch(columns: Array(batch.columns[0..<columns]), count: batch.count)
        var indices: [Int32] = []
        indices.reserveCapacity(batch.count)
        for row in 0..<batch.count {
            let left = leftCounts[row], right = rightCounts[row]
            let copies: Int64
            switch (kind, isAll) {
            case (.intersect, false): copies = left > 0 && right > 0 ? 1 : 0
            case (.intersect, true): copies = Swift.min(left, right)
            case (.except, false): copies = left > 0 && right == 0 ? 1 : 0
            case (.except, true): copies = Swift.max(left &- right, 0)
            case (.union, _): preconditionFailure("UNION runs without counting")
            }
            var remaining = copies
            while remaining > 0 {
                indices.append(Int32(row))
                remaining -= 1
                if indices.count == ColumnVector.batchCapacity {
                    output.append(indices.withUnsafeBufferPointer { values.gathered($0) })
                    indices.removeAll(keepingCapacity: true)
                }
            }
        }
        if !indices.isEmpty { output.append(indices.withUnsafeBufferPointer { values.gathered($0) }) }
    }
}
