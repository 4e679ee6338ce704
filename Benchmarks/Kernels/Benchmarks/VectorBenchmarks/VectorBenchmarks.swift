// Filter and hashing kernels of PlazaVector over 2^20 rows in batches of 2,048, beside
// hand-written reference loops that show the speed of light on this machine.
// Each iteration handles 2^20 rows, so `throughput` (iterations/s) reads as Mi rows/s.
import Benchmark
import KernelFixtures
import PlazaCore
import PlazaVector

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal], warmupIterations: 2,
        maxDuration: .seconds(2), maxIterations: 500)

    let smallInts = Fixtures.batches(.smallRangeInt).map { $0.columns[0] }
    let nullableInts = Fixtures.batches(.sparseNullInt).map { $0.columns[0] }
    let prices = Fixtures.batches(.pricesDouble).map { $0.columns[0] }
    let words = Fixtures.batches(.lowCardinalityText).map { $0.columns[0] }

    func filter(_ name: String, _ columns: [ColumnVector], _ constant: Value, _ op: CompareKernel.Operator) {
        Benchmark("Filter \(name)") { benchmark in
            let bools = UnsafeMutablePointer<UInt8>.allocate(capacity: ColumnVector.batchCapacity)
            let selection = UnsafeMutablePointer<Int32>.allocate(capacity: ColumnVector.batchCapacity)
            defer {
                bools.deallocate()
                selection.deallocate()
            }
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                var selected = 0
                for column in columns {
                    CompareKernel.compare(column, constant: constant, op, count: column.count, into: bools)
                    selected &+= FilterKernel.select(bools, validity: column.validity, count: column.count, into: selection)
                }
                blackHole(selected)
            }
            benchmark.stopMeasurement()
        }
    }
    filter("int64 < 100 (50%)", smallInts, .bigint(100), .less)
    filter("int64 = 7 with NULLs", nullableInts, .bigint(7), .equal)
    filter("double > 5000.00", prices, .double(5000), .greater)
    filter("varchar = constant", words, .varchar("categoría-7-bache"), .equal)

    Benchmark("Reference: hand loop int64 < 100 to selection") { benchmark in
        let selection = UnsafeMutablePointer<Int32>.allocate(capacity: ColumnVector.batchCapacity)
        defer { selection.deallocate() }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            var selected = 0
            for column in smallInts {
                let values = column.data.assumingMemoryBound(to: Int64.self)
                var n = 0
                for row in 0..<column.count {
                    selection[n] = Int32(truncatingIfNeeded: row)
                    n &+= Int(unsafeBitCast(values[row] < 100, to: UInt8.self))
                }
                selected &+= n
            }
            blackHole(selected)
        }
        benchmark.stopMeasurement()
    }

    Benchmark("Reference: hand loop sum int64") { benchmark in
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            var total: Int64 = 0
            for column in smallInts {
                let values = UnsafeBufferPointer(start: column.data.assumingMemoryBound(to: Int64.self), count: column.count)
                for value in values { total &+= value }
            }
            blackHole(total)
        }
        benchmark.stopMeasurement()
    }

    func hashKeys(_ name: String, _ columns: [[ColumnVector]]) {
        Benchmark("Pack and hash keys: \(name)") { benchmark in
            let packer = KeyPacker()
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                var mix: UInt64 = 0
                for batch in columns {
                    packer.pack(batch, rowCount: batch[0].count)
                    mix ^= packer.hashes[batch[0].count - 1]
                }
                blackHole(mix)
            }
            benchmark.stopMeasurement()
        }
    }
    hashKeys("int64", smallInts.map { [$0] })
    hashKeys("varchar", words.map { [$0] })
    hashKeys("varchar + int64", zip(words, smallInts).map { [$0, $1] })
}
