import PlazaVector

/// Integer sums and counts of a batch over few groups in 64-bit lanes (`GroupLanes`).
extension AggregateState {
    /// Adds a count or an integer sum over `lanes` where that applies (no NULL rows; sums of values
    /// proven to fit 64-bit partial sums); returns whether it did. Builds `lanes` on first use.
    func addOverLanes(
        _ index: Int, _ accumulator: Accumulator, _ argument: ColumnVector?, live: UnsafeBufferPointer<Int32>?,
        count: Int,
        built: inout Bool
    ) -> Bool {
        switch accumulator {
        case .count(let counter):
            if !counter.countsNulls {
                guard let argument, argument.type != .null, !argument.hasNulls else { return false }
            }
        case .integerSum:
            guard let argument, argument.type != .null,
                GroupLanes.fits(argument, count: count)
            else { return false }
        default:
            return false
        }
        if !built {
            lanes.build(groups, live, count: count, groupCount: groupCount)
            laneSummed.withUnsafeMutableBufferPointer { $0.update(repeating: false) }
            built = true
        }
        switch accumulator {
        case .count(let counter):
            counter.update(lanes: lanes)
        case .integerSum(let sum):
            if runSumSources.contains(index) {
                // Later aggregates over the same column add these group sums instead of summing again.
                let slice = laneSums + index &* GroupLanes.maximumGroups
                slice.update(repeating: 0, count: groupCount)
                lanes.sum(argument!, into: slice)
                sum.add(groupSums: slice, lanes: lanes)
                laneSummed[index] = true
            } else {
                sum.update(lanes: lanes, argument!)
            }
        default:
            preconditionFailure("addOverLanes past its checks")
        }
        return true
    }
}
