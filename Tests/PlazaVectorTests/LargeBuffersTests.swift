import Testing

@testable import PlazaVector

/// Large working buffers: aligned to 2 MiB pages from the threshold up (so the kernel can back
/// them with huge pages), plain allocations below it, every byte writable and freed by `deallocate`.
@Suite struct LargeBuffersTests {
    @Test func largeBuffersAreAlignedToHugePagesAndWritable() {
        let count = LargeBuffers.hugePageThreshold / 4 + 3
        let buffer = LargeBuffers.allocate(Int32.self, capacity: count)
        defer { buffer.deallocate() }
        #if os(Linux)
            #expect(Int(bitPattern: buffer) % (2 << 20) == 0)
        #endif
        buffer.initialize(repeating: -1, count: count)
        buffer[count - 1] = 7
        #expect(buffer[0] == -1 && buffer[count - 1] == 7)
    }

    @Test func smallBuffersComeFromMalloc() {
        let buffer = LargeBuffers.allocate(Int64.self, capacity: 100)
        defer { buffer.deallocate() }
        buffer.initialize(repeating: 5, count: 100)
        #expect(buffer[99] == 5)
    }

    @Test func largeColumnVectorsKeepTheirValues() {
        let vector = ColumnVector(type: .bigint, capacity: LargeBuffers.hugePageThreshold / 8 + 10)
        for i in 0..<1000 { vector.append(Int64(i)) }
        vector.count = LargeBuffers.hugePageThreshold / 8 + 10
        let values = vector.values(as: Int64.self)
        #expect(values[999] == 999)
        values[vector.count - 1] = 42
        #expect(values[vector.count - 1] == 42)
    }
}
