import PlazaCore
import PlazaPlanner
import PlazaVector

/// The moments of one group's (y, x) pairs: one cache line of doubles.
struct PairMoments {
    /// Pairs seen.
    var count = 0.0
    /// Σx and Σy, for regr_avgx, regr_avgy and regr_intercept (plain sums, as DuckDB).
    var sumX = 0.0
    var sumY = 0.0
    /// Running means.
    var meanX = 0.0
    var meanY = 0.0
    /// Sums of squared deviations from the means (M2).
    var squaresX = 0.0
    var squaresY = 0.0
    /// The co-moment Σ(x − x̄)(y − ȳ).
    var coMoment = 0.0

    /// Adds a pair to the count and sums only.
    @inline(__always)
    mutating func addToSums(_ y: Double, _ x: Double) {
        count += 1
        sumX += x
        sumY += y
    }

    /// Adds a pair to the count, means and co-moment, in DuckDB's order of operations
    /// (Schubert and Gertz, SSDBM 2018, §4.3). The co-moment's multiply-add is fused, as DuckDB's
    /// builds (clang, `-ffp-contract=on`) fuse it, so one thread's results agree with DuckDB's to the last digit.
    @inline(__always)
    mutating func addToCoMoment(_ y: Double, _ x: Double) {
        count += 1
        let dx = x - meanX
        meanX += dx / count
        let dy = y - meanY
        meanY += dy / count
        coMoment = coMoment.addingProduct(dx, y - meanY)
    }

    /// Adds a pair to every moment: the co-moment, Welford's M2 of x and y, and the sums.
    @inline(__always)
    mutating func addToAll(_ y: Double, _ x: Double) {
        count += 1
        sumX += x
        sumY += y
        let dx = x - meanX
        meanX += dx / count
        let dy = y - meanY
        meanY += dy / count
        coMoment = coMoment.addingProduct(dx, y - meanY)
        // DuckDB's M2 update adds a product computed in a statement of its own: not fused.
        squaresX += (x - meanX) * dx
        squaresY += (y - meanY) * dy
    }

    /// Adds another group's pairs (Chan et al.'s pairwise update; Schubert and Gertz eq. 21 for C).
    mutating func merge(_ other: PairMoments) {
        guard other.count > 0 else { return }
        // An empty group takes the other state as is: its means of 0 would make the deltas'
        // products overflow for values past 1e154, and infinity × 0 pairs is NaN.
        guard count > 0 else {
            self = other
            return
        }
        let total = count + other.count
        let dx = other.meanX - meanX
        let dy = other.meanY - meanY
        let weight = count * other.count / total
        coMoment += other.coMoment + dx * dy * weight
        squaresX += other.squaresX + dx * dx * weight
        squaresY += other.squaresY + dy * dy * weight
        meanX += dx * other.count / total
        meanY += dy * other.count / total
        sumX += other.sumX
        sumY += other.sumY
        count = total
    }

    /// covar_pop: C / n.
    var populationCovariance: Double { coMoment / count }

    /// var_pop of x (0 for one pair).
    var populationVarianceX: Double { count > 1 ? squaresX / count : 0 }

    /// var_pop of y (0 for one pair).
    var populationVarianceY: Double { count > 1 ? squaresY / count : 0 }

    /// covar_pop / (stddev_pop(x) × stddev_pop(y)), NaN when either deviation is 0.
    var correlation: Double {
        let deviations = populationVarianceX.squareRoot() * populationVarianceY.squareRoot()
        return deviations != 0 ? populationCovariance / deviations : .nan
    }

    /// covar_pop / var_pop(x), NaN when var_pop(x) is 0.
    var slope: Double {
        let variance = populationVarianceX
        return variance != 0 ? populationCovariance / variance : .nan
    }

    /// The DOUBLE result of (y, x) aggregate `function` over these pairs, nil for NULL (DuckDB
    /// 2.0.1's cases); regr_count is `count` itself.
    func result(_ function: AggregateFunction) -> Double? {
        guard count > 0 else { return nil }
        switch function {
        case .covarPop: return populationCovariance
        case .covarSamp: return count > 1 ? coMoment / (count - 1) : nil
        case .corr: return correlation
        case .regrAvgX: return sumX / count
        case .regrAvgY: return sumY / count
        case .regrSlope: return slope
        case .regrIntercept:
            let slope = slope
            return slope.isNaN ? nil : (sumY / count).addingProduct(-slope, sumX / count)
        case .regrR2:
            guard populationVarianceX != 0 else { return nil }
            guard populationVarianceY != 0 else { return 1 }
            let correlation = correlation
            return correlation * correlation
        case .regrSXX: return count * populationVarianceX
        case .regrSYY: return count * populationVarianceY
        case .regrSXY: return count * populationCovariance
        case .regrCount: return count
        default: preconditionFailure("\(function.rawValue) is not a (y, x) aggregate")
        }
    }
}

/// corr, covar_pop, covar_samp and the regr_* aggregates over (y, x) pairs, as DuckDB computes them:
/// rows where either value is NULL are skipped; each group's `PairMoments` is updated row by row
/// in DuckDB's order of operations (one thread matches DuckDB to the last digit) and merged with
/// the pairwise formulas, so more threads may change the last digits. Each aggregate updates only the moments its result reads.
final class RegressionAccumulator: AccumulatorState {
    var isUngrouped = false
    var threads = 1
    let function: AggregateFunction
    var states: [PairMoments] = []

    /// The moments an aggregate's result reads.
    enum Moments {
        /// The count and the sums (regr_count, regr_avgx, regr_avgy).
        case sums
        /// The count, means and co-moment (covar_pop, covar_samp, regr_sxy).
        case coMoment
        /// Everything (corr, regr_slope, regr_intercept, regr_r2, regr_sxx, regr_syy).
        case all
    }

    let moments: Moments

    init(function: AggregateFunction) {
        precondition(function.readsPairs, "\(function.rawValue) does not read (y, x) pairs")
        self.function = function
        switch function {
        case .regrCount, .regrAvgX, .regrAvgY: moments = .sums
        case .covarPop, .covarSamp, .regrSXY: moments = .coMoment
        default: moments = .all
        }
    }

    func resize(_ groupCount: Int) {
        if states.count < groupCount {
            states.append(contentsOf: repeatElement(PairMoments(), count: groupCount - states.count))
        }
    }

    /// Adds the pairs (`y[row]`, `x[row]`) of `rows` (nil: all `count`) where both are valid to
    /// the groups in `groups[row]`.
    func update(
        _ groups: UnsafePointer<Int32>, _ rows: UnsafeBufferPointer<Int32>?, y: ColumnVector?, x: ColumnVector?,
        count: Int
    ) {
        guard let y, let x, y.type != .null, x.type != .null else { return }
        let ys = y.data.assumingMemoryBound(to: Double.self)
        let xs = x.data.assumingMemoryBound(to: Double.self)
        // One loop per kind of moments, each specialized: no per-row switch.
        states.withUnsafeMutableBufferPointer { states in
            switch moments {
            case .sums:
                forEachValidPair(rows, y, x, count) { row in states[Int(groups[row])].addToSums(ys[row], xs[row]) }
            case .coMoment:
                forEachValidPair(rows, y, x, count) { row in states[Int(groups[row])].addToCoMoment(ys[row], xs[row]) }
            case .all:
                forEachValidPair(rows, y, x, count) { row in states[Int(groups[row])].addToAll(ys[row], xs[row]) }
            }
        }
    }

    func merge(
        _ other: RegressionAccumulator, sources: UnsafePointer<Int32>?, targets: UnsafePointer<Int32>, count: Int
    ) throws(ExecutionError) {
        let theirs = other.states
        states.withUnsafeMutableBufferPointer { states in
            for i in 0..<count { states[Int(targets[i])].merge(theirs[mergeSource(sources, i)]) }
        }
    }

    func finalize(_ groupCount: Int) throws(ExecutionError) -> ColumnVector {
        if function == .regrCount {
            let out = makeOutput(.bigint, groupCount)
            let values = out.values(as: Int64.self)
            for g in 0..<groupCount { values[g] = Int64(states[g].count) }
            return out
        }
        let out = ColumnVector(type: .double, capacity: Swift.max(groupCount, 1))
        for g in 0..<groupCount {
            if let value = states[g].result(function) { out.append(value) } else { out.appendNull() }
        }
        return out
    }

    var footprint: Int { states.capacity * MemoryLayout<PairMoments>.stride }
}

/// Calls `body(row)` for each row of `rows` (or `0..<count`) where both `y` and `x` are valid;
/// without a selection, validity is read a 64-bit word at a time.
@inline(__always)
func forEachValidPair(
    _ rows: UnsafeBufferPointer<Int32>?, _ y: ColumnVector, _ x: ColumnVector, _ count: Int, _ body: (Int) -> Void
) {
    let yWords = y.validity.words, xWords = x.validity.words
    if yWords == nil && xWords == nil {
        if let rows {
            for r in rows { body(Int(r)) }
        } else {
            for row in 0..<count { body(row) }
        }
        return
    }
    if let rows {
        for r in rows {
            let row = Int(r)
            let word = (yWords?[row &>> 6] ?? ~0) & (xWords?[row &>> 6] ?? ~0)
            if (word &>> UInt64(row & 63)) & 1 != 0 { body(row) }
        }
        return
    }
    for w in 0..<ValidityBitmap.wordCount(for: count) {
        let start = w &* 64
        var word = (yWords?[w] ?? ~0) & (xWords?[w] ?? ~0)
        if word == ~0 && start &+ 64 <= count {
            for row in start..<(start &+ 64) { body(row) }
            continue
        }
        while word != 0 {
            let row = start &+ word.trailingZeroBitCount
            if row >= count { break }
            body(row)
            word &= word &- 1
        }
    }
}
