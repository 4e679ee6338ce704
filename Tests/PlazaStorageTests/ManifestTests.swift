import PlazaCore
import PlazaTestSupport
import Testing
@testable import PlazaStorage

@Suite struct ManifestTests {
    static let sample = Manifest(
        generation: 7,
        schema: Schema([
            Field(name: "colonia", type: .varchar), Field(name: "monto", type: .decimal(precision: 12, scale: 2)),
            Field(name: "fecha", type: .date, isNullable: false), Field(name: "ñandú", type: .timestamp),
        ]),
        segments: [
            SegmentEntry(
                fileName: "000001-000000-00000000000000ab.plzseg", rowCount: 1000, rowGroupCount: 1, byteSize: 4096),
            SegmentEntry(
                fileName: "000007-000000-00000000000000cd.plzseg", rowCount: 5, rowGroupCount: 1, byteSize: 300),
        ])

    @Test func roundTripsEveryField() throws {
        let bytes = Self.sample.encoded()
        let decoded = try Manifest.decode(bytes, path: "m", table: "t")
        #expect(decoded == Self.sample)
        #expect(decoded.rowCount == 1005)
        #expect(Array(bytes.prefix(8)) == Array("PLZMANI1".utf8))
        #expect(Array(bytes.suffix(8)) == Array("1INAMZLP".utf8))
    }

    @Test func everyTypeRoundTrips() throws {
        let types: [DataType] = [
            .boolean, .bigint, .double, .decimal(precision: 18, scale: 18), .decimal(precision: 1, scale: 0), .varchar,
            .date, .timestamp,
        ]
        let manifest = Manifest(
            generation: 1, schema: Schema(types.enumerated().map { Field(name: "c\($0)", type: $1) }), segments: [])
        #expect(try Manifest.decode(manifest.encoded(), path: "m", table: "t") == manifest)
    }

    @Test func everyFlippedByteIsDetected() {
        let bytes = Self.sample.encoded()
        for offset in bytes.indices {
            for mask: UInt8 in [0x01, 0x80, 0xFF] {
                var damaged = bytes
                damaged[offset] ^= mask
                #expect(throws: StorageError.self, "flip at \(offset)") {
                    try Manifest.decode(damaged, path: "m", table: "t")
                }
            }
        }
    }

    @Test func everyTruncationIsDetected() {
        let bytes = Self.sample.encoded()
        for length in 0..<bytes.count {
            do {
                _ = try Manifest.decode(Array(bytes.prefix(length)), path: "/db/t/MANIFEST", table: "t")
                Issue.record("truncation to \(length) bytes was accepted")
            } catch {
                #expect(error.kind == .damaged)
                #expect(error.file == "/db/t/MANIFEST" && error.table == "t")
            }
        }
        #expect(throws: StorageError.self) { try Manifest.decode(bytes + [0], path: "m", table: "t") }
    }

    @Test func newerMajorVersionIsRefusedByName() {
        var bytes = Self.sample.encoded()
        bytes[8] = 2
        #expect { try Manifest.decode(bytes, path: "m", table: "t") } throws: { error in
            let storage = error as! StorageError
            return storage.kind == .newerVersion && storage.description.contains("2.\(Manifest.minorVersion)")
        }
    }

    @Test func newerMinorVersionWithExtraFieldsIsRead() throws {
        // §2: a 1.x reader ignores fields a later minor version appends to the body.
        var bytes = Self.sample.encoded()
        let bodyLength = Int(bytes[12]) | Int(bytes[13]) << 8 | Int(bytes[14]) << 16 | Int(bytes[15]) << 24
        var rebuilt = Array(bytes[0..<16 + bodyLength]) + [9, 9, 9]
        rebuilt[10] = 3
        let newLength = UInt32(bodyLength + 3)
        for index in 0..<4 { rebuilt[12 + index] = UInt8(truncatingIfNeeded: newLength >> (8 * UInt32(index))) }
        let crc = Manifest.checksum(rebuilt[...])
        ByteWriter.put(crc, into: &rebuilt)
        rebuilt += Manifest.tailMagic
        bytes = rebuilt
        #expect(try Manifest.decode(bytes, path: "m", table: "t") == Self.sample)
    }

    @Test func segmentFileNamesMustBeSafe() {
        #expect(Manifest.isSegmentFileName("000001-000000-0123456789abcdef.plzseg"))
        for bad in ["../x.plzseg", ".hidden.plzseg", "a/b.plzseg", "x.seg", ".plzseg", "ü.plzseg", ""] {
            #expect(!Manifest.isSegmentFileName(bad), "\(bad)")
        }
    }
}

/// The worked examples of Formats/plaza-manifest.md §4.3 and §10.3: these bytes must never change.
@Suite struct ManifestGoldenTests {
    /// §4.3, version 1.0 (what Plaza wrote before deletion files): still read.
    static let golden10: [UInt8] = [
        80, 76, 90, 77, 65, 78, 73, 49, 1, 0, 0, 0, 90, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 110, 2, 0, 0,
        1, 1, 0, 0, 0, 37, 0, 48, 48, 48, 48, 48, 49, 45, 48, 48, 48, 48, 48, 48, 45, 48, 48, 48, 48, 48, 48, 48, 48,
        48,
        48, 48, 48, 48, 48, 97, 98, 46, 112, 108, 122, 115, 101, 103, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 200, 0, 0, 0,
        0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 157, 178, 25, 211, 49, 73, 78, 65, 77, 90, 76, 80,
    ]
    /// §4.3, the same table as version 1.1 writes it.
    static let golden11: [UInt8] = [
        80, 76, 90, 77, 65, 78, 73, 49, 1, 0, 1, 0, 102, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 110, 2, 0,
        0, 1, 1, 0, 0, 0, 37, 0, 48, 48, 48, 48, 48, 49, 45, 48, 48, 48, 48, 48, 48, 45, 48, 48, 48, 48, 48, 48, 48, 48,
        48, 48, 48, 48, 48, 48, 97, 98, 46, 112, 108, 122, 115, 101, 103, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 200, 0, 0,
        0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 169, 73, 84, 66, 49, 73, 78, 65, 77,
        90, 76, 80,
    ]
    /// §10.3: generation 2, row 1 of the segment deleted.
    static let goldenDeleted: [UInt8] = [
        80, 76, 90, 77, 65, 78, 73, 49, 1, 0, 1, 0, 161, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 110, 2, 0,
        0, 1, 1, 0, 0, 0, 37, 0, 48, 48, 48, 48, 48, 49, 45, 48, 48, 48, 48, 48, 48, 45, 48, 48, 48, 48, 48, 48, 48, 48,
        48, 48, 48, 48, 48, 48, 97, 98, 46, 112, 108, 122, 115, 101, 103, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 200, 0, 0,
        0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 37, 0, 48, 48, 48, 48,
        48, 50, 45, 48, 48, 48, 48, 48, 48, 45, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 99, 100, 46,
        112,
        108, 122, 100, 101, 108, 1, 0, 0, 0, 0, 0, 0, 0, 88, 0, 0, 0, 0, 0, 0, 0, 114, 245, 10, 131, 49, 73, 78, 65, 77,
        90, 76, 80,
    ]
    /// §10.3: the deletion file of that segment.
    static let goldenDeletionFile: [UInt8] = [
        80, 76, 90, 68, 69, 76, 86, 49, 1, 0, 0, 0, 60, 0, 0, 0, 37, 0, 48, 48, 48, 48, 48, 49, 45, 48, 48, 48, 48, 48,
        48, 45, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 97, 98, 46, 112, 108, 122, 115, 101, 103, 1, 0,
        0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2, 4, 0, 0, 0, 1, 0, 0, 0, 66, 70, 195, 223, 49, 86, 76, 69, 68, 90, 76, 80,
    ]
    static let segmentName = "000001-000000-00000000000000ab.plzseg"
    static let manifest = Manifest(
        generation: 1, schema: Schema([Field(name: "n", type: .bigint)]),
        segments: [SegmentEntry(fileName: segmentName, rowCount: 3, rowGroupCount: 1, byteSize: 200)])

    @Test func writerProducesTheSpecifiedBytes() {
        #expect(Self.manifest.encoded() == Self.golden11)
    }

    @Test func specifiedBytesReadBack() throws {
        #expect(try Manifest.decode(Self.golden11, path: "m", table: "t") == Self.manifest)
    }

    @Test func version10BytesStillReadBack() throws {
        #expect(try Manifest.decode(Self.golden10, path: "m", table: "t") == Self.manifest)
    }

    @Test func deletionExampleIsTheSpecifiedBytes() throws {
        var deleted = Self.manifest
        deleted.generation = 2
        deleted.segments[0].deletions = DeletionEntry(
            fileName: "000002-000000-00000000000000cd.plzdel", deletedRows: 1, byteSize: 88)
        #expect(deleted.encoded() == Self.goldenDeleted)
        let read = try Manifest.decode(Self.goldenDeleted, path: "m", table: "t")
        #expect(read == deleted && read.rowCount == 2)

        var vector = DeletionVector(groupRows: [3])
        vector.delete(group: 0, row: 1)
        #expect(vector.encoded(segment: Self.segmentName) == Self.goldenDeletionFile)
        let back = try DeletionVector.decode(
            Self.goldenDeletionFile, segment: Self.segmentName, groupRows: [3], path: "d", table: "t")
        #expect(back == vector && back.deletedCount == 1 && back.isDeleted(group: 0, row: 1))
    }

    @Test func unknownRequiredFeaturesAskForANewerPlaza() {
        // The features field follows the row total: set bit 5 and refresh the checksum.
        var bytes = Array(Self.golden11.dropLast(12))
        bytes[16 + 90] = 0x20
        ByteWriter.put(Manifest.checksum(bytes[...]), into: &bytes)
        bytes += Manifest.tailMagic
        #expect { try Manifest.decode(bytes, path: "m", table: "t") } throws: { error in
            (error as? StorageError)?.kind == .newerVersion
        }
    }
}

@Suite struct ManifestChecksumTests {
    @Test func crc32cMatchesTheStandardCheckValue() {
        // The CRC-32C check value of "123456789" (RFC 3720, appendix B.4).
        #expect(Manifest.checksum(Array("123456789".utf8)[...]) == 0xE306_9283)
        #expect(Manifest.checksum([][...]) == 0)
    }

    @Test func crc32cByInstructionMatchesTheTableAtEveryLengthAndOffset() {
        // Lengths around the eight-byte steps, at unaligned starts, and a deletion file's size.
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<1_050_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes.withUnsafeBytes { all in
            for start in 0..<9 {
                for length in Array(0..<70) + [1_049_592] where start + length <= all.count {
                    let slice = UnsafeRawBufferPointer(rebasing: all[start..<(start + length)])
                    #expect(ManifestCRC32C.checksum(slice) == ManifestCRC32C.portableChecksum(slice))
                }
            }
        }
        #expect(Manifest.checksum(Array("123456789".utf8)[...]) == 0xE306_9283)
    }
}

/// The body parser on its own: mutations with a recomputed checksum reach it, and must be
/// read or refused with a typed error, never trap (the checksum is not the only defence).
@Suite struct ManifestParserTests {
    /// `body` framed as a valid manifest of version 1.`minor` with a correct checksum.
    static func framed(_ body: [UInt8], minor: UInt16 = 0) -> [UInt8] {
        var bytes = Manifest.headMagic
        ByteWriter.put(Manifest.majorVersion, into: &bytes)
        ByteWriter.put(minor, into: &bytes)
        ByteWriter.put(UInt32(body.count), into: &bytes)
        bytes += body
        ByteWriter.put(Manifest.checksum(bytes[...]), into: &bytes)
        return bytes + Manifest.tailMagic
    }

    @Test func mutatedBodiesWithValidChecksumsNeverTrap() {
        let valid = ManifestTests.sample.encoded()
        let body = Array(valid[16..<(valid.count - 12)])
        var generator = SeededRandom(seed: 2026)
        var accepted = 0
        for trial in 0..<3000 {
            var mutated = body
            switch trial % 4 {
            case 0: mutated[Int(generator.next() % UInt64(mutated.count))] = UInt8(truncatingIfNeeded: generator.next())
            case 1: mutated.removeLast(Int(generator.next() % UInt64(mutated.count)))
            case 2:
                mutated.insert(
                    UInt8(truncatingIfNeeded: generator.next()), at: Int(generator.next() % UInt64(mutated.count)))
            default: mutated = (0..<Int(generator.next() % 64)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            }
            do {
                let manifest = try Manifest.decode(
                    Self.framed(mutated, minor: UInt16(trial % 2)), path: "m", table: "t")
                // Whatever is accepted must be internally consistent and encode again.
                #expect(manifest.schema.count >= 1)
                #expect(manifest.segments.allSatisfy { Manifest.isSegmentFileName($0.fileName) })
                #expect(!manifest.encoded().isEmpty)
                accepted += 1
            } catch {
                #expect(error.kind == .damaged, "\(error)")
            }
        }
        #expect(accepted < 3000)
    }

    @Test func publicValidatorReportsDamage() throws {
        #expect(throws: StorageError.self) { try _ManifestValidator.validate([1, 2, 3]) }
        #expect(try _ManifestValidator.validate(ManifestTests.sample.encoded()) == 1005)
    }
}
