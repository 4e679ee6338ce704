import PlazaCore
import PlazaVector

extension SortOperator {
    /// Sorts the buffered rows of `sinks` by packed keys when every key is fixed-width and all of
    /// them fit in 64 bits together; nil when they do not (or the entries would pass the memory
    /// limit), and then the caller sorts by normalized byte keys instead.
    ///
    /// One (key, row) entry per row is radix sorted on all cores; with LIMIT/OFFSET, the keys at
    /// the first and last wanted rank are found by histograms instead (no sort), and only the rows
    /// between them are sorted. The payload columns are gathered once, for the rows returned.
    func runPacked(_ sinks: [SortSink]) throws(ExecutionError) -> [Batch]? {
        guard isPackable else { return nil }
        var sources: [Batch] = []
        var keyVectors: [[ColumnVector]] = []
        var ranges = [SortKeyRange](repeating: SortKeyRange(), count: keys.count)
        for sink in sinks {
            sources += sink.batches
            keyVectors += sink.keyVectors
            for k in ranges.indices { ranges[k].merge(sink.ranges[k]) }
        }
        guard let layout = PackedKeyLayout(ranges, directions) else { return nil }
        var starts: [Int] = []
        var total = 0
        for batch in sources {
            starts.append(total)
            total += batch.count
        }
        let low = offset
        var high = total
        if let limit {
            let (end, overflow) = offset.addingReportingOverflow(limit)
            if !overflow { high = Swift.min(total, end) }
        }
        if low >= high { return [] }
        let threads = context.options.threads
        var samples: [UInt64] = []
        for sink in sinks {
            sink.sampleBits.withUnsafeBufferPointer { bits in
                sink.sampleNulls.withUnsafeBufferPointer { nulls in
                    var start = 0
                    while start < bits.count {
                        samples.append(layout.key(bits: bits.baseAddress! + start, nulls: nulls.baseAddress! + start))
                        start += keys.count
                    }
                }
            }
        }
        let job = SortPackedJob(sources: sources, keyVectors: keyVectors, layout: layout, samples: samples)
        if low > 0 || high < total {
            return try job.band(low: low, high: high, context: context)
        }
        let n = total
        guard let buffers = try SortBuffers(count: n, context: context) else { return nil }
        defer { buffers.release() }
        let entries = buffers.entries, scratch = buffers.scratch
        let target = SortShared(entries)
        let firstRows = starts
        SortParallel.run(sources.count, threads: threads) { b in
            job.layout.pack(job.keyVectors[b], count: job.sources[b].count, batch: b, into: target.base + firstRows[b])
        }
        try context.checkCancelled()
        let ordered = SortRadix.sort(entries, scratch, count: n, bits: layout.totalBits, threads: threads)
        try context.checkCancelled()
        return job.gather(ordered, count: n, threads: threads)
    }
}

/// The buffered rows and keys of one packed sort, shared by its threads.
final class SortPackedJob: @unchecked Sendable {
    // Safe to share: everything is read-only after init.
    let sources: [Batch]
    let keyVectors: [[ColumnVector]]
    let layout: PackedKeyLayout
    /// Per column: each source batch's `data` (values or string offsets) and `heap`.
    private let data: [[UnsafeMutableRawPointer]]
    private let heaps: [[UnsafeMutableRawPointer]]
    /// Per column: each source batch's validity words (nil when it has no NULLs), and whether
    /// any source has NULLs.
    private let validity: [[UnsafeMutablePointer<UInt64>?]]
    private let hasNulls: [Bool]

    /// Packed keys of a sample of the rows (for `sampledBand`).
    let samples: [UInt64]

    init(sources: [Batch], keyVectors: [[ColumnVector]], layout: PackedKeyLayout, samples: [UInt64] = []) {
        self.samples = samples
        self.sources = sources
        self.keyVectors = keyVectors
        self.layout = layout
        let columns = sources.first?.columns.count ?? 0
        data = (0..<columns).map { c in sources.map { $0.columns[c].data } }
        heaps = (0..<columns).map { c in sources.map { $0.columns[c].heap } }
        validity = (0..<columns).map { c in sources.map { $0.columns[c].validity.words } }
        hasNulls = validity.map { $0.contains { $0 != nil } }
    }

    /// The rows of `ordered` (`count` entries) as flat batches of at most 2,048 rows, in order.
    func gather(_ ordered: UnsafeMutablePointer<SortEntry>, count: Int, threads: Int) -> [Batch] {
        let capacity = ColumnVector.batchCapacity
        let batches = (count + capacity - 1) / capacity
        let output = UnsafeMutablePointer<Batch?>.allocate(capacity: Swift.max(batches, 1))
        output.initialize(repeating: nil, count: batches)
        defer { output.deinitialize(count: batches).deallocate() }
        let refs = SortShared(ordered), slots = SortShared(output)
        SortParallel.run(batches, threads: threads) { j in
            let start = j * capacity
            slots.base[j] = self.gatherBatch(refs.base + start, count: Swift.min(capacity, count - start))
        }
        return (0..<batches).map { output[$0]! }
    }

    private func gatherBatch(_ refs: UnsafeMutablePointer<SortEntry>, count: Int) -> Batch {
        var columns: [ColumnVector] = []
        for c in 0..<sources[0].columns.count {
            let type = sources[0].columns[c].type
            let out = ColumnVector(type: type, capacity: Swift.max(count, 1))
            switch out.physicalType {
            case .uint8: gatherFixed(c, refs, count, out, UInt8.self)
            case .int32: gatherFixed(c, refs, count, out, Int32.self)
            case .int64: gatherFixed(c, refs, count, out, Int64.self)
            case .double: gatherFixed(c, refs, count, out, Double.self)
            case .interval: gatherFixed(c, refs, count, out, Interval.self)
            case .int128: gatherFixed(c, refs, count, out, Int128.self)
            case .string: gatherStrings(c, refs, count, out)
            }
            if hasNulls[c] {
                validity[c].withUnsafeBufferPointer { words in
                    for i in 0..<count {
                        let ref = refs[i].ref
                        guard let source = words[Int(ref &>> 32)] else { continue }
                        let row = Int(ref & 0xFFFF_FFFF)
                        if source[row &>> 6] & (1 &<< UInt64(row & 63)) == 0 { out.setValid(false, at: i) }
                    }
                }
            }
            out.setCount(count)
            columns.append(out)
        }
        return Batch(columns: columns, count: count)
    }

    @inline(__always)
    private func gatherFixed<T>(
        _ c: Int, _ refs: UnsafeMutablePointer<SortEntry>, _ count: Int, _ out: ColumnVector, _: T.Type
    ) {
        let target = out.data.assumingMemoryBound(to: T.self)
        data[c].withUnsafeBufferPointer { bases in
            for i in 0..<count {
                let ref = refs[i].ref
                target[i] = bases[Int(ref &>> 32)].assumingMemoryBound(to: T.self)[Int(ref & 0xFFFF_FFFF)]
            }
        }
    }

    private func gatherStrings(_ c: Int, _ refs: UnsafeMutablePointer<SortEntry>, _ count: Int, _ out: ColumnVector) {
        data[c].withUnsafeBufferPointer { bases in
            heaps[c].withUnsafeBufferPointer { heaps in
                var total = 0
                for i in 0..<count {
                    let ref = refs[i].ref
                    let offsets = bases[Int(ref &>> 32)].assumingMemoryBound(to: Int32.self),
                        row = Int(ref & 0xFFFF_FFFF)
                    total += Int(offsets[row + 1] - offsets[row])
                }
                out.reserveHeap(total)
                let target = out.offsets, heap = out.heap
                var position = 0
                for i in 0..<count {
                    let ref = refs[i].ref
                    let b = Int(ref &>> 32), row = Int(ref & 0xFFFF_FFFF)
                    let offsets = bases[b].assumingMemoryBound(to: Int32.self)
                    let start = Int(offsets[row]), length = Int(offsets[row + 1]) - start
                    if length > 0 { (heap + position).copyMemory(from: heaps[b] + start, byteCount: length) }
                    position += length
                    target[i + 1] = Int32(position)
                }
                out.setHeapCount(position)
            }
        }
    }
}

/// The two buffers a packed sort works in (its entries and the radix sort's scratch), counted
/// against the memory limit.
struct SortBuffers {
    /// Room for the entries being sorted.
    let entries: UnsafeMutablePointer<SortEntry>
    /// As much room again, for the radix sort's passes.
    let scratch: UnsafeMutablePointer<SortEntry>
    private let bytes: Int
    private let tracker: MemoryTracker

    /// Reserves and allocates room for `count` entries; nil when the memory limit refuses it (the
    /// caller then takes the path that spills).
    init?(count: Int, context: QueryContext) throws(ExecutionError) {
        let capacity = Swift.max(count, 1)
        let bytes = 2 * capacity * MemoryLayout<SortEntry>.stride
        do {
            try context.tracker.reserve(bytes, for: "ORDER BY")
        } catch {
            if case .memoryLimit = error.kind { return nil }
            throw error
        }
        self.bytes = bytes
        self.tracker = context.tracker
        self.entries = .allocate(capacity: capacity)
        self.scratch = .allocate(capacity: capacity)
    }

    /// Frees both buffers and returns their bytes to the memory limit.
    func release() {
        entries.deallocate()
        scratch.deallocate()
        tracker.release(bytes)
    }
}
