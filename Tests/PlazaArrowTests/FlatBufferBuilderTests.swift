import PlazaTestSupport
import Testing

@testable import PlazaArrow

/// The builder's bytes on small cases, worked out by hand from the FlatBuffers layout.
@Suite struct FlatBufferBuilderTests {
    @Test func tableWithOneIntegerField() {
        var builder = FlatBufferBuilder()
        builder.startTable()
        builder.add(Int32(7), at: 0)
        let bytes = builder.finish(builder.endTable())
        #expect(
            bytes == [
                12, 0, 0, 0,  // root: the table is 12 bytes on
                0, 0,  // padding
                6, 0, 8, 0, 4, 0,  // vtable: 6 bytes, table of 8, field 0 at +4
                6, 0, 0, 0,  // table: its vtable is 6 bytes back
                7, 0, 0, 0,  // field 0
            ])
    }

    @Test func absentFieldsAreZeroInTheVTableAndStringsEndWithZero() {
        var builder = FlatBufferBuilder()
        let text = builder.string("ab")
        builder.startTable()
        builder.add(text, at: 1)
        let bytes = builder.finish(builder.endTable())
        #expect(
            bytes == [
                12, 0, 0, 0,  // root
                8, 0, 8, 0, 0, 0, 4, 0,  // vtable: 8 bytes, table of 8, field 0 absent, field 1 at +4
                8, 0, 0, 0,  // table: its vtable is 8 bytes back
                4, 0, 0, 0,  // field 1: the string is 4 bytes on
                2, 0, 0, 0, 97, 98, 0, 0,  // "ab", its 0, padding
            ])
        let table = FlatTable(bytes: bytes, position: 12)
        #expect(table.string(1) == "ab")
        #expect(table.field(0) == nil)
    }

    @Test func scalarsStructsAndTheBufferAreAligned() {
        var builder = FlatBufferBuilder(capacity: 8)  // small: growing moves the bytes several times
        let structs = builder.vector(ofStructs: (0..<32).map { UInt8($0) }, count: 2, alignment: 8)
        let names = (0..<3).map { builder.string(String(repeating: "x", count: $0)) }
        let strings = builder.vector(of: names)
        builder.startTable()
        builder.add(UInt8(1), at: 0)
        builder.add(Int64(-2), at: 1)
        builder.add(structs, at: 2)
        builder.add(Int16(3), at: 3)
        builder.add(strings, at: 4)
        let bytes = builder.finish(builder.endTable())
        #expect(bytes.count % 8 == 0)
        let table = FlatTable(bytes: bytes, position: Int(bytes.uint32(at: 0)))
        #expect(table.scalar(0, UInt8.self) == 1)
        #expect(table.scalar(1, Int64.self) == -2)  // FlatTable.scalar checks the alignment
        #expect(table.scalar(3, Int16.self) == 3)
        #expect(table.structs(2).map { bytes[$0] } == [0, 16])  // 8-aligned, checked by structs(_:)
        #expect(table.vector(4)?.count == 3)
        let strings2 = (0..<3).map { index -> String in
            let at = table.vector(4)!.start + 4 * index
            return FlatTable(bytes: bytes, position: 0).stringAt(at)
        }
        #expect(strings2 == ["", "x", "xx"])
    }
}

extension FlatTable {
    /// The string an offset stored at `at` points to.
    fileprivate func stringAt(_ at: Int) -> String {
        let target = at + Int(bytes.uint32(at: at))
        let count = Int(bytes.uint32(at: target))
        return String(decoding: bytes[target + 4..<target + 4 + count], as: UTF8.self)
    }
}
