import Testing

@testable import PlazaExecution

/// The wavelet matrix behind window median/quantile_cont and approx_count_distinct answers k-th
/// smallest and count-below queries over random ranges as sorting and counting each range does.
@Suite struct WaveletMatrixTests {
    /// A reproducible stream of numbers (SplitMix64), so a failure can be replayed.
    struct Random {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(bound))
        }
    }

    @Test(arguments: [
        (count: 1, bits: 1), (count: 63, bits: 1), (count: 64, bits: 3), (count: 1000, bits: 7),
        (count: 5000, bits: 13), (count: 4096, bits: 32),
    ])
    func matchesBruteForce(count: Int, bits: Int) {
        var random = Random(state: UInt64(count * 31 + bits))
        let limit = bits == 32 ? Int(UInt32.max) : 1 << bits
        let symbols = (0..<count).map { _ in UInt32(random.next(limit)) }
        let matrix = symbols.withUnsafeBufferPointer { WaveletMatrix($0, bits: bits) }
        for _ in 0..<300 {
            let a = random.next(count + 1), b = random.next(count + 1)
            let start = min(a, b), end = max(a, b)
            let sorted = symbols[start..<end].sorted()
            if !sorted.isEmpty {
                let k = random.next(sorted.count)
                #expect(matrix.kthSmallest(start, end, k) == sorted[k], "k=\(k) in \(start)..<\(end)")
                #expect(matrix.kthSmallest(start, end, 0) == sorted.first!)
                #expect(matrix.kthSmallest(start, end, sorted.count - 1) == sorted.last!)
            }
            let bound = UInt64(random.next(limit)) + UInt64(random.next(2))
            #expect(
                matrix.countBelow(start, end, bound) == sorted.filter { UInt64($0) < bound }.count,
                "below \(bound) in \(start)..<\(end)")
        }
        #expect(matrix.countBelow(0, count, UInt64(1) << UInt64(bits)) == count)
    }

    @Test func manyDuplicates() {
        var random = Random(state: 7)
        let symbols = (0..<3000).map { _ in UInt32(random.next(3)) }
        let matrix = symbols.withUnsafeBufferPointer { WaveletMatrix($0, bits: 2) }
        for start in stride(from: 0, to: 3000, by: 97) {
            let end = min(3000, start + 500)
            let sorted = symbols[start..<end].sorted()
            for k in stride(from: 0, to: sorted.count, by: 37) {
                #expect(matrix.kthSmallest(start, end, k) == sorted[k])
            }
        }
    }
}
