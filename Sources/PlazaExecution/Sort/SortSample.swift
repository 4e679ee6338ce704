import PlazaCore
import PlazaVector
import Synchronization

extension PackedKeyLayout {
    /// The packed key of one row given each key's order bits and NULL flag (`pack` gives the
    /// same keys).
    func key(bits: UnsafePointer<UInt64>, nulls: UnsafePointer<Bool>) -> UInt64 {
        var key: UInt64 = 0
        for (k, part) in parts.enumerated() where part.bits > 0 {
            var code = part.nullCode
            if !nulls[k] {
                let flip: UInt64 = part.isDescending ? ~0 : 0
                let base: UInt64 = part.isDescending ? ~part.maximum : part.minimum
                code = ((bits[k] ^ flip) &- base) &+ part.bias
            }
            key |= code &<< part.shift
        }
        return key
    }

    /// The packed key of row `row` of the flat key vectors `vectors` (one row: not for hot loops).
    func key(_ vectors: [ColumnVector], row: Int) -> UInt64 {
        let bits = vectors.map { $0.type != .null && $0.isValid(at: row) ? SortKeyRange.orderBits($0, row) : 0 }
        let nulls = vectors.map { $0.type == .null || !$0.isValid(at: row) }
        return key(bits: bits, nulls: nulls)
    }
}

extension SortPackedJob {
    /// The rows of ranks low..<high as flat batches, found with one pass over the keys: the
    /// sample of the keys taken while buffering (`SortSink.sampleBits`) bounds a band that holds the wanted ranks with near certainty (its edges lie
    /// 3·√(samples) sample ranks beyond them, about 6 standard deviations); one pass keeps the
    /// rows inside and counts those below. Nil when the input is small, when the band turned out
    /// to miss a wanted rank or to be far larger than expected (a sample misled by a pattern in
    /// the data), or when it would pass the memory limit: then `band` uses exact histograms.
    func sampledBand(low: Int, high: Int, context: QueryContext) throws(ExecutionError) -> [Batch]? {
        let total = sources.reduce(0) { $0 + $1.count }
        // Fewer than 1,024 samples (inputs under ~130,000 rows): histograms are cheap enough.
        if samples.count < 1024 { return nil }
        var samples = self.samples
        samples.sort()
        let sampled = samples.count
        let margin = 3 * Int(Double(sampled).squareRoot()) + 8
        let lowRank = low * sampled / total - margin
        let highRank = (high - 1) * sampled / total + margin
        if lowRank <= 0 && highRank >= sampled - 1 { return nil }
        let lowKey = lowRank <= 0 ? 0 : samples[lowRank]
        let highKey = highRank >= sampled - 1 ? UInt64.max : samples[highRank]
        // Rows expected in the band, and the most kept before giving up on the sample.
        let cap = 2 * (highRank - lowRank + 2) * (total / sampled + 1) + 65_536
        let threads = context.options.threads
        let chunks = Swift.max(1, Swift.min(sources.count, threads * 4))
        let bounds = (0...chunks).map { $0 * sources.count / chunks }
        let slots = SortBandSlots(chunks)
        let width = highKey &- lowKey
        SortParallel.run(chunks, threads: threads) { chunk in
            let packed = UnsafeMutablePointer<SortEntry>.allocate(capacity: self.largestBatch)
            defer { packed.deallocate() }
            var kept: [SortEntry] = []
            var below = 0
            for b in bounds[chunk]..<bounds[chunk + 1] {
                if slots.kept.load(ordering: .relaxed) > cap { return }
                let count = self.sources[b].count
                self.layout.pack(self.keyVectors[b], count: count, batch: b, into: packed)
                let before = kept.count
                for i in 0..<count {
                    let entry = packed[i]
                    below &+= Int(unsafeBitCast(entry.key < lowKey, to: UInt8.self))
                    if entry.key &- lowKey <= width { kept.append(entry) }
                }
                slots.kept.add(kept.count - before, ordering: .relaxed)
            }
            slots.entries[chunk] = kept
            slots.below[chunk] = below
        }
        try context.checkCancelled()
        let kept = slots.kept.load(ordering: .relaxed)
        let below = (0..<chunks).reduce(0) { $0 + slots.below[$1] }
        if kept > cap || below > low || below + kept < high { return nil }
        guard let buffers = try SortBuffers(count: kept, context: context) else { return nil }
        defer { buffers.release() }
        let entries = buffers.entries, scratch = buffers.scratch
        var position = 0
        for chunk in 0..<chunks {
            slots.entries[chunk].withUnsafeBufferPointer { part in
                if part.count > 0 { (entries + position).initialize(from: part.baseAddress!, count: part.count) }
                position += part.count
            }
        }
        precondition(position == kept, "sampled band of \(position) rows, counted \(kept)")
        let (ordered, start) = SortBand.narrowAndSort(
            entries, scratch, count: kept, low: low - below, high: high - below, threads: threads)
        return gather(ordered + start, count: high - low, threads: threads)
    }
}

/// Per-chunk results of a sampled band pass.
final class SortBandSlots: @unchecked Sendable {
    // Safe to share: chunk i writes only entries[i] and below[i]; `kept` is atomic.
    let entries: UnsafeMutablePointer<[SortEntry]>
    let below: UnsafeMutablePointer<Int>
    let chunks: Int
    let kept = Atomic<Int>(0)

    init(_ chunks: Int) {
        self.chunks = chunks
        entries = .allocate(capacity: chunks)
        entries.initialize(repeating: [], count: chunks)
        below = .allocate(capacity: chunks)
        below.initialize(repeating: 0, count: chunks)
    }

    deinit {
        entries.deinitialize(count: chunks).deallocate()
        below.deallocate()
    }
}
