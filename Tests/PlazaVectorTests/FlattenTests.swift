import PlazaCore
import PlazaVector
import Testing

/// `ColumnVector.flattened()`: a dictionary vector becomes the flat vector of its values, NULLs
/// kept, for every physical type.
@Suite struct FlattenTests {
    @Test(arguments: GatherPathsTests.types, [false, true])
    func flattenedDictionaryVectorHoldsItsValues(type: DataType, withNulls: Bool) {
        let entries = 37
        let dictionary = ColumnVector(type: type, capacity: entries)
        for entry in 0..<entries { dictionary.append(value: GatherPathsTests.value(type, entry)) }
        for rows in [1, 64, 130, 2_048] {
            let coded = ColumnVector(type: type, capacity: rows)
            coded.makeDictionary(dictionary, count: rows)
            let codes = coded.values(as: UInt32.self)
            for row in 0..<rows { codes[row] = UInt32((row * 11) % entries) }
            if withNulls { for row in stride(from: 3, to: rows, by: 7) { coded.setValid(false, at: row) } }
            let flat = coded.flattened()
            #expect(!flat.isDictionary && flat.count == rows)
            for row in 0..<rows {
                let isNull = withNulls && row >= 3 && (row - 3) % 7 == 0
                let expected = isNull ? Value.null : GatherPathsTests.value(type, (row * 11) % entries)
                guard flat.value(at: row) == expected else {
                    Issue.record("\(type) rows \(rows): row \(row) is \(flat.value(at: row)), expected \(expected)")
                    return
                }
                if isNull && type.physicalType != .string {
                    let slot = UnsafeRawBufferPointer(start: flat.data + row * flat.byteWidth, count: flat.byteWidth)
                    #expect(slot.allSatisfy { $0 == 0 }, "\(type): a NULL slot holds zeros")
                }
            }
        }
    }
}
