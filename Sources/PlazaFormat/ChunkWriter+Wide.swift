import PlazaCore
import PlazaVector

/// Column chunks of DECIMAL(19…38) (Formats/plaza-file-format.md §4.1): no dictionary, and
/// statistics that count NULLs only (§8).
extension ChunkWriter {
    /// Appends the blocks of a wide DECIMAL column (`n` rows, flat) to `output` (whose first byte
    /// sits at file offset `base`) and returns its footer entry.
    func writeWide(_ column: ColumnVector, rows n: Int, blockSize: Int, output: inout ByteWriter, base: Int)
        -> ChunkEntry
    {
        let source = column.data.assumingMemoryBound(to: Int128.self)
        let words = column.hasNulls ? column.validityWords : nil
        var values = [Int128](repeating: 0, count: n)
        // NULL slots repeat the previous valid value (the first valid one before it), as §5.1.
        var previous: Int128 = 0
        if let words {
            for row in 0..<n where (words[row >> 6] >> UInt64(row & 63)) & 1 == 1 {
                previous = source[row]
                break
            }
        }
        var chunk = ChunkEntry(statistics: RawStatistics(), dictionary: nil, blocks: [])
        values.withUnsafeMutableBufferPointer { values in
            for row in 0..<n {
                if words == nil || (words![row >> 6] >> UInt64(row & 63)) & 1 == 1 { previous = source[row] }
                values[row] = previous
            }
            for start in stride(from: 0, to: n, by: blockSize) {
                let count = min(blockSize, n - start)
                var statistics = RawStatistics()
                var validity: UnsafeBufferPointer<UInt64>? = nil
                if let words {
                    for row in start..<(start + count) where (words[row >> 6] >> UInt64(row & 63)) & 1 == 0 {
                        statistics.nullCount += 1
                    }
                    if statistics.nullCount > 0 {
                        validity = UnsafeBufferPointer(
                            start: words + start / 64, count: ValidityBitmap.wordCount(for: count))
                    }
                }
                let bytes = encoder.encodeWide(
                    UnsafeBufferPointer(rebasing: values[start..<(start + count)]), validity: validity)
                output.pad(to: 8)
                chunk.blocks.append(
                    BlockEntry(offset: base + output.count, length: bytes.count, count: count, statistics: statistics))
                output.raw(bytes)
                chunk.statistics.nullCount += statistics.nullCount
            }
        }
        return chunk
    }
}
