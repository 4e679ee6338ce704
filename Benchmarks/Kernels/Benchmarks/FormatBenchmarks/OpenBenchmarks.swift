// The fixed cost every query pays to open a table (issue 5): opening a segment file (trailer,
// footer checksum, footer index) and the XXH64 checksum alone.
import Benchmark
import Foundation
import KernelFixtures
import PlazaCore
import PlazaFormat
import PlazaVector

/// Registers the "Open …" benchmarks; `scratch` holds their fixture file between runs.
func registerOpenBenchmarks(scratch: String) {
    // Every fixture shape as one column: 2 Mi rows, 11 columns, 17 row groups, 11,264 blocks; the
    // 10M-row reportes table has ~73,000 blocks in two files, so a query opens ~6.5 times this.
    let rows = 2 * Fixtures.valueCount
    let path = "\(scratch)/open-wide.plz"
    if !FileManager.default.fileExists(atPath: path) {
        do {
            try Fixtures.writeAtomically(path) { output in
                let shapes = ColumnShape.allCases
                let columns = shapes.map { Fixtures.batches($0, rows: rows) }
                let schema = Schema(shapes.enumerated().map { Field(name: "c\($0.offset)", type: $0.element.type) })
                let writer = try SegmentWriter(path: output, schema: schema)
                for index in columns[0].indices {
                    try writer.append(
                        Batch(columns: columns.map { $0[index].columns[0] }, count: columns[0][index].count))
                }
                _ = try writer.finish()
            }
        } catch {
            fatalError("cannot write the open fixture: \(error)")
        }
    }
    Benchmark("Open segment 2Mi rows x 11 columns (footer check and index)") { benchmark in
        do {
            for _ in benchmark.scaledIterations {
                let reader = try SegmentReader(path: path)
                blackHole(reader.rowGroupCount)
            }
        } catch {
            benchmark.error("open failed: \(error)")
        }
    }
    Benchmark("Open segment, then every block's statistics of one column") { benchmark in
        do {
            for _ in benchmark.scaledIterations {
                let reader = try SegmentReader(path: path)
                var nulls = 0
                for group in 0..<reader.rowGroupCount {
                    for block in 0..<reader.blockCount(rowGroup: group) {
                        nulls &+= reader.statistics(rowGroup: group, column: 6, block: block).nullCount
                    }
                }
                blackHole(nulls)
            }
        } catch {
            benchmark.error("open failed: \(error)")
        }
    }
    // 4 MiB, about reportes' two footers: iterations/s × 4 MiB is the checksum's bytes/s.
    Benchmark("Open footer checksum XXH64 of 4 MiB") { benchmark in
        let count = 4 << 20
        let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 64)
        defer { bytes.deallocate() }
        for i in 0..<count { bytes[i] = UInt8(truncatingIfNeeded: i &* 131 &+ i >> 9) }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(XXHash64.hash(UnsafeRawBufferPointer(bytes))) }
        benchmark.stopMeasurement()
    }
}
