import PlazaCore
import PlazaVector

extension WindowAggregator {
    /// var_samp / stddev_samp / var_pop / stddev_pop of DOUBLE over frames: a segment tree of (count, mean, M2) nodes
    /// merged with Chan's pairwise formula, so each row's frame costs O(log n) and no value is
    /// ever subtracted back out (a running sum of squares would lose the variance to cancellation).
    func moments(_ argument: ColumnVector, _ frames: WindowFrames, _ included: [Bool]) -> ColumnVector {
        let n = layout.count
        let source = argument.values(as: Double.self)
        var size = 1
        while size < n { size <<= 1 }
        var counts = [Double](repeating: 0, count: 2 * size)
        var means = [Double](repeating: 0, count: 2 * size)
        var squares = [Double](repeating: 0, count: 2 * size)
        for p in 0..<n where included[p] {
            let value = source[Int(layout.order[p])]
            counts[size + p] = 1
            means[size + p] = value
            // An infinite or NaN value makes every frame holding it NaN, as the grouped aggregate's
            // running update does (x − mean is ∞ − ∞); Chan's merge alone would give ∞.
            if !value.isFinite { squares[size + p] = .nan }
        }
        if size > 1 {
            for node in stride(from: size - 1, through: 1, by: -1) {
                let merged = Moments(counts[2 * node], means[2 * node], squares[2 * node]).merged(
                    with: Moments(counts[2 * node + 1], means[2 * node + 1], squares[2 * node + 1]))
                (counts[node], means[node], squares[node]) = (merged.count, merged.mean, merged.squares)
            }
        }
        let out = ColumnVector(type: .double, capacity: n)
        out.setCount(n)
        let values = out.values(as: Double.self)
        let isDeviation = function == .stddevSamp || function == .stddevPop
        let isPopulation = function == .stddevPop || function == .varPop
        for p in 0..<n {
            let row = Int(layout.order[p])
            var left = Int(frames.start[p]) + size, right = Int(frames.end[p]) + size
            var leftPart = Moments(0, 0, 0), rightPart = Moments(0, 0, 0)
            while left < right {
                if left & 1 == 1 {
                    leftPart = leftPart.merged(with: Moments(counts[left], means[left], squares[left]))
                    left += 1
                }
                if right & 1 == 1 {
                    right -= 1
                    rightPart = Moments(counts[right], means[right], squares[right]).merged(with: rightPart)
                }
                left >>= 1
                right >>= 1
            }
            let total = leftPart.merged(with: rightPart)
            guard total.count >= (isPopulation ? 1 : 2) else {
                out.setValid(false, at: row)
                continue
            }
            // One row's population variance is 0 even when the row is inf or NaN, as in DuckDB.
            let variance =
                isPopulation
                ? (total.count > 1 ? total.squares / total.count : 0) : total.squares / (total.count - 1)
            values[row] = isDeviation ? variance.squareRoot() : variance
        }
        return out
    }

    /// corr, covar_* and regr_* over frames: a segment tree of `PairMoments` merged pairwise, so each
    /// row's frame costs O(log n) and no pair is ever subtracted back out.
    func pairMoments(_ y: ColumnVector, _ x: ColumnVector, _ frames: WindowFrames, _ included: [Bool])
        -> ColumnVector
    {
        let n = layout.count
        let ys = y.values(as: Double.self), xs = x.values(as: Double.self)
        var size = 1
        while size < n { size <<= 1 }
        var tree = [PairMoments](repeating: PairMoments(), count: 2 * size)
        for p in 0..<n where included[p] {
            let row = Int(layout.order[p])
            tree[size + p].addToAll(ys[row], xs[row])
        }
        if size > 1 {
            for node in stride(from: size - 1, through: 1, by: -1) {
                var merged = tree[2 * node]
                merged.merge(tree[2 * node + 1])
                tree[node] = merged
            }
        }
        let isCount = function == .regrCount
        let out = ColumnVector(type: isCount ? .bigint : .double, capacity: n)
        out.setCount(n)
        for p in 0..<n {
            let row = Int(layout.order[p])
            var left = Int(frames.start[p]) + size, right = Int(frames.end[p]) + size
            var leftPart = PairMoments(), rightPart = PairMoments()
            while left < right {
                if left & 1 == 1 {
                    leftPart.merge(tree[left])
                    left += 1
                }
                if right & 1 == 1 {
                    right -= 1
                    var merged = tree[right]
                    merged.merge(rightPart)
                    rightPart = merged
                }
                left >>= 1
                right >>= 1
            }
            leftPart.merge(rightPart)
            if isCount {
                out.values(as: Int64.self)[row] = Int64(leftPart.count)
            } else if let value = leftPart.result(function) {
                out.values(as: Double.self)[row] = value
            } else {
                out.setValid(false, at: row)
            }
        }
        return out
    }

    /// bool_and / bool_or over frames from prefix counts of TRUE among the included values.
    func booleans(_ argument: ColumnVector, _ frames: WindowFrames, _ included: [Bool], _ counts: [Int64])
        -> ColumnVector
    {
        let n = layout.count
        let source = argument.values(as: UInt8.self)
        var trues = [Int64](repeating: 0, count: n + 1)
        for p in 0..<n {
            trues[p + 1] = trues[p] &+ (included[p] && source[Int(layout.order[p])] != 0 ? 1 : 0)
        }
        let out = ColumnVector(type: .boolean, capacity: n)
        out.setCount(n)
        let values = out.values(as: UInt8.self)
        let isAnd = function == .boolAnd
        for p in 0..<n {
            let row = Int(layout.order[p])
            let s = Int(frames.start[p]), e = Int(frames.end[p])
            let count = counts[e] &- counts[s]
            if count == 0 {
                out.setValid(false, at: row)
                continue
            }
            let t = trues[e] &- trues[s]
            values[row] = (isAnd ? t == count : t > 0) ? 1 : 0
        }
        return out
    }
}

/// Count, mean and sum of squared deviations of a set of values (Welford/Chan).
struct Moments {
    var count: Double
    var mean: Double
    var squares: Double

    init(_ count: Double, _ mean: Double, _ squares: Double) {
        self.count = count
        self.mean = mean
        self.squares = squares
    }

    /// The moments of the union of two disjoint sets.
    func merged(with other: Moments) -> Moments {
        if other.count == 0 { return self }
        if count == 0 { return other }
        let total = count + other.count
        let delta = other.mean - mean
        return Moments(
            total, mean + delta * other.count / total,
            squares + other.squares + delta * delta * count * other.count / total)
    }
}
