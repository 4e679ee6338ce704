import Testing

@testable import PlazaArrow

@Suite struct FlatBufferBuilderTests {
    @Test func emptyTableIsRootOffsetThenVTable() {
        var builder = FlatBufferBuilder()
        builder.startTable()
        let bytes = builder.finish(builder.endTable())
        #expect(bytes.count % 4 == 0)
    }
}
