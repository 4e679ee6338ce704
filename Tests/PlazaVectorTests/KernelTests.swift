import PlazaCore
import PlazaVector
import Testing

@Suite struct KernelTests {
    func strings(_ values: [String?]) -> ColumnVector {
        let v = ColumnVector(type: .varchar)
        for value in values {
            if let value { v.appendString(value) } else { v.appendNull() }
        }
        return v
    }

    @Test func gatherKeepsNullsAndMarksMissingRows() {
        let v = strings(["a", nil, "ccc"])
        let out = [2, -1, 1, 0].map(Int32.init).withUnsafeBufferPointer { GatherKernel.gather(v, $0) }
        #expect((0..<4).map { out.value(at: $0) } == [.varchar("ccc"), .null, .null, .varchar("a")])
    }

    @Test func gatherOfDictionaryVectorKeepsTheDictionary() {
        let dictionary = strings(["x", "y"])
        let codes = ColumnVector(type: .varchar, capacity: 3)
        codes.makeDictionary(dictionary, count: 3)
        let raw = codes.values(as: UInt32.self)
        raw[0] = 1; raw[1] = 0; raw[2] = 1
        codes.setValid(false, at: 1)
        let out = [2, 1, 0].map(Int32.init).withUnsafeBufferPointer { GatherKernel.gather(codes, $0) }
        #expect(out.dictionary === dictionary)
        #expect((0..<3).map { out.value(at: $0) } == [.varchar("y"), .null, .varchar("y")])
        #expect(
            GatherKernel.concatenate([out, strings(["z"])], type: .varchar).flattened().value(at: 3) == .varchar("z"))
    }

    @Test func compareStringsByBytesAndDoublesWithNaN() {
        let a = strings(["a", "b", "", "é"]), b = strings(["b", "b", "a", "z"])
        var out = [UInt8](repeating: 9, count: 4)
        out.withUnsafeMutableBufferPointer { CompareKernel.compare(a, b, .less, count: 4, into: $0.baseAddress!) }
        #expect(out == [1, 0, 1, 0])  // "é" (0xC3 0xA9) sorts after "z" by bytes
        let x = ColumnVector(type: .double)
        for d in [1.0, .nan, -0.0, .infinity] { x.append(d) }
        out.withUnsafeMutableBufferPointer {
            CompareKernel.compare(x, constant: .double(.infinity), .greaterOrEqual, count: 4, into: $0.baseAddress!)
        }
        #expect(out == [0, 1, 0, 1])
        out.withUnsafeMutableBufferPointer {
            CompareKernel.compare(x, constant: .double(0), .equal, count: 4, into: $0.baseAddress!)
        }
        #expect(out == [0, 0, 1, 0])
    }

    @Test func compareAgainstAPrebuiltConstantHolderMatchesTheValueForm() {
        let x = ColumnVector(type: .bigint)
        for v: Int64 in [5000, 5001, -7, .max, 4999] { x.append(v) }
        let holder = ColumnVector(type: .bigint, capacity: 1)
        holder.append(value: .bigint(5000))
        for op in [CompareKernel.Operator.equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual] {
            var viaHolder = [UInt8](repeating: 9, count: 5), viaValue = [UInt8](repeating: 7, count: 5)
            viaHolder.withUnsafeMutableBufferPointer {
                CompareKernel.compare(x, constantHolder: holder, op, count: 5, into: $0.baseAddress!)
            }
            viaValue.withUnsafeMutableBufferPointer {
                CompareKernel.compare(x, constant: .bigint(5000), op, count: 5, into: $0.baseAddress!)
            }
            #expect(viaHolder == viaValue)
        }
        var greater = [UInt8](repeating: 9, count: 5)
        greater.withUnsafeMutableBufferPointer {
            CompareKernel.compare(x, constantHolder: holder, .greater, count: 5, into: $0.baseAddress!)
        }
        #expect(greater == [0, 1, 0, 1, 0])
        let names = strings(["WhatsApp", "Web", ""]), word = strings(["WhatsApp"])
        var equal = [UInt8](repeating: 9, count: 3)
        equal.withUnsafeMutableBufferPointer {
            CompareKernel.compare(names, constantHolder: word, .equal, count: 3, into: $0.baseAddress!)
        }
        #expect(equal == [1, 0, 0])
    }

    @Test func filterSelectsValidTrueRows() {
        let flags = ColumnVector(type: .boolean)
        for b: UInt8 in [1, 0, 1, 1] { flags.append(b) }
        flags.setValid(false, at: 2)
        var selection = [Int32](repeating: 0, count: 4)
        let n = selection.withUnsafeMutableBufferPointer {
            FilterKernel.select(
                flags.values(as: UInt8.self).baseAddress!, validity: flags.validity, count: 4, into: $0.baseAddress!)
        }
        #expect(Array(selection[0..<n]) == [0, 3])
    }

    @Test func packedKeysAreEqualExactlyWhenValuesAre() {
        let packer = KeyPacker()
        let text = strings(["ab", "ab", nil, "a", nil])
        let numbers = ColumnVector(type: .double)
        for d in [0.0, -0.0, 1, .nan, 1] { numbers.append(d) }
        numbers.setValid(false, at: 4)
        packer.pack([text, numbers], rowCount: 5)
        let keys = (0..<5).map { Array(packer.key($0)) }
        #expect(keys[0] == keys[1])  // 0.0 and -0.0 group together
        #expect(keys[2] != keys[4])  // (NULL, 1.0) vs (NULL, NULL)
        #expect(packer.hashes[0] == packer.hashes[1])
        let decoded = keys.map { $0.withUnsafeBytes { Array($0) } }
        let columns = decoded.map { bytes in
            bytes.withUnsafeBytes { KeyPacker.unpack([$0], types: [.varchar, .double]) }
        }
        #expect(columns[3][0].value(at: 0) == .varchar("a"))
        #expect(columns[4][1].value(at: 0) == .null)
    }
}
