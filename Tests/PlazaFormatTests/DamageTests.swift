import Foundation
import PlazaCore
import PlazaVector
import Testing

@testable import PlazaFormat

/// Golden files and damage (Formats/plaza-file-format.md §1, §10).
@Suite struct DamageTests {
    /// The rows of `Golden/mixed-v1.plz`: every type, NULLs, several row groups and encodings.
    static func mixedRows() -> (Schema, [[Value]]) {
        let schema = Schema([
            Field(name: "id", type: .bigint, isNullable: false),
            Field(name: "activo", type: .boolean),
            Field(name: "monto", type: .decimal(precision: 10, scale: 2)),
            Field(name: "alcaldía", type: .varchar),
            Field(name: "dirección", type: .varchar),
            Field(name: "fecha", type: .date),
            Field(name: "registrado", type: .timestamp),
            Field(name: "tasa", type: .double),
            Field(name: "constante", type: .bigint),
        ])
        let rows = 40
        let alcaldias = ["Coyoacán", "Tlalpan", "Benito Juárez"]
        let columns: [[Value]] = [
            (0..<rows).map { .bigint(Int64($0) * 3 + 100) },
            (0..<rows).map { $0 % 5 == 0 ? .null : .boolean($0 % 2 == 0) },
            (0..<rows).map { (row: Int) -> Value in
                row % 7 == 3 ? .null : .decimal(Int64(row * 1_250 - 9_999), scale: 2)
            },
            (0..<rows).map { .varchar(alcaldias[$0 % 3]) },
            (0..<rows).map { (row: Int) -> Value in
                row == 6 ? .null : .varchar("Avenida de los Insurgentes Sur número " + String(row * 17))
            },
            (0..<rows).map { .date(Int32(-400 + $0)) },
            (0..<rows).map { .timestamp(1_704_067_200_000_000 + Int64($0) * 900_000_000) },
            (0..<rows).map { (row: Int) -> Value in row == 9 ? .double(.nan) : .double(Double(row % 11) * 0.25 - 1) },
            (0..<rows).map { _ in .bigint(7) },
        ]
        return (schema, columns)
    }

    static let mixedOptions = SegmentWriterOptions(rowGroupSize: 16)

    /// The rows of `Golden/tiny-v1.plz`, the file dumped in §11.
    static func tinyRows() -> (Schema, [[Value]]) {
        (
            Schema([Field(name: "n", type: .bigint), Field(name: "s", type: .varchar)]),
            [[.bigint(1), .null, .bigint(3)], [.varchar("ab"), .varchar("ab"), .null]]
        )
    }

    /// The rows of `Golden/encodings-v1.plz`: frame-of-reference, run-length and width-1 blocks.
    static func encodingRows() -> (Schema, [[Value]]) {
        let schema = Schema([
            Field(name: "codigo", type: .bigint), Field(name: "estado", type: .bigint),
            Field(name: "activo", type: .boolean), Field(name: "día", type: .date),
        ])
        let rows = 200
        let columns: [[Value]] = [
            (0..<rows).map { .bigint(5_000 + Int64($0 * 37 % 200)) },
            (0..<rows).map { .bigint(Int64($0 / 50) * 1_000_000_000_007) },
            (0..<rows).map { .boolean($0 % 3 == 0) },
            (0..<rows).map { (row: Int) -> Value in row % 9 == 4 ? .null : .date(Int32(19_000 + row * 13 % 61)) },
        ]
        return (schema, columns)
    }

    static let goldenDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Golden")

    static func goldenBytes(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Golden"))
        return Array(try Data(contentsOf: url))
    }

    @Test(arguments: ["mixed-v1.plz", "tiny-v1.plz", "encodings-v1.plz"])
    func goldenFileIsReadableAndTheWriterStillProducesIt(name: String) throws {
        let (schema, columns) =
            switch name {
            case "tiny-v1.plz": Self.tinyRows()
            case "encodings-v1.plz": Self.encodingRows()
            default: Self.mixedRows()
            }
        let options = name == "mixed-v1.plz" ? Self.mixedOptions : SegmentWriterOptions()
        let fresh = try writeSegment(schema, columns, options: options)
        let freshBytes = Array(try Data(contentsOf: URL(fileURLWithPath: fresh)))
        if ProcessInfo.processInfo.environment["PLAZA_REGENERATE_GOLDEN"] == "1" {
            try Data(freshBytes).write(to: Self.goldenDirectory.appendingPathComponent(name))
        }
        let golden = try Self.goldenBytes(name)
        let isIdentical = freshBytes == golden
        #expect(isIdentical, "the writer's output for \(name) changed; v1 files must stay byte-identical")
        let path = temporaryPath(name)
        try Data(golden).write(to: URL(fileURLWithPath: path))
        let reader = try SegmentReader(path: path)
        #expect(reader.schema == schema)
        let read = try readAll(reader)
        for c in 0..<columns.count {
            expectValues(makeVector(schema.fields[c].type, read[c]), columns[c], "\(name) column \(c)")
        }
    }

    /// Opens and reads a damaged copy: it must give the right rows or a FormatError, nothing else.
    static func attempt(_ bytes: [UInt8], _ path: String, _ expected: [[Value]]) -> FormatError? {
        do {
            // In memory: writing thousands of files costs ~10 ms each on this disk.
            let read = try readAll(try SegmentReader(bytes: bytes, path: path))
            for c in 0..<expected.count
            where !zip(read[c], expected[c]).allSatisfy(sameValue) || read[c].count != expected[c].count {
                Issue.record("damaged file read back wrong data in column \(c)")
            }
            return nil
        } catch let error as FormatError {
            return error
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    @Test func everyFlippedByteReadsCorrectlyOrThrows() throws {
        let (_, columns) = Self.mixedRows()
        let golden = try Self.goldenBytes("mixed-v1.plz")
        let path = temporaryPath("flipped.plz")
        var kinds: [FormatError.Kind: Int] = [:]
        for index in 0..<golden.count {
            var bytes = golden
            bytes[index] ^= 0xFF
            if let error = Self.attempt(bytes, path, columns) { kinds[error.kind, default: 0] += 1 }
        }
        #expect(kinds[.checksumMismatch, default: 0] > golden.count / 2)
        #expect(kinds[.badMagic] == 8)
    }

    @Test func everyTruncationThrows() throws {
        let (_, columns) = Self.mixedRows()
        let golden = try Self.goldenBytes("mixed-v1.plz")
        let path = temporaryPath("cut.plz")
        for length in 0..<golden.count {
            let error = Self.attempt(Array(golden[0..<length]), path, columns)
            #expect(error != nil, "a file cut to \(length) bytes was read")
        }
    }

    @Test func errorsNameTheirPlace() throws {
        let (_, columns) = Self.mixedRows()
        let golden = try Self.goldenBytes("mixed-v1.plz")
        let path = temporaryPath("placed.plz")
        var bytes = golden
        bytes[8] = 2
        #expect(Self.attempt(bytes, path, columns)?.kind == .unsupportedVersion)
        let reader = try SegmentReader(
            path: {
                FileManager.default.createFile(atPath: path, contents: Data(golden)); return path
            }())
        let entry = reader.footer.rowGroups[1].chunks[6].blocks[0]
        bytes = golden
        bytes[entry.offset + 30] ^= 1
        let error = try #require(Self.attempt(bytes, path, columns))
        #expect(
            error.kind == .checksumMismatch && error.rowGroup == 1 && error.column == "registrado" && error.block == 0)
        #expect(error.description.contains("row group 1, column \"registrado\", block 0"))
        #expect(Self.attempt(Array(golden.dropLast(1)), path, columns)?.kind == .truncated)
        #expect(throws: FormatError.self) { try SegmentReader(path: path + ".missing") }
    }
}
