import PlazaCore
import PlazaTestSupport
import Testing
@testable import PlazaStorage

/// Deletion files (Formats/plaza-manifest.md §10): every encoding round-trips, damage is refused.
@Suite struct DeletionVectorTests {
    static let segment = "000001-000000-0123456789abcdef.plzseg"

    /// Row groups exercising each encoding: none, all, a few rows, every other row, long runs.
    static func sample() -> DeletionVector {
        var vector = DeletionVector(groupRows: [100, 70, 5000, 5000, 4096, 1])
        for row in 0..<70 { vector.delete(group: 1, row: row) }
        for row in [3, 999, 4999] { vector.delete(group: 2, row: row) }
        for row in stride(from: 0, to: 5000, by: 2) { vector.delete(group: 3, row: row) }
        for row in 100..<3000 { vector.delete(group: 4, row: row) }
        for row in 3001..<4096 { vector.delete(group: 4, row: row) }
        return vector
    }

    @Test func everyEncodingRoundTrips() throws {
        let vector = Self.sample()
        let bytes = vector.encoded(segment: Self.segment)
        let back = try DeletionVector.decode(
            bytes, segment: Self.segment, groupRows: vector.groupRows, path: "d", table: "t")
        #expect(back == vector)
        #expect(back.deletedCount == 70 + 3 + 2500 + 2900 + 1095)
        #expect(back.groups[0] == nil && back.groups[5] == nil)
        // The runs encoding keeps the 4,096-row group with two runs small (two pairs, not 64 words).
        #expect(bytes.count < 2 * 1024)
    }

    @Test func runsAreMaximal() {
        var words = [UInt64](repeating: 0, count: 3)
        for row in [0, 1, 2, 63, 64, 65, 130] { words[row >> 6] |= 1 << UInt64(row & 63) }
        let runs = DeletionVector.runs(words, rows: 150)
        #expect(runs.map(\.start) == [0, 63, 130] && runs.map(\.length) == [3, 3, 1])
        #expect(DeletionVector.runCount(words) == 3)
    }

    @Test func everyFlippedByteAndTruncationIsRefused() {
        var vector = DeletionVector(groupRows: [10, 200])
        vector.delete(group: 0, row: 4)
        for row in 0..<150 { vector.delete(group: 1, row: row) }
        let bytes = vector.encoded(segment: Self.segment)
        for offset in bytes.indices {
            var damaged = bytes
            damaged[offset] ^= 0x41
            #expect(throws: StorageError.self, "flip at \(offset)") {
                try DeletionVector.decode(damaged, segment: Self.segment, groupRows: [10, 200], path: "d", table: "t")
            }
        }
        for length in 0..<bytes.count {
            #expect(throws: StorageError.self, "truncated to \(length)") {
                try DeletionVector.decode(
                    Array(bytes.prefix(length)), segment: Self.segment, groupRows: [10, 200], path: "d", table: "t")
            }
        }
    }

    @Test func aFileOfAnotherSegmentOrShapeIsRefused() {
        let bytes = Self.sample().encoded(segment: Self.segment)
        #expect(throws: StorageError.self) {
            try DeletionVector.decode(
                bytes, segment: "000002-000000-0123456789abcdef.plzseg", groupRows: Self.sample().groupRows,
                path: "d", table: "t")
        }
        #expect(throws: StorageError.self) {
            try DeletionVector.decode(bytes, segment: Self.segment, groupRows: [100, 70], path: "d", table: "t")
        }
    }
}
