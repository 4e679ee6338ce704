import PlazaCore
import PlazaTestSupport
import PlazaVector
import Testing

@testable import PlazaExecution

/// `GroupLanes` against sums computed row by row: every way a batch is tagged (all rows, a sparse
/// selection, a dense one with a spare group) and both lane counts (few and many groups).
@Suite struct GroupLanesTests {
    /// Sums of flat and dictionary values per group over the selected rows, compared with a plain loop.
    /// Rows left out hold codes past the dictionary (nothing wrote them), which a dense build must
    /// not read as entries.
    @Test func sumsMatchARowByRowSumForEveryTagging() {
        var rng = SeededRandom(seed: 21)
        let count = 2_000
        for groupCount in [1, 4, 15, 16, 64] {
            for keep in [1.0, 0.95, 0.9, 0.5, 0.01] {
                let groups = (0..<count).map { _ in Int32(rng.next() % UInt64(groupCount)) }
                let selected = (0..<count).filter { _ in Double(rng.next() % 10_000) < keep * 10_000 }
                let selectedSet = Set(selected)
                let flat = ColumnVector(type: .bigint, capacity: count)
                for _ in 0..<count { flat.append(Int64(bitPattern: rng.next() % 2_000_001) - 1_000_000) }
                let dictionary = ColumnVector(type: .bigint)
                let entries: [Int64] = [-7, 0, 13, 1_000_003, -999]
                for e in entries { dictionary.append(e) }
                let coded = ColumnVector(type: .bigint, capacity: count)
                coded.makeDictionary(dictionary, count: count)
                let codes = coded.values(as: UInt32.self)
                for row in 0..<count {
                    codes[row] = selectedSet.contains(row) ? UInt32(rng.next() % 5) : 0xDEAD_BEEF
                }
                var expectedFlat = [Int128](repeating: 0, count: groupCount)
                var expectedCoded = [Int128](repeating: 0, count: groupCount)
                var expectedCounts = [Int64](repeating: 0, count: groupCount)
                let values = flat.values(as: Int64.self)
                for row in selected {
                    let g = Int(groups[row])
                    expectedFlat[g] += Int128(values[row])
                    expectedCoded[g] += Int128(entries[Int(codes[row])])
                    expectedCounts[g] += 1
                }
                let lanes = GroupLanes()
                groups.withUnsafeBufferPointer { g in
                    let rows = selected.map { Int32($0) }
                    rows.withUnsafeBufferPointer { r in
                        lanes.build(g.baseAddress!, keep == 1.0 ? nil : r, count: count, groupCount: groupCount)
                    }
                }
                var sumsFlat = [Int128](repeating: 0, count: groupCount)
                var sumsCoded = [Int128](repeating: 0, count: groupCount)
                sumsFlat.withUnsafeMutableBufferPointer { lanes.sum(flat, into: $0.baseAddress!) }
                sumsCoded.withUnsafeMutableBufferPointer { lanes.sum(coded, into: $0.baseAddress!) }
                let counts = (0..<groupCount).map { lanes.rowCounts[$0] }
                #expect(sumsFlat == expectedFlat, "\(groupCount) groups, keep \(keep): flat")
                #expect(sumsCoded == expectedCoded, "\(groupCount) groups, keep \(keep): coded")
                #expect(counts == expectedCounts, "\(groupCount) groups, keep \(keep): counts")
            }
        }
    }
}
