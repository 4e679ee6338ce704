/// The rows of a batch grouped by the partition of their key hash, as the spill partitioner and
/// the aggregate's in-memory radix partitions both split rows: a partition is
/// `(hash >> shift) & (partitionCount - 1)`, high bits that the hash tables' slot numbers (low bits)
/// do not use. Rows keep their order within a partition (a counting sort).
struct HashPartitionOrder {
    /// `order[starts[p] ..< starts[p + 1]]` are partition `p`'s rows.
    var starts: [Int]

    /// Orders rows `0 ..< count` of `hashes` into `order` (room for `count`).
    init(
        _ hashes: UnsafePointer<UInt64>, count: Int, shift: UInt64, partitionCount: Int,
        into order: UnsafeMutablePointer<Int32>
    ) {
        let mask = partitionCount - 1
        var starts = [Int](repeating: 0, count: partitionCount + 1)
        for row in 0..<count { starts[Int(truncatingIfNeeded: hashes[row] &>> shift) & mask + 1] += 1 }
        for p in 0..<partitionCount { starts[p + 1] += starts[p] }
        var cursor = starts
        for row in 0..<count {
            let p = Int(truncatingIfNeeded: hashes[row] &>> shift) & mask
            order[cursor[p]] = Int32(truncatingIfNeeded: row)
            cursor[p] += 1
        }
        self.starts = starts
    }

    /// Partition `p`'s rows in `order`.
    func rows(_ p: Int, in order: UnsafeMutablePointer<Int32>) -> UnsafeBufferPointer<Int32> {
        UnsafeBufferPointer(start: order + starts[p], count: starts[p + 1] - starts[p])
    }
}
