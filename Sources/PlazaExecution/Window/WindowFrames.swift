import PlazaCore
import PlazaPlanner
import PlazaVector

/// Each sorted position's frame as `[start, end)` positions, clamped to its partition.
///
/// With constant offsets both ends only move forward within a partition, which the aggregates
/// rely on (sliding min/max, incremental sums).
struct WindowFrames {
    var start: [Int32]
    var end: [Int32]

    /// The frames of `frame` over `layout`.
    init(_ frame: BoundWindowFrame, _ layout: WindowLayout) throws(ExecutionError) {
        let n = layout.count
        start = [Int32](repeating: 0, count: n)
        end = [Int32](repeating: 0, count: n)
        var range: RangeSearch?
        if frame.unit == .range, WindowFrames.hasOffset(frame) {
            range = try RangeSearch(layout, frame)
        }
        var groupStarts: [Int32] = []
        var groupOf: [Int32] = []
        if frame.unit == .groups {
            groupOf = [Int32](repeating: 0, count: n)
            for p in 0..<n {
                if p == 0 || layout.peerStart[p] == Int32(p) { groupStarts.append(Int32(p)) }
                groupOf[p] = Int32(groupStarts.count - 1)
            }
        }
        for partition in 0..<(layout.partitionStarts.count - 1) {
            let first = layout.partitionStarts[partition], last = layout.partitionStarts[partition + 1]
            guard first < last else { continue }
            let firstGroup = frame.unit == .groups ? Int(groupOf[first]) : 0
            let lastGroup = frame.unit == .groups ? Int(groupOf[last - 1]) : 0
            for p in first..<last {
                var s: Int, e: Int
                switch frame.unit {
                case .rows:
                    s = WindowFrames.rowsBound(frame.start, p, first, last, isStart: true)
                    e = WindowFrames.rowsBound(frame.end, p, first, last, isStart: false)
                case .range:
                    s = WindowFrames.rangeBound(frame.start, p, first, last, layout, range, isStart: true)
                    e = WindowFrames.rangeBound(frame.end, p, first, last, layout, range, isStart: false)
                case .groups:
                    let g = Int(groupOf[p])
                    func groupBound(_ bound: BoundFrameBound, isStart: Bool) -> Int {
                        let target: Int
                        switch bound {
                        case .unboundedPreceding: return first
                        case .unboundedFollowing: return last
                        case .currentRow: return isStart ? Int(layout.peerStart[p]) : Int(layout.peerEnd[p])
                        case .preceding(let v): target = g - WindowFrames.count(v)
                        case .following(let v): target = g + Swift.min(WindowFrames.count(v), n)
                        }
                        if target < firstGroup { return first }
                        if target > lastGroup { return last }
                        if isStart { return Int(groupStarts[target]) }
                        return target + 1 <= lastGroup ? Int(groupStarts[target + 1]) : last
                    }
                    s = groupBound(frame.start, isStart: true)
                    e = groupBound(frame.end, isStart: false)
                }
                s = Swift.min(Swift.max(s, first), last)
                e = Swift.min(Swift.max(e, s), last)
                start[p] = Int32(s)
                end[p] = Int32(e)
            }
        }
    }

    static func hasOffset(_ frame: BoundWindowFrame) -> Bool {
        for bound in [frame.start, frame.end] {
            switch bound {
            case .preceding, .following: return true
            default: continue
            }
        }
        return false
    }

    /// A ROWS or GROUPS offset as a row count (the binder checked it is a non-negative BIGINT).
    static func count(_ value: Value) -> Int {
        if case .bigint(let n) = value { return Int(Swift.min(n, Int64(Int32.max))) }
        return 0
    }

    private static func rowsBound(_ bound: BoundFrameBound, _ p: Int, _ first: Int, _ last: Int, isStart: Bool)
        -> Int
    {
        let past = isStart ? 0 : 1
        switch bound {
        case .unboundedPreceding: return first
        case .unboundedFollowing: return last
        case .currentRow: return p + past
        case .preceding(let v): return p - count(v) + past
        case .following(let v): return p + count(v) + past
        }
    }

    private static func rangeBound(
        _ bound: BoundFrameBound, _ p: Int, _ first: Int, _ last: Int, _ layout: WindowLayout,
        _ search: RangeSearch?, isStart: Bool
    ) -> Int {
        switch bound {
        case .unboundedPreceding: return first
        case .unboundedFollowing: return last
        case .currentRow: return isStart ? Int(layout.peerStart[p]) : Int(layout.peerEnd[p])
        case .preceding(let v): return search!.bound(p, first, last, offset: v, isPreceding: true, isStart: isStart)
        case .following(let v): return search!.bound(p, first, last, offset: v, isPreceding: false, isStart: isStart)
        }
    }
}

/// Binary search over the single numeric or temporal ORDER BY key of a RANGE frame with offsets.
struct RangeSearch {
    /// The key at each sorted position, as Double (DOUBLE keys) or Int64 (BIGINT, DECIMAL, TIMESTAMP; DATE as microseconds).
    var doubles: [Double] = []
    var integers: [Int64] = []
    var valid: [Bool]
    let isDouble: Bool
    let isDescending: Bool

    init(_ layout: WindowLayout, _ frame: BoundWindowFrame) throws(ExecutionError) {
        guard layout.orderVectors.count == 1 else {
            throw ExecutionError(.internal, "a RANGE frame with offsets needs one ORDER BY key")
        }
        let vector = layout.orderVectors[0]
        isDouble = vector.physicalType == .double
        isDescending = layout.isFirstKeyDescending
        valid = layout.order.map { vector.isValid(at: Int($0)) }
        if isDouble {
            let values = vector.values(as: Double.self)
            doubles = layout.order.map { values[Int($0)] }
        } else if vector.type == .date {
            // DATE keys compare as microseconds, so that key ∓ INTERVAL is exact (DuckDB: DATE ± INTERVAL
            // is a TIMESTAMP).
            let values = vector.values(as: Int32.self)
            integers = layout.order.map { Int64(values[Int($0)]) * CivilCalendar.microsPerDay }
        } else {
            guard vector.physicalType == .int64 else {
                throw ExecutionError(.internal, "a RANGE offset over a \(vector.type) key")
            }
            let values = vector.values(as: Int64.self)
            integers = layout.order.map { values[Int($0)] }
        }
    }

    /// The frame bound of position `p` for `offset PRECEDING|FOLLOWING`.
    func bound(_ p: Int, _ first: Int, _ last: Int, offset: Value, isPreceding: Bool, isStart: Bool) -> Int {
        // A NULL key's frame bound is its peer group (the NULLs), as in DuckDB.
        guard valid[p] else {
            var s = p, e = p + 1
            while s > first && !valid[s - 1] { s -= 1 }
            while e < last && !valid[e] { e += 1 }
            return isStart ? s : e
        }
        // The non-NULL stretch of the partition around p.
        var low = first, high = last
        if !valid[first] { low = nullEnd(first, last) }
        if !valid[last - 1] { high = nullStart(first, last) }
        // Target value: key ∓ offset in the sort direction; the bound is the first position whose key
        // is past (end) or not before (start) the target.
        if isDouble {
            var delta = 0.0
            switch offset {
            case .double(let d): delta = d
            case .bigint(let n), .decimal(let n, _): delta = Double(n)
            default: break
            }
            let target = doubles[p] + (isPreceding != descending ? -delta : delta)
            return search(low, high, isStart: isStart) {
                doubles[$0] < target
            } greater: {
                doubles[$0] > target
            }
        }
        var delta: Int64 = 0
        let towardsSmaller = isPreceding != descending
        let target: Int64
        switch offset {
        case .bigint(let n), .decimal(let n, _): delta = n
        case .interval(let interval):
            // Months first, then days, then microseconds, as DATE/TIMESTAMP ± INTERVAL.
            let step =
                towardsSmaller
                ? Interval(months: -interval.months, days: -interval.days, micros: -interval.micros) : interval
            target = ArithmeticKernels.addInterval(integers[p], step) ?? (towardsSmaller ? Int64.min : Int64.max)
            return search(low, high, isStart: isStart) {
                integers[$0] < target
            } greater: {
                integers[$0] > target
            }
        default: break
        }
        let shifted =
            towardsSmaller
            ? integers[p].subtractingReportingOverflow(delta) : integers[p].addingReportingOverflow(delta)
        target = shifted.overflow ? (towardsSmaller ? Int64.min : Int64.max) : shifted.partialValue
        return search(low, high, isStart: isStart) {
            integers[$0] < target
        } greater: {
            integers[$0] > target
        }
    }

    private var descending: Bool { isDescending }

    /// In sort order: a start bound is the first position not before the target, an end bound
    /// the first position after it.
    private func search(_ low: Int, _ high: Int, isStart: Bool, less: (Int) -> Bool, greater: (Int) -> Bool) -> Int {
        var lo = low, hi = high
        while lo < hi {
            let mid = (lo + hi) / 2
            let before = isStart ? (descending ? greater(mid) : less(mid)) : (descending ? !less(mid) : !greater(mid))
            if before { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    private func nullEnd(_ first: Int, _ last: Int) -> Int {
        var p = first
        while p < last && !valid[p] { p += 1 }
        return p
    }

    private func nullStart(_ first: Int, _ last: Int) -> Int {
        var p = last
        while p > first && !valid[p - 1] { p -= 1 }
        return p
    }
}
