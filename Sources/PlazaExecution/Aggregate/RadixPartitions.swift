#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import PlazaCore
import PlazaVector

/// Rows split by the top bits of their key hash into `AggregateOperator.radixPartitionCount`
/// partitions, buffered in memory as their packed keys (`KeyPacker`) and the aggregates' inputs,
/// in chunks of up to `ColumnVector.batchCapacity` rows.
///
/// Keys are packed once, here: the partition's table probes and stores these bytes as they are,
/// where buffering the key columns cost a second packing, and one small append per key column.
final class RadixPartitions {
    /// One per partition; each is used by one thread at a time.
    let parts: [RadixPartition]
    private let packer = KeyPacker()
    /// The rows of the batch being added, ordered by partition.
    private let order = UnsafeMutablePointer<Int32>.allocate(capacity: ColumnVector.batchCapacity)

    /// Empty partitions whose buffers are reserved from `tracker`.
    init(tracker: MemoryTracker) {
        parts = (0..<AggregateOperator.radixPartitionCount).map { _ in RadixPartition(tracker: tracker) }
    }

    deinit { order.deallocate() }

    /// Adds `count` rows (at most `ColumnVector.batchCapacity`), each to the partition of its
    /// `keys`, with its values of `inputs` (vectors over the same rows); with `firstGroup`, row
    /// `r` also records group `firstGroup + r`.
    func add(keys: [ColumnVector], inputs: [ColumnVector], count: Int, firstGroup: Int? = nil)
        throws(ExecutionError)
    {
        if count == 0 { return }
        // A chunk's offsets and hashes have room for one batch: a larger one would overrun them.
        precondition(count <= ColumnVector.batchCapacity, "radix rows come in batches of at most 2,048")
        packer.pack(keys, rowCount: count)
        let grouped = HashPartitionOrder(
            packer.hashes, count: count, shift: UInt64(64 - AggregateOperator.radixBits),
            partitionCount: AggregateOperator.radixPartitionCount, into: order)
        let flatInputs = inputs.map { $0.dictionary == nil ? $0 : $0.flattened() }
        let bytesPerRow = packer.offsets[count] / count
        for p in 0..<AggregateOperator.radixPartitionCount where grouped.starts[p + 1] > grouped.starts[p] {
            try parts[p].append(
                packer, grouped.rows(p, in: order), inputs: flatInputs, firstGroup: firstGroup,
                bytesPerRow: bytesPerRow)
        }
    }

    /// Closes every partition's last chunk.
    func sealAll() throws(ExecutionError) {
        for part in parts { try part.seal() }
    }
}

/// The rows of one radix partition: full chunks, plus the one being filled.
final class RadixPartition {
    /// The finished chunks.
    private(set) var chunks: [RadixChunk] = []
    /// Rows added.
    private(set) var rows = 0
    /// Packed key bytes added (what the partition's table will hold at most).
    private(set) var keyBytes = 0
    private var open: RadixChunk?
    private let tracker: MemoryTracker
    private var trackedBytes = 0

    /// An empty partition whose buffers are reserved from `tracker`.
    init(tracker: MemoryTracker) { self.tracker = tracker }

    deinit { tracker.release(trackedBytes) }

    /// Appends rows `rows` of `packer`'s keys and of the flat `inputs`; with `firstGroup`, records
    /// their groups (`firstGroup + row`). `bytesPerRow` sizes a new chunk's key bytes.
    func append(
        _ packer: KeyPacker, _ rows: UnsafeBufferPointer<Int32>, inputs: [ColumnVector], firstGroup: Int?,
        bytesPerRow: Int
    ) throws(ExecutionError) {
        if let open, open.count + rows.count > ColumnVector.batchCapacity { try seal() }
        let chunk: RadixChunk
        if let open {
            chunk = open
        } else {
            // Sized for a chunk of rows like these; the unused end goes back when it is sealed.
            chunk = try RadixChunk(
                inputs: inputs, keyBytes: bytesPerRow * ColumnVector.batchCapacity * 9 / 8,
                recordsGroups: firstGroup != nil)
            open = chunk
        }
        keyBytes -= chunk.keyBytes
        try chunk.append(packer, rows, inputs: inputs, firstGroup: firstGroup)
        keyBytes += chunk.keyBytes
        self.rows += rows.count
    }

    /// Closes the chunk being filled, reserving its bytes.
    func seal() throws(ExecutionError) {
        guard let chunk = open else { return }
        open = nil
        let bytes = chunk.shrink()
        try tracker.reserve(bytes, for: "hash aggregate")
        trackedBytes += bytes
        chunks.append(chunk)
    }

    /// Frees the partition's rows once they are aggregated.
    func release() {
        chunks = []
        tracker.release(trackedBytes)
        trackedBytes = 0
    }
}

/// Up to `ColumnVector.batchCapacity` rows of a radix partition: packed keys back to back, the
/// aggregates' inputs, and for routed groups each row's group in the state it came from.
final class RadixChunk {
    /// The packed keys: row `r` is `keys[offsets[r] ..< offsets[r + 1]]`.
    private(set) var keys: UnsafeMutableRawPointer
    private var keyCapacity: Int
    /// `count + 1` key offsets (4 bytes a row: a chunk's keys stay far below 2 GiB).
    let offsets: UnsafeMutablePointer<Int32>
    /// Each row's key hash, as packing computed it: the partition's table does not hash again.
    let hashes: UnsafeMutablePointer<UInt64>
    /// Per aggregate input (see `AggregateOperator.radixInputs`), the rows' values.
    let inputs: [ColumnVector]
    /// With routed groups: the group of each row in the state it came from.
    let groups: UnsafeMutablePointer<Int32>?
    /// The number of rows.
    private(set) var count = 0
    /// The packed key bytes held.
    var keyBytes: Int { Int(offsets[count]) }

    /// An empty chunk for inputs of the types of `inputs`, with room for `keyBytes` key bytes.
    init(inputs sources: [ColumnVector], keyBytes: Int, recordsGroups: Bool) throws(ExecutionError) {
        let capacity = ColumnVector.batchCapacity
        keyCapacity = Swift.max(keyBytes, 64)
        // malloc'd, so that `realloc` grows it, or gives back its unused end, in place.
        keys = try MemoryTracker.reallocate(nil, bytes: keyCapacity, for: "hash aggregate")
        offsets = .allocate(capacity: capacity + 1)
        offsets[0] = 0
        hashes = .allocate(capacity: capacity)
        inputs = sources.map { source in
            let column = ColumnVector(type: source.type, capacity: capacity)
            // Text sized once at the source's bytes per row, instead of doubling from 64 bytes.
            if source.physicalType == .string && source.count > 0 {
                column.reserveHeap(source.heapCount / source.count * capacity)
            }
            return column
        }
        groups = recordsGroups ? .allocate(capacity: capacity) : nil
    }

    deinit {
        free(keys)
        offsets.deallocate()
        hashes.deallocate()
        groups?.deallocate()
    }

    /// Appends rows `rows` of `packer`'s keys and of `inputs` (room for them is the caller's check).
    func append(
        _ packer: KeyPacker, _ rows: UnsafeBufferPointer<Int32>, inputs sources: [ColumnVector], firstGroup: Int?
    )
        throws(ExecutionError)
    {
        let sourceBytes = packer.bytes, sourceOffsets = packer.offsets, sourceHashes = packer.hashes
        var needed = Int(offsets[count])
        for row in rows { needed &+= sourceOffsets[Int(row) + 1] &- sourceOffsets[Int(row)] }
        if needed > keyCapacity { try growKeys(needed) }
        let keys = self.keys, offsets = self.offsets, hashes = self.hashes
        var end = Int(offsets[count]), at = count
        for row in rows {
            let start = sourceOffsets[Int(row)], length = sourceOffsets[Int(row) + 1] &- start
            KeyPacker.copyBytes(to: keys + end, from: sourceBytes + start, count: length)
            end &+= length
            hashes[at] = sourceHashes[Int(row)]
            at &+= 1
            offsets[at] = Int32(truncatingIfNeeded: end)
        }
        for (column, source) in zip(inputs, sources) { column.appendRows(of: source, rows) }
        if let groups, let firstGroup {
            for (index, row) in rows.enumerated() {
                groups[count &+ index] = Int32(truncatingIfNeeded: firstGroup &+ Int(row))
            }
        }
        count = at
    }

    @inline(never)
    private func growKeys(_ needed: Int) throws(ExecutionError) {
        var capacity = keyCapacity * 2
        while capacity < needed { capacity *= 2 }
        keys = try MemoryTracker.reallocate(keys, bytes: capacity, for: "hash aggregate")
        keyCapacity = capacity
    }

    /// Gives back the key bytes beyond those used; returns the bytes the chunk holds.
    func shrink() -> Int {
        let used = Swift.max(Int(offsets[count]), 64)
        if used < keyCapacity, let exact = realloc(keys, used) {
            keys = exact
            keyCapacity = used
        }
        var bytes = keyCapacity + (ColumnVector.batchCapacity + 1) * 12 + (groups == nil ? 0 : count * 4)
        for column in inputs {
            bytes += column.capacity * Swift.max(column.byteWidth, 4) + column.heapCapacity + column.capacity / 8
        }
        return bytes
    }
}
