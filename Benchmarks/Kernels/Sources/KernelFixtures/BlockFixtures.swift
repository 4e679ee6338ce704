import CLZ4
import PlazaCore
import PlazaFormat
import PlazaVector

/// Sealed blocks of one batch (2,048 values) each, copied to 64-byte aligned memory, for
/// benchmarks that decode block by block as a scan does. Owns its memory; deterministic.
package final class BlockSet: @unchecked Sendable {
    // Immutable after init; the benchmarks only read it (possibly from another thread).
    /// The blocks, header included.
    package let blocks: [UnsafeRawBufferPointer]
    /// The column type the blocks decode to.
    package let type: DataType
    /// The shared dictionary for `.dictionary` code blocks, nil otherwise.
    package let dictionary: ColumnVector?

    init(_ encoded: [[UInt8]], type: DataType, dictionary: ColumnVector?) {
        blocks = encoded.map { bytes in
            let memory = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 64)
            bytes.withUnsafeBytes { memory.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
            return UnsafeRawBufferPointer(start: memory, count: bytes.count)
        }
        self.type = type
        self.dictionary = dictionary
    }

    deinit { for block in blocks { block.baseAddress.map { UnsafeMutableRawPointer(mutating: $0).deallocate() } } }

    /// Encodes `BlockFixtures.distinctBlocks` batches of `shape` with `encoding` (nil: the
    /// writer's choice), LZ4 on top where it saves ≥ 10% if `compress`.
    package convenience init(_ shape: ColumnShape, encoding: BlockEncoding?, compress: Bool) throws(FormatError) {
        let batches = Fixtures.batches(shape, rows: BlockFixtures.distinctBlocks * ColumnVector.batchCapacity)
        var encoded: [[UInt8]] = []
        for batch in batches {
            encoded.append(try BlockCodec.encode(batch.columns[0], encoding: encoding, allowCompression: compress))
        }
        self.init(encoded, type: shape.type, dictionary: nil)
    }

    /// Blocks of random codes that need exactly `width` bits (1 … 16): a BIGINT dictionary of
    /// 2^(width−1) + 1 entries (2 for width 1), so the decoder also runs its code range check.
    package convenience init(codeWidth width: Int) throws(FormatError) {
        precondition((1...16).contains(width), "code widths are 1 … 16")
        let entries = width == 1 ? 2 : (1 << (width - 1)) + 1
        let dictionary = ColumnVector(type: .bigint, capacity: entries)
        for entry in 0..<entries { dictionary.append(Int64(entry) * 1_000) }
        var state: UInt64 = 0xC0DE ^ UInt64(width)
        var encoded: [[UInt8]] = []
        var codes = [UInt32](repeating: 0, count: ColumnVector.batchCapacity)
        for _ in 0..<BlockFixtures.distinctBlocks {
            for i in codes.indices {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                codes[i] = UInt32((state >> 33) % UInt64(entries))
            }
            encoded.append(try codes.withUnsafeBufferPointer { codes throws(FormatError) in
                try BlockCodec.encodeCodes(codes, entries: entries)
            })
        }
        self.init(encoded, type: .bigint, dictionary: dictionary)
    }

    /// The encodings of the blocks, as "frame-of-reference" or "plain+lz4" (all if they differ).
    package func encodingName() throws(FormatError) -> String {
        var names: [String] = []
        for block in blocks {
            let header = try BlockHeader(parsing: block)
            let name = "\(header.encoding)\(header.isCompressed ? "+lz4" : "")"
            if !names.contains(name) { names.append(name) }
        }
        return names.joined(separator: ", ")
    }

    /// Decodes block `index % blocks.count` into `vector` (the scan's step).
    @inline(__always)
    package func decode(_ index: Int, _ decoder: BlockDecoder, into vector: ColumnVector) throws(FormatError) {
        try decoder.decode(blocks[index % blocks.count], type: type, dictionary: dictionary, into: vector)
    }

    /// Decoded bytes per value: the vector's values (codes for dictionary blocks, offsets plus
    /// text for VARCHAR), averaged over the blocks.
    package func decodedBytesPerValue() throws(FormatError) -> Double {
        let decoder = BlockDecoder()
        let vector = ColumnVector(type: type)
        var bytes = 0, values = 0
        for index in blocks.indices {
            try decode(index, decoder, into: vector)
            values += vector.count
            if vector.isDictionary {
                bytes += 4 * vector.count
            } else if vector.physicalType == .string {
                bytes += 4 * vector.count + vector.heapCount
            } else {
                bytes += vector.byteWidth * vector.count
            }
        }
        return Double(bytes) / Double(values)
    }

    /// The LZ4 payloads of the compressed blocks, as (stored bytes, raw length), for liblz4 alone.
    package func lz4Payloads() throws(FormatError) -> [(UnsafeRawBufferPointer, Int)] {
        var result: [(UnsafeRawBufferPointer, Int)] = []
        for block in blocks {
            let header = try BlockHeader(parsing: block)
            guard header.isCompressed else { continue }
            let stored = UnsafeRawBufferPointer(
                start: block.baseAddress! + SegmentFormat.blockHeaderSize, count: header.storedLength)
            result.append((stored, header.rawLength))
        }
        return result
    }
}

/// Constants of the block-level benchmarks.
package enum BlockFixtures {
    /// Distinct blocks per benchmark, decoded in turn (≈ what stays in L2 on a scan of one column).
    package static let distinctBlocks = 16
    /// Blocks decoded per benchmark iteration: 512 × 2,048 = 2^20 values.
    package static let blocksPerIteration = Fixtures.valueCount / ColumnVector.batchCapacity

    /// Decompresses `payload` with liblz4 alone into `output` (which holds `rawLength` bytes).
    @inline(__always)
    package static func lz4Decompress(_ payload: UnsafeRawBufferPointer, rawLength: Int, into output: UnsafeMutableRawPointer)
        -> Int
    {
        Int(
            LZ4_decompress_safe(
                payload.baseAddress!.assumingMemoryBound(to: CChar.self), output.assumingMemoryBound(to: CChar.self),
                Int32(payload.count), Int32(rawLength)))
    }
}
