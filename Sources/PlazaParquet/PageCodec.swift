import CLZ4
import CSnappy
import CZlib
import CZstd

/// Page compression and decompression through the C libraries (the only file calling them).
enum PageCodec {
    /// The largest page Plaza inflates (a hostile header may claim more; real pages are ~1 MiB).
    static let maxPageBytes = 256 << 20

    /// A valid address for empty buffers, which C libraries want non-null; nothing is ever stored.
    nonisolated(unsafe) private static let emptyBytes = UnsafeMutableRawPointer.allocate(byteCount: 16, alignment: 16)

    /// Decompresses `input` into exactly `output.count` bytes with `codec`.
    static func decompress(
        _ codec: ParquetCodec, _ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer
    )
        throws(ParquetError)
    {
        let expected = output.count
        func mismatch(_ got: Int) -> ParquetError {
            ParquetError(.corrupt, "the page inflates to \(got) bytes, not the \(expected) its header claims")
        }
        switch codec {
        case .uncompressed:
            guard input.count == expected else { throw mismatch(input.count) }
            if expected > 0 { output.baseAddress!.copyMemory(from: input.baseAddress!, byteCount: expected) }
        case .snappy:
            var length = 0
            guard let source = input.baseAddress,
                snappy_uncompressed_length(source.assumingMemoryBound(to: CChar.self), input.count, &length)
                    == SNAPPY_OK
            else { throw ParquetError(.corrupt, "a Snappy page that does not decode") }
            guard length == expected else { throw mismatch(length) }
            var outLength = expected
            let status = snappy_uncompress(
                source.assumingMemoryBound(to: CChar.self), input.count,
                output.baseAddress?.assumingMemoryBound(to: CChar.self), &outLength)
            guard status == SNAPPY_OK, outLength == expected else {
                throw ParquetError(.corrupt, "a Snappy page that does not decode")
            }
        case .zstd:
            guard let source = input.baseAddress else { throw ParquetError(.corrupt, "an empty Zstd page") }
            let produced = ZSTD_decompress(output.baseAddress ?? emptyBytes, expected, source, input.count)
            guard ZSTD_isError(produced) == 0 else {
                throw ParquetError(
                    .corrupt, "a Zstd page that does not decode: \(String(cString: ZSTD_getErrorName(produced)))")
            }
            guard produced == expected else { throw mismatch(produced) }
        case .gzip:
            try inflate(input, into: output)
        case .lz4Raw:
            guard expected <= Int(Int32.max), input.count <= Int(Int32.max), let source = input.baseAddress else {
                throw ParquetError(.corrupt, "an LZ4 page that does not decode")
            }
            let target = (output.baseAddress ?? emptyBytes).assumingMemoryBound(to: CChar.self)
            let produced = LZ4_decompress_safe(
                source.assumingMemoryBound(to: CChar.self), target, Int32(input.count), Int32(expected))
            guard produced >= 0 else { throw ParquetError(.corrupt, "an LZ4 page that does not decode") }
            guard Int(produced) == expected else { throw mismatch(Int(produced)) }
        case .lzo, .brotli, .lz4:
            throw ParquetError(.unsupported, "pages compressed with \(codec) (Plaza reads SNAPPY, GZIP, ZSTD, LZ4_RAW)")
        }
    }

    /// GZIP (or zlib) stream into exactly `output.count` bytes; concatenated members are followed.
    private static func inflate(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer)
        throws(ParquetError)
    {
        var stream = z_stream()
        // 15 + 32: a window of 2^15 and automatic detection of the gzip or zlib header.
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ParquetError(.io, "zlib could not start")
        }
        defer { inflateEnd(&stream) }
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self))
        stream.avail_in = UInt32(clamping: input.count)
        stream.next_out = (output.baseAddress ?? emptyBytes).assumingMemoryBound(to: UInt8.self)
        stream.avail_out = UInt32(clamping: output.count)
        while true {
            let status = CZlib.inflate(&stream, Z_FINISH)
            if status == Z_STREAM_END {
                if stream.avail_in > 0, stream.avail_out > 0, inflateReset(&stream) == Z_OK { continue }
                break
            }
            guard status == Z_OK || status == Z_BUF_ERROR, stream.avail_out > 0, stream.avail_in > 0 else {
                throw ParquetError(.corrupt, "a GZIP page that does not decode")
            }
        }
        let produced = output.count - Int(stream.avail_out)
        guard produced == output.count else {
            throw ParquetError(
                .corrupt, "the page inflates to \(produced) bytes, not the \(output.count) its header claims")
        }
    }

    /// Compresses `input` with `codec` (UNCOMPRESSED, SNAPPY or ZSTD), for the writer.
    static func compress(_ codec: ParquetCodec, _ input: UnsafeRawBufferPointer) -> [UInt8] {
        switch codec {
        case .snappy:
            var capacity = snappy_max_compressed_length(input.count)
            var out = [UInt8](repeating: 0, count: capacity)
            let status = out.withUnsafeMutableBufferPointer { target in
                snappy_compress(
                    (input.baseAddress ?? UnsafeRawPointer(emptyBytes)).assumingMemoryBound(to: CChar.self),
                    input.count,
                    UnsafeMutableRawPointer(target.baseAddress!).assumingMemoryBound(to: CChar.self), &capacity)
            }
            precondition(status == SNAPPY_OK, "snappy_compress failed with a buffer of its own size bound")
            out.removeSubrange(capacity...)
            return out
        case .zstd:
            let bound = ZSTD_compressBound(input.count)
            var out = [UInt8](repeating: 0, count: bound)
            let written = out.withUnsafeMutableBytes { target in
                ZSTD_compress(
                    target.baseAddress!, bound, input.baseAddress ?? UnsafeRawPointer(emptyBytes), input.count, 3)
            }
            precondition(ZSTD_isError(written) == 0, "ZSTD_compress failed with a buffer of its own size bound")
            out.removeSubrange(written...)
            return out
        default:
            precondition(codec == .uncompressed, "the writer compresses with UNCOMPRESSED, SNAPPY or ZSTD only")
            return Array(input)
        }
    }
}
