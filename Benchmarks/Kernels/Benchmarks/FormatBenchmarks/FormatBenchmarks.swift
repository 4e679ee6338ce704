// Encode and decode throughput per encoding of the Plaza file format (issue 2).
// Each iteration handles 2^20 values, so `throughput` (iterations/s) reads as Mi values/s.
import Benchmark
import CLZ4
import Foundation
import KernelFixtures
import PlazaCore
import PlazaFormat
import PlazaVector

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal], warmupIterations: 2,
        maxDuration: .seconds(2), maxIterations: 200)
    let scratch = Fixtures.scratchDirectory()

    for shape in ColumnShape.allCases {
        let path = "\(scratch)/decode-\(shape).plz"
        let batches = Fixtures.batches(shape)
        do {
            _ = try Fixtures.writeSegment(batches, shape: shape, path: path)
        } catch {
            fatalError("cannot write the \(shape.rawValue) fixture: \(error)")
        }
        Benchmark("Decode \(shape.rawValue)") { benchmark in
            do {
                let reader = try SegmentReader(path: path)
                let batch = Batch(types: [shape.type])
                benchmark.startMeasurement()
                for _ in benchmark.scaledIterations {
                    blackHole(try Fixtures.decodeAll(reader, into: batch))
                }
                benchmark.stopMeasurement()
            } catch {
                benchmark.error("decode failed: \(error)")
            }
        }
        Benchmark("Encode \(shape.rawValue)") { benchmark in
            do {
                for _ in benchmark.scaledIterations {
                    blackHole(try Fixtures.writeSegment(batches, shape: shape, path: "\(scratch)/encode-\(shape).plz"))
                }
            } catch {
                benchmark.error("encode failed: \(error)")
            }
        }
    }

    // Bit-unpacking alone, per width (the kernel under frame-of-reference, delta and dictionary codes).
    for width in [1, 3, 8, 12, 16] {
        Benchmark("Unpack \(width)-bit to UInt32") { benchmark in
            let count = Fixtures.valueCount
            let packed = UnsafeMutableRawPointer.allocate(byteCount: BitPacking.byteCount(count: count, width: width), alignment: 64)
            let bytes = packed.assumingMemoryBound(to: UInt8.self)
            for index in 0..<BitPacking.byteCount(count: count, width: width) { bytes[index] = UInt8(truncatingIfNeeded: index &* 151) }
            let output = UnsafeMutablePointer<UInt32>.allocate(capacity: ColumnVector.batchCapacity)
            defer {
                packed.deallocate()
                output.deallocate()
            }
            let blockBytes = BitPacking.byteCount(count: ColumnVector.batchCapacity, width: width)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                // One batch-sized block at a time into a reused buffer, as the decoder does.
                for block in 0..<(count / ColumnVector.batchCapacity) {
                    BitPacking.unpack(packed + block * blockBytes, count: ColumnVector.batchCapacity, width: width, reference: 0, into: output)
                    blackHole(output[block & 2047])
                }
            }
            benchmark.stopMeasurement()
        }
    }

    // liblz4 on its own, for comparison with the decode of LZ4-compressed blocks.
    Benchmark("liblz4 decompress text 2^20 bytes") { benchmark in
        var text: [UInt8] = []
        var row = 0
        while text.count < 1 << 20 {
            text.append(contentsOf: Array("REP-\(1_000_000 + row)-\(row * 7919 % 100_000),".utf8))
            row += 1
        }
        text = Array(text.prefix(1 << 20))
        let bound = Int(LZ4_compressBound(Int32(text.count)))
        var compressed = [UInt8](repeating: 0, count: bound)
        let size = text.withUnsafeBytes { source in
            compressed.withUnsafeMutableBytes { target in
                LZ4_compress_default(
                    source.baseAddress!.assumingMemoryBound(to: CChar.self), target.baseAddress!.assumingMemoryBound(to: CChar.self),
                    Int32(text.count), Int32(bound))
            }
        }
        var output = [UInt8](repeating: 0, count: text.count)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let n = compressed.withUnsafeBytes { source in
                output.withUnsafeMutableBytes { target in
                    LZ4_decompress_safe(
                        source.baseAddress!.assumingMemoryBound(to: CChar.self), target.baseAddress!.assumingMemoryBound(to: CChar.self),
                        size, Int32(target.count))
                }
            }
            blackHole(n)
        }
        benchmark.stopMeasurement()
    }
}
