import PlazaCore
import PlazaVector

/// Splits rows into `partitionCount` temporary files by the hash of key columns (grace hashing):
/// equal keys always land in the same partition, so each partition can be aggregated or joined
/// on its own. One per worker; rows wait per partition until a full batch can be written.
final class SpillPartitioner {
    static let partitionBits = 5
    /// Partitions per level of splitting.
    static let partitionCount = 1 << partitionBits
    /// Levels of splitting tried before giving up (32, 1,024, 32,768 partitions).
    static let maxLevel = 2

    let directory: SpillDirectory
    let prefix: String
    let types: [DataType]
    let level: Int
    private var writers: [SpillWriter?]
    private var pending: [[Batch]]
    private var pendingRows: [Int]
    private let packer = KeyPacker()

    /// Writes to files `prefix-p<partition>` in `directory`, for rows with columns `types`,
    /// splitting on hash bits chosen by `level` (each level uses bits the previous ones did not).
    init(directory: SpillDirectory, prefix: String, types: [DataType], level: Int) {
        self.directory = directory
        self.prefix = prefix
        self.types = types
        self.level = level
        writers = Array(repeating: nil, count: SpillPartitioner.partitionCount)
        pending = Array(repeating: [], count: SpillPartitioner.partitionCount)
        pendingRows = Array(repeating: 0, count: SpillPartitioner.partitionCount)
    }

    /// The path of partition `partition`'s file written under `prefix`.
    static func path(_ directory: SpillDirectory, _ prefix: String, _ partition: Int) -> String {
        directory.file("\(prefix)-p\(partition)")
    }

    /// Adds the rows of `batch` (no selection), each to the partition of its `keys` (vectors over
    /// the batch's rows; NULL keys hash like any value).
    func add(_ batch: Batch, keys: [ColumnVector]) throws(ExecutionError) {
        let count = batch.count
        if count == 0 { return }
        packer.pack(keys, rowCount: count)
        let order = UnsafeMutablePointer<Int32>.allocate(capacity: count)
        defer { order.deallocate() }
        let grouped = HashPartitionOrder(
            packer.hashes, count: count, shift: UInt64(64 - SpillPartitioner.partitionBits * (level + 1)),
            partitionCount: SpillPartitioner.partitionCount, into: order)
        for p in 0..<SpillPartitioner.partitionCount where grouped.starts[p + 1] > grouped.starts[p] {
            let rows = grouped.rows(p, in: order)
            let part = rows.count == count ? batch : batch.gathered(rows)
            pending[p].append(part)
            pendingRows[p] += rows.count
            if pendingRows[p] >= ColumnVector.batchCapacity { try flush(p) }
        }
    }

    /// Writes what waits for partition `p` as one batch.
    private func flush(_ p: Int) throws(ExecutionError) {
        if pendingRows[p] == 0 { return }
        let parts = pending[p]
        let batch: Batch
        if parts.count == 1 {
            batch = parts[0]
        } else {
            let columns = types.enumerated().map { (index, type) in
                GatherKernel.concatenate(parts.map { $0.columns[index] }, type: type)
            }
            batch = Batch(columns: columns, count: pendingRows[p])
        }
        if writers[p] == nil { writers[p] = try SpillWriter(path: SpillPartitioner.path(directory, prefix, p)) }
        try writers[p]!.append(batch)
        pending[p] = []
        pendingRows[p] = 0
    }

    /// Writes every waiting row and closes the files; returns the bytes written.
    func finish() throws(ExecutionError) -> Int {
        var bytes = 0
        for p in 0..<SpillPartitioner.partitionCount {
            try flush(p)
            if let writer = writers[p] {
                try writer.close()
                bytes += writer.bytesWritten
            }
        }
        return bytes
    }

    /// Partitions that received rows.
    var usedPartitions: [Int] { (0..<SpillPartitioner.partitionCount).filter { writers[$0] != nil } }
}

/// Reads the files of one partition (one per worker that wrote it) as a stream of batches.
struct SpillPartition {
    let paths: [String]
    let types: [DataType]

    /// Calls `body` with every batch of every file, in order.
    func forEach(_ context: QueryContext, _ body: (Batch) throws(ExecutionError) -> Void) throws(ExecutionError) {
        for path in paths {
            let reader = try SpillReader(path: path, types: types)
            while let batch = try reader.next() {
                try context.checkCancelled()
                try body(batch)
            }
        }
    }

    /// Every batch, in memory (for a partition sized to fit).
    func readAll(_ context: QueryContext) throws(ExecutionError) -> [Batch] {
        var batches: [Batch] = []
        try forEach(context) { batches.append($0) }
        return batches
    }
}
