import PlazaCore
import PlazaVector
import Testing

/// `GatherKernel.gather` over every physical type, flat and dictionary, with no bitmap, an
/// all-valid bitmap and NULLs, with and without missing (-1) indices, against the values.
@Suite struct GatherPathsTests {
    enum Nulls: CaseIterable { case noBitmap, allValidBitmap, someNulls }

    static let types: [DataType] = [
        .boolean, .bigint, .double, .decimal(precision: 12, scale: 2), .varchar, .date, .timestamp, .interval,
    ]

    static func value(_ type: DataType, _ row: Int) -> Value {
        switch type {
        case .boolean: return .boolean(row % 3 == 0)
        case .decimal(_, let s): return .decimal(Int64(row * 7 - 50), scale: s)
        case .timestamp: return .timestamp(Int64(row) * 60_000_000 - 7)
        case .bigint: return .bigint(Int64(row) * 1_000_003 - 9)
        case .double: return .double(Double(row) * 0.5 - 3)
        case .varchar: return .varchar(row % 4 == 0 ? "" : "calle \(row)")
        case .date: return .date(Int32(row - 400))
        case .interval: return .interval(Interval(months: Int32(row % 5), days: Int32(row), micros: Int64(row) * 1_000))
        default: return .null
        }
    }

    static func source(_ type: DataType, rows: Int, nulls: Nulls) -> ColumnVector {
        let v = ColumnVector(type: type, capacity: rows)
        for row in 0..<rows {
            if nulls == .someNulls && row % 5 == 2 { v.append(value: .null) } else { v.append(value: value(type, row)) }
        }
        if nulls == .allValidBitmap {
            v.setValid(false, at: 0)
            v.setValid(true, at: 0)
        }
        return v
    }

    @Test(arguments: types, Nulls.allCases)
    func gatherKeepsValuesAndNulls(type: DataType, nulls: Nulls) {
        for rows in [1, 63, 64, 130, 2_048] {
            let flat = Self.source(type, rows: rows, nulls: nulls)
            #expect(nulls != .allValidBitmap || flat.hasNulls, "the all-valid case needs a bitmap")
            var sources = [flat]
            if type == .varchar {
                // The same rows as a dictionary vector over the distinct strings.
                let dictionary = ColumnVector(type: .varchar, capacity: rows)
                for row in 0..<rows { dictionary.append(value: Self.value(type, row)) }
                let coded = ColumnVector(type: .varchar, capacity: rows)
                coded.makeDictionary(dictionary, count: rows)
                let codes = coded.values(as: UInt32.self)
                for row in 0..<rows { codes[row] = UInt32(row) }
                for row in 0..<rows where !flat.isValid(at: row) { coded.setValid(false, at: row) }
                if nulls == .allValidBitmap { coded.setValid(false, at: 0); coded.setValid(true, at: 0) }
                sources.append(coded)
            }
            for source in sources {
                for withMissing in [false, true] {
                    var indices: [Int32] =
                        (0..<rows).reversed().map { Int32($0) } + (0..<rows).filter { $0 % 3 == 1 }.map { Int32($0) }
                    if withMissing { indices.insert(-1, at: indices.count / 2); indices.append(-1) }
                    let out = indices.withUnsafeBufferPointer { GatherKernel.gather(source, $0) }
                    #expect(out.count == indices.count)
                    #expect(out.isDictionary == source.isDictionary)
                    for (i, index) in indices.enumerated() {
                        let expected: Value =
                            index < 0 || !flat.isValid(at: Int(index)) ? .null : Self.value(type, Int(index))
                        if out.value(at: i) != expected {
                            Issue.record(
                                "\(type) \(nulls) rows \(rows) missing \(withMissing) dictionary \(source.isDictionary): row \(i) is \(out.value(at: i)), expected \(expected)"
                            )
                            break
                        }
                    }
                    // No bitmap unless a gathered row is NULL.
                    let anyNull = indices.contains { $0 < 0 || !flat.isValid(at: Int($0)) }
                    #expect(out.hasNulls == anyNull, "\(type) \(nulls) rows \(rows) missing \(withMissing)")
                }
            }
        }
    }

    /// Gathering only valid rows of a column that has NULLs (the rows a selection keeps) gives no
    /// bitmap; one NULL row among them gives exactly that NULL.
    @Test(arguments: [DataType.bigint, .varchar, .double])
    func gatheredValidityIsExactAndDroppedWhenAllValid(type: DataType) {
        let source = Self.source(type, rows: 2_048, nulls: .someNulls)
        let valid = (0..<2_048).filter { $0 % 5 != 2 }.map { Int32($0) }
        let out = valid.withUnsafeBufferPointer { GatherKernel.gather(source, $0) }
        #expect(!out.hasNulls)
        let withNull = valid.prefix(100) + [7] + valid.dropFirst(100)
        let mixed = Array(withNull).withUnsafeBufferPointer { GatherKernel.gather(source, $0) }
        #expect(mixed.hasNulls)
        #expect((0..<mixed.count).filter { !mixed.isValid(at: $0) } == [100])
    }

    @Test func aFewRowsFromALargeSourceWithNullsKeepOnlyTheirOwnValidity() {
        // 100K rows, every 1000th NULL: the source is not scanned whole for a small gather, and
        // the gathered rows' bits decide whether the result has a bitmap.
        let source = ColumnVector(type: .bigint, capacity: 100_000)
        for row in 0..<100_000 {
            if row % 1000 == 0 { source.appendNull() } else { source.append(Int64(row)) }
        }
        let valid = [1, 999, 54_321].map(Int32.init).withUnsafeBufferPointer { GatherKernel.gather(source, $0) }
        #expect(!valid.hasNulls)
        #expect((0..<3).map { valid.value(at: $0) } == [.bigint(1), .bigint(999), .bigint(54_321)])
        let withNull = [1, 2000, 3].map(Int32.init).withUnsafeBufferPointer { GatherKernel.gather(source, $0) }
        #expect(withNull.hasNulls)
        #expect((0..<3).map { withNull.value(at: $0) } == [.bigint(1), .null, .bigint(3)])
    }
}
