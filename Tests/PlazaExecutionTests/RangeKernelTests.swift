import CPlazaKernels
import PlazaCore
import PlazaTestSupport
import PlazaVector
import Testing

@testable import PlazaExecution

/// The C kernels of filters (`CPlazaKernels`: range tests of 32- and 64-bit values, positions of
/// set bits, join range filters), both the versions the CPU dispatches to and the portable fallbacks, against a
/// row-by-row reference: counts that end in partial words, masks with words already zero or
/// nearly empty, bounds at the ends of the types, and the inverted test of `!=`.
@Suite struct RangeKernelTests {
    static let sizes = [1, 63, 64, 65, 200, 2_047, 2_048]

    /// Starting masks: every row, every third word zero, a few rows per word, random rows, every bit.
    static func masks(_ count: Int, _ rng: inout SeededRandom) -> [[UInt64]] {
        let words = ValidityBitmap.wordCount(for: count)
        let tail: UInt64 = count % 64 == 0 ? ~0 : (1 << UInt64(count % 64)) - 1
        func clip(_ mask: [UInt64]) -> [UInt64] {
            var mask = mask
            mask[words - 1] &= tail
            return mask
        }
        return [
            clip([UInt64](repeating: ~0, count: words)),
            clip((0..<words).map { $0 % 3 == 1 ? 0 : ~0 }),
            clip((0..<words).map { _ in (1 << (rng.next() % 64)) | (1 << (rng.next() % 64)) }),
            clip((0..<words).map { _ in rng.next() }),
            // Bits past `count` set: the kernels clear them.
            [UInt64](repeating: ~0, count: words),
        ]
    }

    /// The rows of `mask` still set where `passes` holds, bits past `count` clear.
    static func reference(_ mask: [UInt64], _ count: Int, _ passes: (Int) -> Bool) -> [UInt64] {
        var out = [UInt64](repeating: 0, count: mask.count)
        for row in 0..<count where (mask[row / 64] >> UInt64(row % 64)) & 1 == 1 && passes(row) {
            out[row / 64] |= 1 << UInt64(row % 64)
        }
        return out
    }

    /// Runs `kernel(values, low, span, invert, portable, mask)` for each of `bounds`, `!=` too, over
    /// each starting mask, and compares with the row-by-row rule.
    static func checkRanges<T: FixedWidthInteger & SignedInteger>(
        _ values: [T], _ bounds: [(T, T)], _ rng: inout SeededRandom,
        _ kernel: (UnsafePointer<T>, T, T.Magnitude, Int32, Bool, UnsafeMutablePointer<UInt64>) -> Void
    ) {
        let count = values.count
        for (low, high) in bounds {
            for invert in [false, true] {
                for start in Self.masks(count, &rng) {
                    let expected = Self.reference(start, count) { (low...high).contains(values[$0]) != invert }
                    let span = T.Magnitude(truncatingIfNeeded: high &- low)
                    for portable in [false, true] {
                        var mask = start
                        values.withUnsafeBufferPointer { v in
                            mask.withUnsafeMutableBufferPointer { m in
                                kernel(v.baseAddress!, low, span, invert ? 1 : 0, portable, m.baseAddress!)
                            }
                        }
                        #expect(
                            mask == expected, "[\(low), \(high)] invert \(invert) portable \(portable) over \(count)")
                    }
                }
            }
        }
    }

    @Test(arguments: sizes)
    func thirtyTwoBitRangesMatchRowByRow(_ count: Int) {
        var rng = SeededRandom(seed: UInt64(count))
        let edges: [Int32] = [.min, .min + 1, -7, -1, 0, 1, 6, 7, 1000, .max - 1, .max]
        let values = (0..<count).map { row in
            row % 4 == 0 ? edges[row % edges.count] : Int32(truncatingIfNeeded: rng.next() % 41) - 20
        }
        let bounds: [(Int32, Int32)] = [(-5, 5), (0, 0), (.min, -1), (7, .max), (.min, .max), (3, 2_000), (-20, 20)]
        Self.checkRanges(values, bounds, &rng) { v, low, span, invert, portable, m in
            if portable {
                plaza_and_range_i32_portable(v, count, low, span, invert, m)
            } else {
                plaza_and_range_i32(v, count, low, span, invert, m)
            }
        }
    }

    @Test(arguments: sizes)
    func sixtyFourBitRangesMatchRowByRow(_ count: Int) {
        var rng = SeededRandom(seed: UInt64(count) &+ 99)
        let edges: [Int64] = [.min, .min + 1, -1, 0, 1, 1 << 40, .max - 1, .max]
        let values = (0..<count).map { row in row % 3 == 0 ? edges[row % edges.count] : Int64(rng.next() % 1_001) - 500
        }
        let bounds: [(Int64, Int64)] = [(-100, 100), (0, 0), (.min, 0), (1, .max), (.min, .max), (-1, 1 << 40)]
        Self.checkRanges(values, bounds, &rng) { v, low, span, invert, portable, m in
            if portable {
                plaza_and_range_i64_portable(v, count, low, span, invert, m)
            } else {
                plaza_and_range_i64(v, count, low, span, invert, m)
            }
        }
    }

    /// Every operator against constants at and next to the ends of a 32-bit type (DATE), through the filter's
    /// entry points (`>` of the largest value and `<` of the smallest pass nothing), NULLs false.
    @Test(arguments: sizes)
    func integerComparisonsAtTheEndsOfTheType(_ count: Int) {
        let pool: [Int32] = [.min, .min + 1, -1, 0, 1, .max - 1, .max]
        let vector = ColumnVector(type: .date, capacity: count)
        var values: [Int32?] = []
        for row in 0..<count {
            let value: Int32? = row % 9 == 4 ? nil : pool[(row * 5) % pool.count]
            values.append(value)
            vector.append(value: value.map { .date($0) } ?? .null)
        }
        let ops: [(CompareKernel.Operator, (Int32, Int32) -> Bool)] = [
            (.equal, ==), (.notEqual, !=), (.less, <), (.lessOrEqual, <=), (.greater, >), (.greaterOrEqual, >=),
        ]
        for constant in pool {
            let holder = ColumnVector(type: .date, capacity: 1)
            holder.append(value: .date(constant))
            for (op, test) in ops {
                FilterMaskTests.withMask(count) { mask in
                    #expect(FilterMask.andCompare(mask, count: count, vector: vector, op: op, constant: holder))
                    let expected = (0..<count).filter { values[$0].map { test($0, constant) } ?? false }
                    #expect(FilterMaskTests.rows(mask, count) == expected, "\(op) \(constant) over \(count)")
                }
            }
            // A lower and an upper bound as one range test.
            let upper = ColumnVector(type: .date, capacity: 1)
            upper.append(value: .date(constant == .min ? .min : constant / 2))
            let top = constant == .min ? Int32.min : constant / 2
            FilterMaskTests.withMask(count) { mask in
                FilterMask.andRange(mask, count: count, vector: vector, .greater, holder, .lessOrEqual, upper)
                let expected = (0..<count).filter { values[$0].map { $0 > constant && $0 <= top } ?? false }
                #expect(FilterMaskTests.rows(mask, count) == expected, "(\(constant), \(top)] over \(count)")
            }
        }
    }

    /// A run of dictionary codes tested as one range; NULL rows hold codes past the dictionary or in the run.
    @Test(arguments: sizes)
    func codeRunsMatchRowByRow(_ count: Int) {
        let dictionary = ColumnVector(type: .bigint)
        for value in 0..<12 { dictionary.append(value: .bigint(Int64(value) * 10)) }
        let codes = ColumnVector(type: .bigint, capacity: count)
        codes.makeDictionary(dictionary, count: count)
        let raw = codes.values(as: UInt32.self)
        for row in 0..<count {
            raw[row] = row % 7 == 3 ? (row % 2 == 0 ? 60_000 : 4) : UInt32((row * 5) % 12)
            if row % 7 == 3 { codes.setValid(false, at: row) }
        }
        for run in [0...0, 2...5, 0...11, 11...11] {
            FilterMaskTests.withMask(count) { mask in
                FilterMask.andCodeRange(mask, count: count, vector: codes, run)
                let expected = (0..<count).filter { $0 % 7 != 3 && run.contains(Int(raw[$0])) }
                #expect(FilterMaskTests.rows(mask, count) == expected, "codes \(run) over \(count)")
            }
        }
    }

    /// Positions of set bits at every density a word can have (the table path from 16 bits, four
    /// bits a round below), both versions.
    @Test func positionsOfSetBitsAtEveryDensity() {
        var rng = SeededRandom(seed: 7)
        for bitsPerWord in [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 40, 63, 64] {
            let words: [UInt64] = (0..<32).map { w in
                var word: UInt64 = 0
                // Every other word at this density, the rest random, so neighbours differ.
                if w % 2 == 1 { return rng.next() }
                while word.nonzeroBitCount < bitsPerWord { word |= 1 << (rng.next() % 64) }
                return word
            }
            var expected: [Int32] = []
            for (w, word) in words.enumerated() {
                for bit in 0..<64 where (word >> UInt64(bit)) & 1 == 1 { expected.append(Int32(w * 64 + bit)) }
            }
            for portable in [false, true] {
                var out = [Int32](repeating: -1, count: 32 * 64 + 8)
                let n = words.withUnsafeBufferPointer { w in
                    out.withUnsafeMutableBufferPointer { o in
                        portable
                            ? plaza_write_positions_portable(w.baseAddress!, 32, o.baseAddress!)
                            : plaza_write_positions(w.baseAddress!, 32, o.baseAddress!)
                    }
                }
                #expect(Array(out[0..<n]) == expected, "\(bitsPerWord) bits a word, portable \(portable)")
                #expect(words.withUnsafeBufferPointer { plaza_popcount($0.baseAddress!, 32) } == expected.count)
            }
        }
    }
}

extension RangeKernelTests {
    /// A join's range filter (keys in range with their position's bit set) over 64- and 32-bit
    /// keys, AVX2 gathers and the portable loop, against the row-by-row rule: keys below and above
    /// the range, bits per position and per 2^shift positions, partial words.
    @Test(arguments: [0, 3])
    func rangeFiltersMatchRowByRow(shift: Int) {
        var rng = SeededRandom(seed: UInt64(shift) &+ 5)
        let base: Int64 = -1_000, span: UInt64 = 5_000
        var words = (0..<((Int(span) >> shift) / 64 + 1)).map { _ in rng.next() & rng.next() }
        // The last position's bit set: the one keys out of range read, which the range test clears.
        words[(Int(span) >> shift) / 64] |= 1 << UInt64((Int(span) >> shift) % 64)
        func expected(_ key: Int64) -> Bool {
            let offset = UInt64(bitPattern: key &- base)
            guard offset <= span else { return false }
            let bit = offset >> UInt64(shift)
            return (words[Int(bit >> 6)] >> (bit & 63)) & 1 == 1
        }
        for count in Self.sizes {
            let keys: [Int64] = (0..<count).map { row in
                switch row % 5 {
                case 0: return base &- Int64(rng.next() % 3) &- 1  // below
                case 1: return base &+ Int64(span) &+ 1 &+ Int64(rng.next() % 3)  // above
                case 2: return row % 2 == 0 ? .min : .max
                default: return base &+ Int64(rng.next() % (span + 1))
                }
            }
            let narrow = keys.map { Int32(clamping: $0) }
            for start in Self.masks(count, &rng) {
                let wide = Self.reference(start, count) { expected(keys[$0]) }
                let small = Self.reference(start, count) { expected(Int64(narrow[$0])) }
                for portable: Int32 in [0, 1] {
                    var mask = start
                    words.withUnsafeBufferPointer { w in
                        mask.withUnsafeMutableBufferPointer { m in
                            plaza_and_range_filter_i64(
                                keys, count, base, span, UInt32(shift), w.baseAddress!, m.baseAddress!, portable)
                        }
                    }
                    #expect(mask == wide, "64-bit keys, shift \(shift), portable \(portable), \(count) rows")
                    mask = start
                    words.withUnsafeBufferPointer { w in
                        mask.withUnsafeMutableBufferPointer { m in
                            plaza_and_range_filter_i32(
                                narrow, count, base, span, UInt32(shift), w.baseAddress!, m.baseAddress!, portable)
                        }
                    }
                    #expect(mask == small, "32-bit keys, shift \(shift), portable \(portable), \(count) rows")
                }
            }
        }
    }
}
