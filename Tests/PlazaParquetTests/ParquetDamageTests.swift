import Foundation
import PlazaCore
import PlazaVector
import Testing

@testable import PlazaParquet

/// Damaged files give a `ParquetError`, never a trap, a hang or unbounded memory.
@Suite struct ParquetDamageTests {
    /// Opens and reads `bytes` fully; returns whether it read (false: a ParquetError).
    static func readsOrFails(_ bytes: [UInt8]) -> Bool {
        do {
            // Decoding only: formatting every value as text would dominate a debug build's time.
            let file = try ParquetFile(bytes: bytes, path: "damaged.parquet")
            let batch = Batch(types: file.schema.fields.map(\.type))
            for group in 0..<file.rowGroupCount {
                let cursor = try file.openRowGroup(group, columns: Array(0..<file.schema.count))
                while try cursor.nextBatch(into: batch) {}
            }
            return true
        } catch is ParquetError {
            return false
        } catch {
            Issue.record("an error other than ParquetError: \(error)")
            return false
        }
    }

    static func fixture(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: fixturePath(name))))
    }

    @Test func everyTruncationIsAnError() throws {
        let bytes = try Self.fixture("duckdb_zstd.parquet")
        for length in 0..<bytes.count {
            #expect(!Self.readsOrFails(Array(bytes[..<length])), "truncated to \(length) bytes")
        }
    }

    @Test func aTruncatedBodyUnderAnIntactFooterIsAnError() throws {
        // Cut bytes out of the pages but keep the footer: offsets then point past the data.
        let bytes = try Self.fixture("dict_snappy.parquet")
        let footerLength = Int(bytes[bytes.count - 8]) | Int(bytes[bytes.count - 7]) << 8
        let tail = Array(bytes[(bytes.count - 8 - footerLength)...])
        for cut in stride(from: 4, to: bytes.count - tail.count, by: 97) {
            #expect(!Self.readsOrFails(Array(bytes[..<cut]) + tail), "body cut at \(cut)")
        }
    }

    @Test(arguments: ["duckdb_zstd.parquet", "dict_snappy.parquet", "delta_v2.parquet"])
    func flippedFooterBytesNeverCrash(_ name: String) throws {
        let bytes = try Self.fixture(name)
        let footerLength = Int(bytes[bytes.count - 8]) | Int(bytes[bytes.count - 7]) << 8
        for offset in (bytes.count - 8 - footerLength)..<(bytes.count - 8) {
            for pattern: UInt8 in offset % 3 == 0 ? [0xFF, 0x80, 0x01] : [0xFF] {
                var damaged = bytes
                damaged[offset] ^= pattern
                _ = Self.readsOrFails(damaged)
            }
        }
    }

    @Test(arguments: ["plain_none.parquet", "dict_gzip.parquet", "delta_bytes.parquet", "dict_lz4raw.parquet"])
    func flippedPageBytesNeverCrash(_ name: String) throws {
        let bytes = try Self.fixture(name)
        for offset in stride(from: 4, to: bytes.count - 8, by: 61) {
            var damaged = bytes
            damaged[offset] ^= 0xFF
            _ = Self.readsOrFails(damaged)
        }
    }

    @Test func aFooterClaimingTrillionsOfRowsIsRefused() throws {
        // A footer whose root has no columns and one empty row group of 10^12 rows.
        var footer = ThriftCompactWriter()
        footer.structBody { w in
            w.i32(1, 1)
            w.list(2, .structure, count: 1) { w in
                w.structBody { w in
                    w.string(4, "schema")
                    w.i32(5, 0)
                }
            }
            w.i64(3, 1_000_000_000_000)
            w.list(4, .structure, count: 1) { w in
                w.structBody { w in
                    w.list(1, .structure, count: 0) { _ in }
                    w.i64(2, 0)
                    w.i64(3, 1_000_000_000_000)
                }
            }
        }
        let body = footer.bytes
        let length = UInt32(body.count)
        let file =
            Array("PAR1".utf8) + body + [
                UInt8(length & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length >> 16 & 0xFF), UInt8(length >> 24),
            ] + Array("PAR1".utf8)
        #expect {
            _ = try ParquetFile(bytes: file)
        } throws: { error in
            (error as? ParquetError)?.description.contains("1000000000000 rows") == true
        }
    }

    @Test func deeplyNestedFooterIsAnError() throws {
        // A struct field nested 10,000 times.
        var body: [UInt8] = []
        for _ in 0..<10_000 { body.append(0x1C) }  // field delta 1, type struct
        let length = UInt32(body.count)
        let file =
            Array("PAR1".utf8) + body + [UInt8(length & 0xFF), UInt8(length >> 8 & 0xFF), 0, 0] + Array("PAR1".utf8)
        #expect(throws: ParquetError.self) { _ = try ParquetFile(bytes: file) }
    }
}
