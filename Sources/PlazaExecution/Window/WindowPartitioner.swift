import PlazaCore
import PlazaVector

/// Sorts rows for a window with PARTITION BY on all cores: rows go to hash buckets by their
/// partition key, so every partition lies in one bucket, and the buckets are sorted in parallel
/// and laid end to end. Partitions stay contiguous; their order among themselves does not matter.
enum WindowPartitioner {
    /// The rows `0..<count` in window order.
    static func sortedRows(
        full: SortKeyEncoder, partitionKeys: SortKeyEncoder, count: Int, threads: Int
    ) -> [Int32] {
        let bucketCount = threads * 8
        var bucketOf = [Int32](repeating: 0, count: count)
        var sizes = [Int](repeating: 0, count: bucketCount + 1)
        partitionKeys.bytes.withUnsafeBufferPointer { bytes in
            partitionKeys.offsets.withUnsafeBufferPointer { offsets in
                for row in 0..<count {
                    // FNV-1a over the encoded key: equal keys have equal bytes.
                    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
                    for index in offsets[row]..<offsets[row + 1] {
                        hash = (hash ^ UInt64(bytes[index])) &* 0x100_0000_01b3
                    }
                    let bucket = Int((hash ^ (hash >> 29)) % UInt64(bucketCount))
                    bucketOf[row] = Int32(bucket)
                    sizes[bucket + 1] &+= 1
                }
            }
        }
        for bucket in 0..<bucketCount { sizes[bucket + 1] += sizes[bucket] }
        var order = [Int32](repeating: 0, count: count)
        var next = Array(sizes[0..<bucketCount])
        for row in 0..<count {
            let bucket = Int(bucketOf[row])
            order[next[bucket]] = Int32(row)
            next[bucket] += 1
        }
        let starts = sizes
        order.withUnsafeMutableBufferPointer { buffer in
            let shared = SortShared(buffer.baseAddress!)
            SortParallel.run(bucketCount, threads: threads) { bucket in
                let start = starts[bucket], end = starts[bucket + 1]
                guard end - start > 1 else { return }
                var rows = Array(UnsafeBufferPointer(start: shared.base + start, count: end - start))
                full.sort(&rows)
                rows.withUnsafeBufferPointer { (shared.base + start).update(from: $0.baseAddress!, count: $0.count) }
            }
        }
        return order
    }
}
