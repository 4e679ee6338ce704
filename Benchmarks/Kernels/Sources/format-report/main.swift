// format-report: for each benchmark column shape, the encodings the writer chose, the size on
// disk against the raw size, and single-thread encode/decode speed (best of 7 runs); then
// bit-unpacking and dictionary code blocks per width 1 … 16, and the LZ4 stage against liblz4
// alone (DecodeTables.swift, best of 300 short runs).
// Usage: swift run -c release format-report   (prints markdown tables)
import Foundation
import KernelFixtures
import PlazaCore
import PlazaFormat
import PlazaVector

/// The best of `runs` timings of `body`, in seconds.
func best(_ runs: Int, _ body: () throws -> Void) rethrows -> Double {
    var result = Double.infinity
    for _ in 0..<runs {
        let start = ContinuousClock.now
        try body()
        let elapsed = ContinuousClock.now - start
        result = min(result, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }
    return result
}

/// Raw size of the column: 8 bytes per fixed value, or text bytes plus a 4-byte offset.
func rawBytes(_ batches: [Batch]) -> Int {
    batches.reduce(0) { total, batch in
        let column = batch.columns[0]
        return total + (column.physicalType == .string ? column.heapCount + 4 * column.count : column.byteWidth * column.count)
    }
}

let scratch = Fixtures.privatePath(Fixtures.scratchDirectory(), "format-report")
try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: scratch) }
print("| column (2^20 values) | encodings (blocks) | raw MB | on disk MB | ratio | encode M values/s | decode M values/s | decode GB/s |")
print("|---|---|---|---|---|---|---|---|")
do {
    for shape in ColumnShape.allCases {
        let batches = Fixtures.batches(shape)
        let path = "\(scratch)/\(shape).plz"
        var summary: SegmentSummary?
        let encodeSeconds = try best(3) { summary = try Fixtures.writeSegment(batches, shape: shape, path: path) }
        let reader = try SegmentReader(path: path)
        let batch = Batch(types: [shape.type])
        var rows = 0
        let decodeSeconds = try best(9) { rows = try Fixtures.decodeAll(reader, into: batch) }
        precondition(rows == Fixtures.valueCount, "decoded \(rows) rows of \(Fixtures.valueCount)")
        let encodings = try Fixtures.encodings(of: reader)
            .map { "\($0.0)\($0.compressed ? "+lz4" : "") (\($0.blocks))" }.joined(separator: ", ")
        let raw = rawBytes(batches)
        let stored = summary?.byteCount ?? reader.byteCount
        let values = Double(Fixtures.valueCount)
        print(
            "| \(shape.rawValue) | \(encodings) | \(String(format: "%.2f", Double(raw) / 1e6)) | "
                + "\(String(format: "%.2f", Double(stored) / 1e6)) | \(String(format: "%.1f×", Double(raw) / Double(stored))) | "
                + "\(String(format: "%.0f", values / encodeSeconds / 1e6)) | \(String(format: "%.0f", values / decodeSeconds / 1e6)) | "
                + "\(String(format: "%.2f", values * shape.decodedBytesPerValue / decodeSeconds / 1e9)) |")
    }
    try printEncodingTable()
    try printWidthTable()
    try printLZ4Table()
} catch {
    FileHandle.standardError.write(Data("format-report: \(error)\n".utf8))
    try? FileManager.default.removeItem(atPath: scratch)
    exit(1)
}
