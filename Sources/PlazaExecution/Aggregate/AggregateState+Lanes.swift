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
        let positions = live?.count ?? count
        switch accumulator {
        case .count(let counter):
            if !counter.countsNulls {
                guard let argument, argument.type != .null, !argument.hasNulls else { return false }
            }
        case .integerSum:
            guard let argument, argument.type != .null,
                GroupLanes.fits(argument, count: count, positions: positions)
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
            // Summed with the batch's other lane sums (`flushLaneSums`); later aggregates over the
            // same column add these group sums instead of summing again.
            pendingLaneSums.append((argument!, index, sum))
            laneSummed[index] = true
        default:
            preconditionFailure("addOverLanes past its checks")
        }
        return true
    }

    /// Sums the batch's pending lane sums, two inputs per pass over the rows, into their slices
    /// of `laneSums`, adds them to their aggregates, then the copies of them.
    func flushLaneSums() {
        var next = 0
        while next < pendingLaneSums.count {
            let first = pendingLaneSums[next]
            let firstSlice = laneSums + first.index &* GroupLanes.maximumGroups
            firstSlice.update(repeating: 0, count: groupCount)
            if next + 1 < pendingLaneSums.count {
                let second = pendingLaneSums[next + 1]
                let secondSlice = laneSums + second.index &* GroupLanes.maximumGroups
                secondSlice.update(repeating: 0, count: groupCount)
                lanes.sum(first.argument, second.argument, into: firstSlice, secondSlice)
                next += 2
            } else {
                lanes.sum(first.argument, into: firstSlice)
                next += 1
            }
        }
        for pending in pendingLaneSums {
            pending.sum.add(groupSums: laneSums + pending.index &* GroupLanes.maximumGroups, lanes: lanes)
        }
        for copy in pendingLaneCopies {
            copy.sum.add(groupSums: laneSums + copy.earlier &* GroupLanes.maximumGroups, lanes: lanes)
        }
        pendingLaneSums.removeAll(keepingCapacity: true)
        pendingLaneCopies.removeAll(keepingCapacity: true)
    }
}
