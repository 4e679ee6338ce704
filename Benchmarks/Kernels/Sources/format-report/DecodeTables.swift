// Block-level decode tables of format-report: bit-unpacking and dictionary codes per width, and
// the LZ4 stage of Plaza's reader against liblz4 alone on the same payloads. Each figure is the
// best of many short runs (16 blocks of 2,048 values each), which a shared, busy machine
// disturbs much less than one long run.
import Foundation
import KernelFixtures
import PlazaCore
import PlazaFormat
import PlazaVector

/// Runs of each block-level measurement; the best is kept.
let shortRuns = 300

/// Values decoded by one pass over a block set.
let valuesPerPass = Double(BlockFixtures.distinctBlocks * ColumnVector.batchCapacity)

func format(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }

/// Unpacking alone (`BitPacking.unpack` into a reused UInt32 buffer) and whole dictionary code
/// blocks through `BlockDecoder.decode`, per width 1 … 16.
func printWidthTable() throws {
    print("\n| bits | unpack M values/s | unpack GB/s | dictionary codes block M values/s | codes GB/s |")
    print("|---|---|---|---|---|")
    let batch = ColumnVector.batchCapacity
    let output = UnsafeMutablePointer<UInt32>.allocate(capacity: batch)
    defer { output.deallocate() }
    let decoder = BlockDecoder()
    for width in 1...16 {
        let blockBytes = BitPacking.byteCount(count: batch, width: width)
        let packed = UnsafeMutableRawPointer.allocate(byteCount: blockBytes * BlockFixtures.distinctBlocks, alignment: 64)
        defer { packed.deallocate() }
        for index in 0..<(blockBytes * BlockFixtures.distinctBlocks) {
            packed.storeBytes(of: UInt8(truncatingIfNeeded: index &* 151), toByteOffset: index, as: UInt8.self)
        }
        let unpackSeconds = best(shortRuns) {
            for block in 0..<BlockFixtures.distinctBlocks {
                BitPacking.unpack(packed + block * blockBytes, count: batch, width: width, reference: 0, into: output)
            }
        }
        let set = try BlockSet(codeWidth: width)
        let vector = ColumnVector(type: set.type)
        let codesSeconds = try best(shortRuns) {
            for block in 0..<BlockFixtures.distinctBlocks { try set.decode(block, decoder, into: vector) }
        }
        let unpack = valuesPerPass / unpackSeconds, codes = valuesPerPass / codesSeconds
        print(
            "| \(width) | \(format(unpack / 1e6, 0)) | \(format(unpack * 4 / 1e9, 2)) | \(format(codes / 1e6, 0)) | "
                + "\(format(codes * 4 / 1e9, 2)) |")
    }
}

/// The LZ4 stage: `BlockDecoder.payload(of:)` (header, optional checksum, LZ4_decompress_safe into
/// the decoder's buffer) against `LZ4_decompress_safe` alone on the same stored payloads.
func printLZ4Table() throws {
    print("\n| LZ4 payloads (16 blocks × 2,048 values) | raw KB/block | ratio | liblz4 alone GB/s | Plaza payload GB/s | Plaza / liblz4 speed | with checksum GB/s | with checksum / liblz4 speed |")
    print("|---|---|---|---|---|---|---|---|")
    for shape in [ColumnShape.uniqueText, .runsInt, .lowCardinalityText] {
        let set = try BlockSet(shape, encoding: .plain, compress: true)
        let payloads = try set.lz4Payloads()
        guard payloads.count == set.blocks.count else {
            print("| \(shape.rawValue) plain | LZ4 saves < 10%: blocks stored uncompressed | | | | | | |")
            continue
        }
        let raw = Double(payloads.reduce(0) { $0 + $1.1 })
        let stored = Double(payloads.reduce(0) { $0 + $1.0.count })
        let output = UnsafeMutableRawPointer.allocate(byteCount: payloads.map(\.1).max()!, alignment: 64)
        defer { output.deallocate() }
        let decoder = BlockDecoder()
        var sink = 0
        let alone = best(shortRuns) {
            for (payload, rawLength) in payloads {
                sink &+= BlockFixtures.lz4Decompress(payload, rawLength: rawLength, into: output)
            }
        }
        let plaza = try best(shortRuns) {
            for block in set.blocks { sink &+= try decoder.payload(of: block, verifyChecksum: false).count }
        }
        let checked = try best(shortRuns) {
            for block in set.blocks { sink &+= try decoder.payload(of: block, verifyChecksum: true).count }
        }
        precondition(sink != 0, "nothing decompressed")
        print(
            "| \(shape.rawValue) plain+lz4 | \(format(raw / Double(payloads.count) / 1024, 1)) | "
                + "\(format(raw / stored, 2))× | \(format(raw / alone / 1e9, 2)) | \(format(raw / plaza / 1e9, 2)) | "
                + "\(format(alone / plaza, 3)) | \(format(raw / checked / 1e9, 2)) | \(format(alone / checked, 3)) |")
    }
}

/// One block set per encoding through `BlockDecoder.decode` (header, checksum, decode into a
/// reused vector), with the stored size against the raw size of those blocks.
func printEncodingTable() throws {
    print("\n| block decode (16 blocks × 2,048 values) | encoding | raw B/value | stored B/value | ratio | M values/s | GB/s of output |")
    print("|---|---|---|---|---|---|---|")
    let cases: [(ColumnShape, BlockEncoding?, Bool)] = [
        (.randomInt, .plain, false), (.constantInt, .constant, false), (.runsInt, .runLength, false),
        (.smallRangeInt, .frameOfReference, false), (.wideRangeInt, .frameOfReference, false),
        (.sparseNullInt, .frameOfReference, false), (.sortedTimestamps, .delta, false),
        (.randomDouble, .plain, false), (.pricesDouble, .alp, false),
        (.uniqueText, .plain, false), (.uniqueText, .plain, true), (.lowCardinalityText, .plain, true),
        (.runsInt, .plain, true),
    ]
    let decoder = BlockDecoder()
    for (shape, encoding, compress) in cases {
        let set = try BlockSet(shape, encoding: encoding, compress: compress)
        let vector = ColumnVector(type: set.type)
        let seconds = try best(shortRuns) {
            for block in 0..<BlockFixtures.distinctBlocks { try set.decode(block, decoder, into: vector) }
        }
        let perValue = try set.decodedBytesPerValue()
        let stored = Double(set.blocks.reduce(0) { $0 + $1.count }) / valuesPerPass
        let rate = valuesPerPass / seconds
        print(
            "| \(shape.rawValue) | \(try set.encodingName()) | \(format(perValue, 1)) | \(format(stored, 2)) | "
                + "\(format(perValue / stored, 1))× | \(format(rate / 1e6, 0)) | \(format(rate * perValue / 1e9, 2)) |")
    }
}
