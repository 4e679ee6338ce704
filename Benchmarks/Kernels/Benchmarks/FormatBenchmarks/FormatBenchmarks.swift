// Encode and decode throughput of the Plaza file format (issue 2), one thread.
// Each iteration handles 2^20 values, so `throughput` (iterations/s) reads as Mi values/s; a name
// ending in "(N B/value)" gives the decoded bytes per value, from which summarize.py prints GB/s.
import Benchmark
import CLZ4
import Foundation
import KernelFixtures
import PlazaCore
import PlazaFormat
import PlazaVector

/// Registers a benchmark that decodes `set`'s blocks in turn, 2^20 values per iteration.
func blockDecodeBenchmark(_ title: String, _ set: BlockSet) {
    let name: String
    do {
        name = "\(title) [\(try set.encodingName())] (\(String(format: "%.1f", try set.decodedBytesPerValue())) B/value)"
    } catch {
        fatalError("cannot decode the blocks of \(title): \(error)")
    }
    Benchmark(name) { benchmark in
        let decoder = BlockDecoder()
        let vector = ColumnVector(type: set.type)
        do {
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                for block in 0..<BlockFixtures.blocksPerIteration { try set.decode(block, decoder, into: vector) }
                blackHole(vector.count)
            }
            benchmark.stopMeasurement()
        } catch {
            benchmark.error("decode failed: \(error)")
        }
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal], warmupIterations: 2,
        maxDuration: .seconds(1), maxIterations: 200)
    let scratch = Fixtures.scratchDirectory()
    registerOpenBenchmarks(scratch: scratch)

    // Whole segment files through SegmentReader and its cursor, as a scan reads them.
    for shape in ColumnShape.allCases {
        let path = "\(scratch)/decode-\(shape).plz"
        let batches = Fixtures.batches(shape)
        do {
            try Fixtures.writeAtomically(path) { _ = try Fixtures.writeSegment(batches, shape: shape, path: $0) }
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
            let output = Fixtures.privatePath(scratch, "encode-\(shape).plz")
            defer { unlink(output) }
            do {
                for _ in benchmark.scaledIterations {
                    blackHole(try Fixtures.writeSegment(batches, shape: shape, path: output))
                }
            } catch {
                benchmark.error("encode failed: \(error)")
            }
        }
    }

    // Bit-unpacking alone, per width (the kernel under frame-of-reference, delta and dictionary codes).
    for width in 1...16 {
        Benchmark("Unpack \(width)-bit to UInt32 (4 B/value)") { benchmark in
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

    // Dictionary code blocks through BlockDecoder (header, checksum, unpack, code range check).
    for width in 1...16 {
        do {
            blockDecodeBenchmark("Block decode dictionary codes \(width)-bit", try BlockSet(codeWidth: width))
        } catch {
            fatalError("cannot encode \(width)-bit codes: \(error)")
        }
    }

    // One block per encoding through BlockDecoder (header, checksum, decode into a vector).
    let encodings: [(ColumnShape, BlockEncoding?, Bool)] = [
        (.randomInt, .plain, false), (.constantInt, .constant, false), (.runsInt, .runLength, false),
        (.smallRangeInt, .frameOfReference, false), (.wideRangeInt, .frameOfReference, false),
        (.sparseNullInt, .frameOfReference, false), (.sortedTimestamps, .delta, false),
        (.randomDouble, .plain, false), (.pricesDouble, .alp, false),
        (.uniqueText, .plain, false), (.uniqueText, .plain, true), (.runsInt, .plain, true),
    ]
    for (shape, encoding, compress) in encodings {
        do {
            blockDecodeBenchmark("Block decode \(shape.rawValue)", try BlockSet(shape, encoding: encoding, compress: compress))
        } catch {
            fatalError("cannot encode \(shape.rawValue) as \(String(describing: encoding)): \(error)")
        }
    }

    // The LZ4 stage through Plaza's reader against liblz4 alone on the same stored payloads.
    for shape in [ColumnShape.uniqueText, .runsInt] {
        let set: BlockSet
        let payloads: [(UnsafeRawBufferPointer, Int)]
        do {
            set = try BlockSet(shape, encoding: .plain, compress: true)
            payloads = try set.lz4Payloads()
        } catch {
            fatalError("cannot encode \(shape.rawValue) with LZ4: \(error)")
        }
        precondition(payloads.count == set.blocks.count, "every \(shape.rawValue) block should be compressed")
        let rawPerValue = Double(payloads.reduce(0) { $0 + $1.1 }) / Double(payloads.count * ColumnVector.batchCapacity)
        let suffix = "\(shape.rawValue) plain+lz4 payloads (\(String(format: "%.1f", rawPerValue)) B/value)"
        for verify in [false, true] {
            Benchmark("LZ4 Plaza BlockDecoder.payload\(verify ? " + checksum" : ""), \(suffix)") { benchmark in
                let decoder = BlockDecoder()
                do {
                    benchmark.startMeasurement()
                    for _ in benchmark.scaledIterations {
                        for block in 0..<BlockFixtures.blocksPerIteration {
                            blackHole(try decoder.payload(of: set.blocks[block % set.blocks.count], verifyChecksum: verify).count)
                        }
                    }
                    benchmark.stopMeasurement()
                } catch {
                    benchmark.error("payload failed: \(error)")
                }
            }
        }
        Benchmark("LZ4 liblz4 alone, \(suffix)") { benchmark in
            let capacity = payloads.map(\.1).max()!
            let output = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 64)
            defer { output.deallocate() }
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                for block in 0..<BlockFixtures.blocksPerIteration {
                    let (payload, rawLength) = payloads[block % payloads.count]
                    blackHole(BlockFixtures.lz4Decompress(payload, rawLength: rawLength, into: output))
                }
            }
            benchmark.stopMeasurement()
            withExtendedLifetime(set) {}
        }
    }
}
