import PlazaCore
import PlazaVector

/// ORDER BY … LIMIT … OFFSET over packed keys without sorting every row.
///
/// Large inputs first try a band bounded by a sample of the keys (`sampledBand`, one pass).
/// Otherwise a first pass packs every row's key (into a small per-batch buffer, never for all rows at
/// once) and counts the keys by their top 16 bits; the buckets holding ranks [low, high) form the
/// band. A second pass packs again and keeps only the entries in the band (in input order), and
/// the rows below it are just counted. While the band is much larger than the wanted rows (keys
/// crowded into few buckets), it is narrowed again by histograms of its own key range; then the
/// band is sorted and sliced. Ties keep input order throughout, as the full sort does.
extension SortPackedJob {
    /// The rows of ranks low..<high as flat batches, or nil when the band would pass the memory
    /// limit (then the caller sorts another way).
    func band(low: Int, high: Int, context: QueryContext) throws(ExecutionError) -> [Batch]? {
        if let result = try sampledBand(low: low, high: high, context: context) { return result }
        let threads = context.options.threads
        let bits = layout.totalBits
        let digitBits = Swift.min(bits, 16)
        let shift = UInt64(bits - digitBits)
        let buckets = 1 << digitBits
        // Contiguous ranges of batches, a few per thread, each with its own histogram.
        let chunks = Swift.max(1, Swift.min(sources.count, threads * 4))
        let bounds = (0...chunks).map { $0 * sources.count / chunks }
        let histograms = UnsafeMutablePointer<Int>.allocate(capacity: chunks * buckets)
        defer { histograms.deallocate() }
        histograms.initialize(repeating: 0, count: chunks * buckets)
        let table = SortShared(histograms)
        SortParallel.run(chunks, threads: threads) { chunk in
            let histogram = table.base + chunk * buckets
            let packed = UnsafeMutablePointer<SortEntry>.allocate(capacity: self.largestBatch)
            defer { packed.deallocate() }
            for b in bounds[chunk]..<bounds[chunk + 1] {
                let count = self.sources[b].count
                self.layout.pack(self.keyVectors[b], count: count, batch: b, into: packed)
                for i in 0..<count { histogram[Int(truncatingIfNeeded: packed[i].key &>> shift)] &+= 1 }
            }
        }
        try context.checkCancelled()
        let totals = (0..<buckets).map { bucket in (0..<chunks).reduce(0) { $0 + histograms[$1 * buckets + bucket] } }
        let (first, last, below, kept) = SortBand.buckets(totals, low: low, high: high)
        // Where each chunk's band entries start.
        var starts: [Int] = []
        var position = 0
        for chunk in 0..<chunks {
            starts.append(position)
            for bucket in first...last { position += histograms[chunk * buckets + bucket] }
        }
        let chunkStarts = starts
        guard let buffers = try SortBuffers(count: kept, context: context) else { return nil }
        defer { buffers.release() }
        let entries = buffers.entries, scratch = buffers.scratch
        let target = SortShared(entries)
        let (lowest, width) = (UInt64(first), UInt64(last - first))
        SortParallel.run(chunks, threads: threads) { chunk in
            let packed = UnsafeMutablePointer<SortEntry>.allocate(capacity: self.largestBatch)
            defer { packed.deallocate() }
            var p = chunkStarts[chunk]
            for b in bounds[chunk]..<bounds[chunk + 1] {
                let count = self.sources[b].count
                self.layout.pack(self.keyVectors[b], count: count, batch: b, into: packed)
                for i in 0..<count {
                    let entry = packed[i]
                    if (entry.key &>> shift) &- lowest <= width {
                        target.base[p] = entry
                        p &+= 1
                    }
                }
            }
        }
        try context.checkCancelled()
        let (ordered, start) = SortBand.narrowAndSort(
            entries, scratch, count: kept, low: low - below, high: high - below, threads: threads)
        return gather(ordered + start, count: high - low, threads: threads)
    }

    /// The most rows in one source batch.
    var largestBatch: Int { Swift.max(1, sources.reduce(0) { Swift.max($0, $1.count) }) }
}

/// The band steps of `SortPackedJob.band`, on entries in memory.
enum SortBand {
    /// The first and last bucket of `counts` holding ranks low..<high, the entries below the
    /// first, and the entries in first...last.
    static func buckets(_ counts: [Int], low: Int, high: Int) -> (first: Int, last: Int, below: Int, kept: Int) {
        precondition(0 <= low && low < high, "empty band \(low)..<\(high)")
        var first = -1, last = -1, below = 0, seen = 0
        for (bucket, n) in counts.enumerated() {
            if first < 0 && low < seen + n {
                first = bucket
                below = seen
            }
            if high - 1 < seen + n {
                last = bucket
                seen += n
                break
            }
            seen += n
        }
        precondition(first >= 0 && last >= first, "ranks \(low)..<\(high) past \(seen) entries")
        return (first, last, below, seen - below)
    }

    /// Sorts the `count` entries at `data` enough to give ranks low..<high: returns the buffer
    /// (`data` or `scratch`) and the position of rank `low` in it; the next `high - low` entries
    /// are ranks low..<high in order. Keys may be changed.
    static func narrowAndSort(
        _ data: UnsafeMutablePointer<SortEntry>, _ scratch: UnsafeMutablePointer<SortEntry>, count: Int, low: Int,
        high: Int, threads: Int
    ) -> (UnsafeMutablePointer<SortEntry>, Int) {
        var (source, target) = (data, scratch)
        var (n, low, high) = (count, low, high)
        var counts = [Int](repeating: 0, count: 1 << 16)
        while true {
            var smallest = UInt64.max, largest: UInt64 = 0
            for i in 0..<n {
                smallest = Swift.min(smallest, source[i].key)
                largest = Swift.max(largest, source[i].key)
            }
            // All keys equal: input order is the order.
            if smallest == largest { return (source, low) }
            let spanBits = 64 - (largest &- smallest).leadingZeroBitCount
            if n <= Swift.max(4 * (high - low), 65_536) {
                for i in 0..<n { source[i].key &-= smallest }
                let sorted = SortRadix.sort(source, target, count: n, bits: spanBits, threads: threads)
                return (sorted, low)
            }
            // Narrow by the top 16 bits of the band's own key range.
            let digitBits = Swift.min(spanBits, 16)
            let shift = UInt64(spanBits - digitBits)
            let bucketCount = 1 << digitBits
            for b in 0..<bucketCount { counts[b] = 0 }
            for i in 0..<n { counts[Int(truncatingIfNeeded: (source[i].key &- smallest) &>> shift)] &+= 1 }
            let (first, last, below, kept) = SortBand.buckets(Array(counts[0..<bucketCount]), low: low, high: high)
            if kept == n {
                // The wanted ranks span the whole range: nothing to drop, so sort it all.
                for i in 0..<n { source[i].key &-= smallest }
                let sorted = SortRadix.sort(source, target, count: n, bits: spanBits, threads: threads)
                return (sorted, low)
            }
            var p = 0
            let (lowest, width) = (UInt64(first), UInt64(last - first))
            for i in 0..<n {
                let entry = source[i]
                if ((entry.key &- smallest) &>> shift) &- lowest <= width {
                    target[p] = entry
                    p &+= 1
                }
            }
            precondition(p == kept, "band copy \(p) of \(kept)")
            swap(&source, &target)
            n = kept
            low -= below
            high -= below
        }
    }
}
