import PlazaCore
import PlazaVector

extension WindowAggregator {
    /// Frames of at most this many rows are answered by selecting among their values directly;
    /// longer ones through the wavelet matrix (a copy of a few values beats its ~2 × bits lookups).
    static let directQuantileRows = 32

    /// median / quantile_cont of DOUBLE over frames: the included values ranked by one sort, a
    /// wavelet matrix over the ranks by position, and each frame's two order statistics around
    /// the fraction found in O(log n), interpolated as the grouped aggregate does. A frame equal to
    /// the previous row's (whole partitions, peers of a default frame) reuses its answer.
    func quantiles(_ argument: ColumnVector, _ frames: WindowFrames, _ included: [Bool], _ counts: [Int64])
        throws(ExecutionError) -> ColumnVector
    {
        let n = layout.count
        var fraction = 0.5
        if function == .quantileCont {
            guard case .double(let q)? = call.constants.first, q >= 0, q <= 1 else {
                throw ExecutionError(.internal, "quantile_cont(…) OVER (…) without a constant fraction")
            }
            fraction = q
        }
        let source = argument.values(as: Double.self)
        let out = ColumnVector(type: .double, capacity: n)
        out.setCount(n)
        let values = out.values(as: Double.self)
        // Ranks and matrix are built at the first frame too long to select from directly: moving
        // medians over short frames never pay for the sort.
        var ranked: RankedValues?
        var matrix: WaveletMatrix?
        var scratch = [Double](repeating: 0, count: WindowAggregator.directQuantileRows)
        var previous = (start: -1, end: -1, value: 0.0)
        for p in 0..<n {
            let row = Int(layout.order[p])
            let s = Int(frames.start[p]), e = Int(frames.end[p])
            let count = Int(counts[e] &- counts[s])
            if count == 0 {
                out.setValid(false, at: row)
                continue
            }
            if s == previous.start && e == previous.end {
                values[row] = previous.value
                continue
            }
            let position = fraction * Double(count - 1)
            let lower = Int(position.rounded(.down)), upper = Int(position.rounded(.up))
            let low: Double, high: Double
            if e - s <= WindowAggregator.directQuantileRows {
                // Insertion sort of at most 32 values, NaN last as the grouped quantile orders them.
                var taken = 0
                for q in s..<e where included[q] {
                    let value = source[Int(layout.order[q])]
                    var at = taken
                    while at > 0 && CompareKernel.compareDoubles(scratch[at - 1], value) > 0 {
                        scratch[at] = scratch[at - 1]
                        at -= 1
                    }
                    scratch[at] = value
                    taken += 1
                }
                (low, high) = (scratch[lower], scratch[upper])
            } else {
                if ranked == nil {
                    ranked = RankedValues(source, layout, included)
                    matrix = ranked!.matrix()
                }
                let sorted = ranked!.sorted
                low = sorted[Int(matrix!.kthSmallest(s, e, lower))]
                high = upper == lower ? low : sorted[Int(matrix!.kthSmallest(s, e, upper))]
            }
            let weight = position - Double(lower)
            let value = lower == upper ? low : QuantileAccumulator.interpolate(low, high, weight)
            values[row] = value
            previous = (s, e, value)
        }
        return out
    }
}

/// The included values of a window aggregate in ascending order (NaN last, as the grouped
/// quantile sorts them) and each sorted position's rank among them.
struct RankedValues {
    /// The included values, ascending.
    var sorted: [Double]
    /// Per sorted position: its value's index in `sorted`, or `sorted.count` when not included
    /// (larger than every rank, so k-th smallest queries below the frame's count never see it).
    var ranks: [UInt32]

    /// Ranks the values of `source` (by input row) at the included positions of `layout`.
    init(_ source: UnsafeMutableBufferPointer<Double>, _ layout: WindowLayout, _ included: [Bool]) {
        let n = layout.count
        var keyed: [(key: UInt64, position: Int32)] = []
        keyed.reserveCapacity(n)
        for p in 0..<n where included[p] {
            keyed.append((RankedValues.orderBits(source[Int(layout.order[p])]), Int32(p)))
        }
        keyed.sort { $0.key < $1.key }
        sorted = [Double](repeating: 0, count: keyed.count)
        ranks = [UInt32](repeating: UInt32(keyed.count), count: n)
        for (rank, entry) in keyed.enumerated() {
            sorted[rank] = source[Int(layout.order[Int(entry.position)])]
            ranks[Int(entry.position)] = UInt32(rank)
        }
    }

    /// A wavelet matrix over `ranks`.
    func matrix() -> WaveletMatrix {
        var bits = 1
        while UInt64(1) << UInt64(bits) <= UInt64(sorted.count) { bits += 1 }
        return ranks.withUnsafeBufferPointer { WaveletMatrix($0, bits: bits) }
    }

    /// An unsigned integer whose order is the order of doubles, every NaN after +infinity.
    @inline(__always)
    static func orderBits(_ value: Double) -> UInt64 {
        if value.isNaN { return UInt64.max }
        let bits = value.bitPattern
        return bits & (1 << 63) != 0 ? ~bits : bits | (1 << 63)
    }
}
