import Foundation
import PlazaCore
import PlazaFormat
import PlazaVector

/// The shapes of data the format benchmarks encode and decode, one column each, chosen so that
/// the writer's automatic choice lands on each encoding of Formats/plaza-file-format.md §7.
package enum ColumnShape: String, CaseIterable, Sendable {
    case constantInt = "int64 constant"
    case runsInt = "int64 runs of 100"
    case smallRangeInt = "int64 0..<200 (8 bits)"
    case wideRangeInt = "int64 1e9 + 0..<60000 (16 bits)"
    case sortedTimestamps = "timestamp ascending"
    case randomInt = "int64 random 64-bit"
    case sparseNullInt = "int64 0..<1000, 10% NULL"
    case pricesDouble = "double prices with 2 decimals"
    case randomDouble = "double random"
    case lowCardinalityText = "varchar 200 distinct"
    case uniqueText = "varchar unique ids"

    /// The SQL type of the column.
    package var type: DataType {
        switch self {
        case .sortedTimestamps: return .timestamp
        case .pricesDouble, .randomDouble: return .double
        case .lowCardinalityText, .uniqueText: return .varchar
        default: return .bigint
        }
    }

    /// Bytes one value occupies in a decoded vector (strings: offset plus average text length).
    package var decodedBytesPerValue: Double {
        switch self {
        case .lowCardinalityText: return 4 + 18
        case .uniqueText: return 4 + 16
        default: return 8
        }
    }
}

/// Builds benchmark columns and segment files; deterministic (seeded SplitMix64).
package enum Fixtures {
    /// Values per benchmark column: 2^20, so iterations per second read as millions of values per second.
    package static let valueCount = 1 << 20

    /// A directory for scratch files, on tmpfs when the machine has one (so `fsync` is cheap).
    /// Fixed, so that every run reuses the same fixture files instead of leaving new ones behind
    /// (the benchmark tool starts one process per benchmark); write into it atomically.
    package static func scratchDirectory() -> String {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let path = "\(base)/plaza-kernel-benchmarks"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A name for a file of this process only in `directory` (remove it when done).
    package static func privatePath(_ directory: String, _ name: String) -> String { "\(directory)/\(name).\(getpid())" }

    /// Writes a fixture file under a private name, then renames it to `path`, so that concurrent
    /// runs never read a half-written file.
    package static func writeAtomically(_ path: String, _ write: (String) throws -> Void) rethrows {
        let temporary = "\(path).\(getpid()).tmp"
        try write(temporary)
        guard rename(temporary, path) == 0 else { fatalError("cannot rename \(temporary) to \(path)") }
    }

    /// The column as batches of up to 2,048 rows.
    package static func batches(_ shape: ColumnShape, rows: Int = valueCount) -> [Batch] {
        var state: UInt64 = 0x5EED ^ UInt64(shape.rawValue.utf8.count)
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let words = (0..<200).map { index in "categoría-\(index * 7919 % 1000)-\(["agua", "bache", "luz", "ruido"][index % 4])" }
        var result: [Batch] = []
        var timestamp: Int64 = 1_700_000_000_000_000
        var row = 0
        while row < rows {
            let count = min(ColumnVector.batchCapacity, rows - row)
            let column = ColumnVector(type: shape.type, capacity: count)
            for offset in 0..<count {
                let r = row + offset
                switch shape {
                case .constantInt: column.append(Int64(42))
                case .runsInt: column.append(Int64(r / 100 % 37))
                case .smallRangeInt: column.append(Int64(next() % 200))
                case .wideRangeInt: column.append(Int64(1_000_000_000 + next() % 60_000))
                case .sortedTimestamps:
                    timestamp += Int64(next() % 1_000_000)
                    column.append(timestamp)
                case .randomInt: column.append(Int64(bitPattern: next()))
                case .sparseNullInt:
                    if next() % 10 == 0 { column.appendNull() } else { column.append(Int64(next() % 1000)) }
                case .pricesDouble: column.append(Double(Int64(next() % 1_000_000)) / 100)
                case .randomDouble: column.append(Double(next() >> 11) * 0x1.0p-53 * 1e6)
                case .lowCardinalityText: column.appendString(words[Int(next() % 200)])
                case .uniqueText: column.appendString("REP-\(1_000_000 + r)-\(next() % 100_000)")
                }
            }
            result.append(Batch(columns: [column], count: count))
            row += count
        }
        return result
    }

    /// Writes `batches` (one column of `shape`) as a segment file at `path`.
    package static func writeSegment(_ batches: [Batch], shape: ColumnShape, path: String) throws(FormatError) -> SegmentSummary {
        let writer = try SegmentWriter(path: path, schema: Schema([Field(name: "v", type: shape.type)]))
        for batch in batches { try writer.append(batch) }
        return try writer.finish()
    }

    /// Decodes every row group of column 0 of `reader` into `batch`; returns the rows decoded.
    package static func decodeAll(_ reader: SegmentReader, into batch: Batch) throws(FormatError) -> Int {
        var rows = 0
        for rowGroup in 0..<reader.rowGroupCount {
            let cursor = try reader.openRowGroup(rowGroup, columns: [0], predicates: [])
            while try cursor.next(into: batch) { rows += batch.count }
        }
        return rows
    }

    /// The encodings the writer chose for column 0, with how many blocks use each.
    package static func encodings(of reader: SegmentReader) throws(FormatError) -> [(BlockEncoding, compressed: Bool, blocks: Int)] {
        var counts: [String: (BlockEncoding, Bool, Int)] = [:]
        for rowGroup in 0..<reader.rowGroupCount {
            for block in 0..<reader.blockCount(rowGroup: rowGroup) {
                let header = try reader.blockHeader(rowGroup: rowGroup, column: 0, block: block)
                let key = "\(header.encoding)\(header.isCompressed)"
                counts[key, default: (header.encoding, header.isCompressed, 0)].2 += 1
            }
        }
        return counts.values.sorted { $0.2 > $1.2 }.map { ($0.0, compressed: $0.1, blocks: $0.2) }
    }
}
