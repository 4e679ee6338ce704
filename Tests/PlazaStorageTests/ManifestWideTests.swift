import PlazaCore
import PlazaTestSupport
import Testing

@testable import PlazaStorage

/// DECIMAL(19…38) columns in a manifest (Formats/plaza-manifest.md §4.4): placeholder, feature
/// bit 0, the wide column list, and what a reader refuses.
@Suite struct ManifestWideTests {
    static let manifest = Manifest(
        generation: 3,
        schema: Schema([
            Field(name: "g", type: .varchar), Field(name: "total", type: .decimal(precision: 38, scale: 2)),
            Field(name: "n", type: .bigint, isNullable: false),
            Field(name: "fino", type: .decimal(precision: 38, scale: 30)),
        ]),
        segments: [
            SegmentEntry(
                fileName: "000003-000000-00000000000000ab.plzseg", rowCount: 10, rowGroupCount: 1, byteSize: 900)
        ])

    /// `bytes` with its body replaced by `edit` of it, the version set to 1.`minor`, re-framed.
    static func reframed(_ bytes: [UInt8], minor: UInt16? = nil, _ edit: (inout [UInt8]) -> Void) -> [UInt8] {
        let length = Int(bytes[12]) | Int(bytes[13]) << 8 | Int(bytes[14]) << 16 | Int(bytes[15]) << 24
        var body = Array(bytes[16..<(16 + length)])
        edit(&body)
        return ManifestParserTests.framed(body, minor: minor ?? (UInt16(bytes[10]) | UInt16(bytes[11]) << 8))
    }

    @Test func wideColumnsRoundTripBehindFeatureBit0() throws {
        let bytes = Self.manifest.encoded()
        #expect(bytes[10] == 2 && bytes[11] == 0, "a manifest with a wide column is version 1.2")
        #expect(try Manifest.decode(bytes, path: "m", table: "t") == Self.manifest)
        // The column list holds placeholders a 1.1 reader accepts: DECIMAL(18, min(s, 18)).
        #expect(Manifest.typeCode(.decimal(precision: 38, scale: 2)) == (4, 18, 2))
        #expect(Manifest.typeCode(.decimal(precision: 38, scale: 30)) == (4, 18, 18))
        #expect(Manifest.dataType(tag: 4, precision: 18, scale: 18) != nil)
        // The wide list: 2 columns, (1, 38, 2) and (3, 38, 30).
        let list = Array(bytes[(16 + Self.bodyLength(bytes) - 16)..<(16 + Self.bodyLength(bytes))])
        #expect(list == [2, 0, 0, 0, 1, 0, 0, 0, 38, 2, 3, 0, 0, 0, 38, 30])
    }

    static func bodyLength(_ bytes: [UInt8]) -> Int {
        Int(bytes[12]) | Int(bytes[13]) << 8 | Int(bytes[14]) << 16 | Int(bytes[15]) << 24
    }

    @Test func tablesWithoutWideColumnsStayVersion11() {
        let bytes = ManifestTests.sample.encoded()
        #expect(bytes[10] == 1 && bytes[11] == 0)
    }

    @Test func inconsistentWideListsAreDamage() {
        let bytes = Self.manifest.encoded()
        let length = Self.bodyLength(bytes)
        // The features field sits before the deletion count (4 bytes) and the 16-byte wide list.
        let features = length - 16 - 4 - 8
        func kind(_ damaged: [UInt8]) -> StorageError.Kind? {
            do {
                _ = try Manifest.decode(damaged, path: "m", table: "t")
                return nil
            } catch {
                return error.kind
            }
        }
        #expect(kind(Self.reframed(bytes) { _ in }) == nil)
        // Bit 0 cleared: the list becomes trailing bytes of a 1.2 body.
        #expect(kind(Self.reframed(bytes) { $0[features] = 0 }) == .damaged)
        // Bit 0 in a 1.1 manifest.
        #expect(kind(Self.reframed(bytes, minor: 1) { _ in }) == .damaged)
        // Precision past 38, or a narrow one, in the list.
        #expect(kind(Self.reframed(bytes) { $0[length - 8] = 39 }) == .damaged)
        #expect(kind(Self.reframed(bytes) { $0[length - 8] = 18 }) == .damaged)
        // Columns out of order, or beyond the column count.
        #expect(kind(Self.reframed(bytes) { $0[length - 6] = 1 }) == .damaged)
        #expect(kind(Self.reframed(bytes) { $0[length - 6] = 4 }) == .damaged)
        // A list naming a column whose entry is not the placeholder (column 2 is BIGINT).
        #expect(kind(Self.reframed(bytes) { $0[length - 6] = 2 }) == .damaged)
        // A list count of 0, or more than the columns.
        #expect(kind(Self.reframed(bytes) { $0[length - 16] = 0 }) == .damaged)
        #expect(kind(Self.reframed(bytes) { $0[length - 16] = 5 }) == .damaged)
        // A list cut short.
        #expect(kind(Self.reframed(bytes) { $0.removeLast(2) }) == .damaged)
        // A placeholder of the wrong scale (column 1 claims DECIMAL(18,3)).
        let placeholder = Array(bytes[16..<(16 + length)]).firstRange(of: [UInt8]("total".utf8))!.upperBound
        #expect(kind(Self.reframed(bytes) { $0[placeholder + 2] = 3 }) == .damaged)
    }

    @Test func everyFlippedByteIsDetected() {
        let bytes = Self.manifest.encoded()
        for offset in bytes.indices {
            var damaged = bytes
            damaged[offset] ^= 0x01
            #expect(throws: StorageError.self, "flip at \(offset)") {
                try Manifest.decode(damaged, path: "m", table: "t")
            }
        }
    }
}
