import PlazaCore
import PlazaVector
import PlazaTestSupport
import Testing

/// `FilterKernel.select` (64 rows at a time) against a row-by-row reference, over counts around
/// word and byte boundaries and every validity pattern.
@Suite struct FilterSelectTests {
    enum Pattern: CaseIterable { case allFalse, allTrue, sparse, dense, wordRuns }
    enum Nulls: CaseIterable { case none, all, alternating, random, wordRuns }

    @Test(arguments: Pattern.allCases, Nulls.allCases)
    func selectMatchesTheRowByRowReference(pattern: Pattern, nulls: Nulls) {
        var rng = SeededRandom(seed: 42)
        for count in [0, 1, 7, 8, 9, 63, 64, 65, 127, 200, 2_047, 2_048] {
            let flags = ColumnVector(type: .boolean, capacity: max(count, 1))
            for row in 0..<count {
                let r = rng.next()
                let value: UInt8
                switch pattern {
                case .allFalse: value = 0
                case .allTrue: value = 1
                case .sparse: value = r % 50 == 0 ? 1 : 0
                case .dense: value = r % 4 == 0 ? 0 : 1
                case .wordRuns: value = (row / 64) % 2 == 0 ? 1 : UInt8(r & 1)
                }
                let isNull: Bool
                switch nulls {
                case .none: isNull = false
                case .all: isNull = true
                case .alternating: isNull = row % 2 == 1
                case .random: isNull = (r >> 32) % 3 == 0
                case .wordRuns: isNull = (row / 64) % 3 == 1
                }
                if isNull { flags.appendNull() } else { flags.append(value) }
            }
            let bools = flags.values(as: UInt8.self).baseAddress!
            var expected: [Int32] = []
            for row in 0..<count where flags.isValid(at: row) && bools[row] & 1 == 1 { expected.append(Int32(row)) }
            var out = [Int32](repeating: -1, count: max(count, 1))
            let n = out.withUnsafeMutableBufferPointer {
                FilterKernel.select(bools, validity: flags.validity, count: count, into: $0.baseAddress!)
            }
            #expect(Array(out[0..<n]) == expected, "\(pattern) \(nulls) count \(count)")
        }
    }

    @Test func rowsPastCountAreNeverSelected() {
        // True bytes and valid bits beyond `count` must not leak into the selection.
        let flags = ColumnVector(type: .boolean, capacity: 128)
        for _ in 0..<128 { flags.append(UInt8(1)) }
        flags.setValid(false, at: 1)
        var out = [Int32](repeating: -1, count: 128)
        let n = out.withUnsafeMutableBufferPointer {
            FilterKernel.select(
                flags.values(as: UInt8.self).baseAddress!, validity: flags.validity, count: 70, into: $0.baseAddress!)
        }
        #expect(n == 69)
        #expect(Array(out[0..<n]) == [0] + (2..<70).map { Int32($0) })
        let m = out.withUnsafeMutableBufferPointer {
            FilterKernel.select(
                flags.values(as: UInt8.self).baseAddress!, validity: ValidityBitmap(words: nil), count: 13,
                into: $0.baseAddress!)
        }
        #expect(Array(out[0..<m]) == (0..<13).map { Int32($0) })
    }

    /// `SelectionVector(rowsClearIn:count:)`: the rows whose deletion bit is clear, never past `count`.
    @Test func rowsClearInAMaskMatchTheRowByRowReference() {
        var rng = SeededRandom(seed: 7)
        // Deleted one row in 20, 3, 2, nine in ten, all: dense words take the branch-free loop, sparse ones the bit walk.
        let densities: [(UInt64) -> Bool] = [
            { $0 % 20 == 0 }, { $0 % 3 == 0 }, { $0 % 2 == 0 }, { $0 % 10 != 0 }, { _ in true },
        ]
        for count in [0, 1, 63, 64, 65, 130, 2_047, 2_048] {
            for deleted in densities {
                var words = [UInt64](repeating: 0, count: max(1, (count + 63) / 64))
                for row in 0..<count where deleted(rng.next()) { words[row >> 6] |= 1 << UInt64(row & 63) }
                let selection = words.withUnsafeBufferPointer {
                    SelectionVector(rowsClearIn: $0.baseAddress!, count: count)
                }
                let expected = (0..<count).filter { words[$0 >> 6] & (1 << UInt64($0 & 63)) == 0 }.map { Int32($0) }
                #expect(Array(selection.buffer) == expected, "count \(count)")
            }
        }
    }
}
