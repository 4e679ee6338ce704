import PlazaCore
import PlazaVector
import Testing

@testable import PlazaExecution

/// The word-mask kernels of filters, against a row-by-row reference, at batch sizes that end in
/// partial words.
@Suite struct FilterMaskTests {
    static let sizes = [1, 63, 64, 65, 200, 2_048]

    /// The set rows of a mask.
    static func rows(_ mask: UnsafeMutablePointer<UInt64>, _ count: Int) -> [Int] {
        (0..<count).filter { (mask[$0 / 64] >> UInt64($0 % 64)) & 1 == 1 }
    }

    static func withMask(_ count: Int, _ body: (UnsafeMutablePointer<UInt64>) -> Void) {
        let mask = UnsafeMutablePointer<UInt64>.allocate(capacity: 32)
        defer { mask.deallocate() }
        FilterMask.setAll(mask, count: count)
        body(mask)
    }

    @Test(arguments: sizes)
    func integerComparisonsMatchRowByRow(_ count: Int) {
        let values: [Int64] = (0..<count).map { [Int64.min, -1, 0, 5, 6, 7, Int64.max][$0 % 7] &+ Int64($0 % 3) }
        let vector = ColumnVector(type: .bigint, capacity: count)
        for (row, value) in values.enumerated() {
            if row % 5 == 2 { vector.appendNull() } else { vector.append(value: .bigint(value)) }
        }
        let holder = ColumnVector(type: .bigint, capacity: 1)
        holder.append(value: .bigint(6))
        let ops: [(CompareKernel.Operator, (Int64, Int64) -> Bool)] = [
            (.equal, ==), (.notEqual, !=), (.less, <), (.lessOrEqual, <=), (.greater, >), (.greaterOrEqual, >=),
        ]
        for (op, test) in ops {
            Self.withMask(count) { mask in
                #expect(FilterMask.andCompare(mask, count: count, vector: vector, op: op, constant: holder))
                let expected = (0..<count).filter { $0 % 5 != 2 && test(values[$0], 6) }
                #expect(Self.rows(mask, count) == expected, "\(op) over \(count) rows")
                let out = UnsafeMutablePointer<Int32>.allocate(capacity: count + 8)  // select may write 8 past
                defer { out.deallocate() }
                let n = FilterMask.select(mask, count: count, into: out)
                #expect(Array(UnsafeBufferPointer(start: out, count: n)).map(Int.init) == expected)
                #expect(FilterMask.population(mask, words: ValidityBitmap.wordCount(for: count)) == expected.count)
            }
        }
    }

    @Test(arguments: sizes)
    func flagsCodesAndNullTestsMatchRowByRow(_ count: Int) {
        let flags = UnsafeMutablePointer<UInt8>.allocate(capacity: count)
        defer { flags.deallocate() }
        // Only the low bit of a flag counts.
        for row in 0..<count { flags[row] = row % 3 == 0 ? 1 : (row % 3 == 1 ? 2 : 0) }
        let validity = ColumnVector(type: .boolean, capacity: count)
        for row in 0..<count { validity.append(value: row % 4 == 1 ? .null : .boolean(true)) }
        Self.withMask(count) { mask in
            FilterMask.andFlags(mask, count: count, flags: flags, validity: validity.validity)
            #expect(Self.rows(mask, count) == (0..<count).filter { $0 % 3 == 0 && $0 % 4 != 1 })
        }
        let dictionary = ColumnVector(type: .varchar)
        for word in ["a", "b", "c"] { dictionary.appendString(word) }
        let codes = ColumnVector(type: .varchar, capacity: count)
        codes.makeDictionary(dictionary, count: count)
        let raw = codes.values(as: UInt32.self)
        for row in 0..<count {
            raw[row] = row % 4 == 1 ? 7 : UInt32(row % 3)  // a NULL row's code may be anything
            if row % 4 == 1 { codes.setValid(false, at: row) }
        }
        Self.withMask(count) { mask in
            FilterMask.andCodes(mask, count: count, vector: codes, matches: [0, 1, 1])
            #expect(Self.rows(mask, count) == (0..<count).filter { $0 % 4 != 1 && $0 % 3 != 0 })
        }
        Self.withMask(count) { mask in
            FilterMask.andCode(mask, count: count, vector: codes, code: 2)
            #expect(Self.rows(mask, count) == (0..<count).filter { $0 % 4 != 1 && $0 % 3 == 2 })
        }
        for isNull in [true, false] {
            Self.withMask(count) { mask in
                FilterMask.andNullTest(mask, words: ValidityBitmap.wordCount(for: count), vector: codes, isNull: isNull)
                #expect(Self.rows(mask, count) == (0..<count).filter { ($0 % 4 == 1) == isNull })
            }
        }
        Self.withMask(count) { mask in
            FilterMask.andNullTest(
                mask, words: ValidityBitmap.wordCount(for: count), vector: ColumnVector(type: .bigint), isNull: true)
            #expect(FilterMask.isEmpty(mask, words: ValidityBitmap.wordCount(for: count)))
        }
    }
}
