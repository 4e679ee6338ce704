import PlazaCore
import PlazaPlanner
import PlazaVector

extension WindowOperator {
    /// One call's values for every input row, in input order.
    func evaluate(_ call: WindowCall, _ layout: WindowLayout, _ batches: [Batch]) throws(ExecutionError)
        -> ColumnVector
    {
        let n = layout.count
        switch call.function {
        case .rowNumber, .rank, .denseRank, .ntile:
            let out = ColumnVector(type: .bigint, capacity: n)
            out.setCount(n)
            let values = out.values(as: Int64.self)
            layout.order.withUnsafeBufferPointer { order in
                rankings(call, layout, order, values)
            }
            return out
        case .percentRank, .cumeDist:
            let out = ColumnVector(type: .double, capacity: n)
            out.setCount(n)
            let values = out.values(as: Double.self)
            for partition in 0..<(layout.partitionStarts.count - 1) {
                let first = layout.partitionStarts[partition], last = layout.partitionStarts[partition + 1]
                let size = Double(last - first)
                for p in first..<last {
                    let row = Int(layout.order[p])
                    if call.function == .percentRank {
                        values[row] = last - first > 1 ? Double(Int(layout.peerStart[p]) - first) / (size - 1) : 0
                    } else {
                        values[row] = Double(Int(layout.peerEnd[p]) - first) / size
                    }
                }
            }
            return out
        case .lag, .lead:
            return try offsetValues(call, layout, batches)
        case .firstValue, .lastValue, .nthValue:
            return try frameValues(call, layout, batches)
        case .aggregate(let function):
            return try WindowAggregator(
                operator: self, call: call, function: function, layout: layout, batches: batches
            )
            .run()
        }
    }

    /// row_number, rank, dense_rank, ntile.
    private func rankings(
        _ call: WindowCall, _ layout: WindowLayout, _ order: UnsafeBufferPointer<Int32>,
        _ values: UnsafeMutableBufferPointer<Int64>
    ) {
        var buckets: Int64 = 1
        if case .bigint(let b)? = call.constants.first { buckets = b }
        for partition in 0..<(layout.partitionStarts.count - 1) {
            let first = layout.partitionStarts[partition], last = layout.partitionStarts[partition + 1]
            var dense: Int64 = 0
            let total = Int64(last - first)
            // ntile as DuckDB: the first (total mod buckets) buckets get one row more.
            let groups = Swift.min(buckets, Swift.max(total, 1))
            let size = total / groups
            let large = total - groups * size
            let smallStart = large * (size + 1)
            for p in first..<last {
                let row = Int(order[p])
                let index = Int64(p - first)
                switch call.function {
                case .rowNumber: values[row] = index + 1
                case .rank: values[row] = Int64(Int(layout.peerStart[p]) - first) + 1
                case .denseRank:
                    if Int(layout.peerStart[p]) == p { dense += 1 }
                    values[row] = dense
                default:
                    values[row] =
                        index < smallStart ? 1 + index / (size + 1) : 1 + large + (index - smallStart) / size
                }
            }
        }
    }

    /// The argument over all rows, with `extra` appended as one more row (a default value) when given.
    func argumentVector(_ call: WindowCall, _ batches: [Batch], extra: Value? = nil) throws(ExecutionError)
        -> ColumnVector
    {
        var vector = try evaluateAll(call.arguments[0], batches)
        if let extra, !extra.isNull {
            let tail = GatherKernel.constant(extra, type: call.type, count: 1)
            vector = ColumnConcatenation.concatenate([vector, tail], type: call.type)
        }
        return vector
    }

    /// Positions (sorted) holding a non-NULL argument, and for each position how many come before it.
    static func nonNullIndex(_ vector: ColumnVector, _ layout: WindowLayout) -> (positions: [Int32], before: [Int32]) {
        var positions: [Int32] = []
        var before = [Int32](repeating: 0, count: layout.count + 1)
        for p in 0..<layout.count {
            before[p] = Int32(positions.count)
            if vector.isValid(at: Int(layout.order[p])) { positions.append(Int32(p)) }
        }
        before[layout.count] = Int32(positions.count)
        return (positions, before)
    }

    /// lag and lead: the row `offset` rows (non-NULL rows with IGNORE NULLS) before or after.
    private func offsetValues(_ call: WindowCall, _ layout: WindowLayout, _ batches: [Batch]) throws(ExecutionError)
        -> ColumnVector
    {
        let n = layout.count
        guard case .bigint(let rawOffset) = call.constants[0] else {
            throw ExecutionError(.internal, "lag/lead without an offset")
        }
        let offset = Int(Swift.min(rawOffset, Int64(n)))
        let defaultValue = call.constants[1]
        let vector = try argumentVector(call, batches, extra: defaultValue)
        let missing: Int32 = defaultValue.isNull ? -1 : Int32(n)
        var indices = [Int32](repeating: missing, count: n)
        let isLag = call.function == .lag
        let index: (positions: [Int32], before: [Int32]) =
            call.ignoresNulls ? WindowOperator.nonNullIndex(vector, layout) : ([], [])
        for partition in 0..<(layout.partitionStarts.count - 1) {
            let first = layout.partitionStarts[partition], last = layout.partitionStarts[partition + 1]
            for p in first..<last {
                let row = Int(layout.order[p])
                var target = -1
                if offset == 0 {
                    target = p
                } else if call.ignoresNulls {
                    // The k-th non-NULL row before (or after) p, counting within the partition.
                    let k = isLag ? Int(index.before[p]) - offset : Int(index.before[p + 1]) + offset - 1
                    if k >= Int(index.before[first]) && k < Int(index.before[last]) { target = Int(index.positions[k]) }
                } else {
                    let q = isLag ? p - offset : p + offset
                    if q >= first && q < last { target = q }
                }
                if target >= 0 { indices[row] = layout.order[target] }
            }
        }
        return indices.withUnsafeBufferPointer { GatherKernel.gather(vector, $0) }
    }

    /// first_value, last_value, nth_value over each row's frame.
    private func frameValues(_ call: WindowCall, _ layout: WindowLayout, _ batches: [Batch]) throws(ExecutionError)
        -> ColumnVector
    {
        let n = layout.count
        let frames = try WindowFrames(call.frame, layout)
        let vector = try argumentVector(call, batches)
        var nth = 1
        if call.function == .nthValue, case .bigint(let value) = call.constants[0] {
            nth = Int(Swift.min(value, Int64(n) + 1))
        }
        let index: (positions: [Int32], before: [Int32]) =
            call.ignoresNulls ? WindowOperator.nonNullIndex(vector, layout) : ([], [])
        var indices = [Int32](repeating: -1, count: n)
        for p in 0..<n {
            let s = Int(frames.start[p]), e = Int(frames.end[p])
            guard s < e else { continue }
            var target = -1
            if call.ignoresNulls {
                let low = Int(index.before[s]), high = Int(index.before[e])
                switch call.function {
                case .firstValue: target = low < high ? Int(index.positions[low]) : -1
                case .lastValue: target = low < high ? Int(index.positions[high - 1]) : -1
                default: target = low + nth - 1 < high ? Int(index.positions[low + nth - 1]) : -1
                }
            } else {
                switch call.function {
                case .firstValue: target = s
                case .lastValue: target = e - 1
                default: target = s + nth - 1 < e ? s + nth - 1 : -1
                }
            }
            if target >= 0 { indices[Int(layout.order[p])] = layout.order[target] }
        }
        return indices.withUnsafeBufferPointer { GatherKernel.gather(vector, $0) }
    }
}
