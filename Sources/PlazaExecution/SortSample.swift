import PlazaCore
import PlazaVector
import Synchronization

extension PackedKeyLayout {
    /// The packed key of row `row` of the flat key vectors `vectors` (one row: for samples, not
    /// for hot loops; `pack` gives the same keys).
    func key(_ vectors: [ColumnVector], row: Int) -> UInt64 {
        var key: UInt64 = 0
        for (part, vector) in zip(parts, vectors) where part.bits > 0 {
            var code = part.nullCode
            if vector.isValid(at: row) {
                let bits: UInt64
                switch vector.physicalType {
                case .uint8: bits = UInt8.orderBits(vector.data.load(fromByteOffset: row, as: UInt8.self))
                case .int32: bits = Int32.orderBits(vector.data.load(fromByteOffset: row * 4, as: Int32.self))
                case .int64: bits = Int64.orderBits(vector.data.load(fromByteOffset: row * 8, as: Int64.self))
                case .double: bits = Double.orderBits(vector.data.load(fromByteOffset: row * 8, as: Double.self))
                case .string, .interval: preconditionFailure("no packed key for \(vector.type)")
                }
                let flip: UInt64 = part.isDescending ? ~0 : 0
                let base: UInt64 = part.isDescending ? ~part.maximum : part.minimum
                code = ((bits ^ flip) &- base) &+ part.bias
            }
            key |= code &<< part.shift
        }
        return key
    }
}

extension SortPackedJob {
    /// Rows sampled at most, to bound the band of a large LIMIT/OFFSET.
    static let sampleSize = 65_536

    /// The rows of ranks low..<high as flat batches, found with one pass over the keys: a sample
    /// of the keys bounds a band that holds the wanted ranks with near certainty (its edges lie
    /// 3·√(samples) sample ranks beyond them, about 6 standard deviations); one pass keeps the
    /// rows inside and counts those below. Nil when the input is small, when the band turned out
    /// to miss a wanted rank or to be far larger than expected (a sample misled by a pattern in
    /// the data), or when it would pass the memory limit: then `band` uses exact histograms.
    func sampledBand(low: Int, high: Int, context: QueryContext) throws(ExecutionError) -> [Batch]? {
        let total = sources.reduce(0) { $0 + $1.count }
        let stride = total / SortPackedJob.sampleSize
        if stride < 2 { return nil }
        var samples: [UInt64] = []
        samples.reserveCapacity(total / stride + 1)
        var first = 0
        for b in sources.indices {
            let count = sources[b].count
            var row = (stride - first % stride) % stride
            while row < count {
                samples.append(layout.key(keyVectors[b], row: row))
                row += stride
            }
            first += count
        }
        samples.sort()
        let sampled = samples.count
        let margin = 3 * Int(Double(sampled).squareRoot()) + 8
        let lowRank = low * sampled / total - margin
        let highRank = (high - 1) * sampled / total + margin
        if lowRank <= 0 && highRank >= sampled - 1 { return nil }
        let lowKey = lowRank <= 0 ? 0 : samples[lowRank]
        let highKey = highRank >= sampled - 1 ? UInt64.max : samples[highRank]
        // Rows expected in the band, and the most kept before giving up on the sample.
        let cap = 2 * (highRank - lowRank + 2) * stride + 65_536
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
        let bytes = 2 * Swift.max(kept, 1) * MemoryLayout<SortEntry>.stride
        do {
            try context.tracker.reserve(bytes, for: "ORDER BY")
        } catch {
            if case .memoryLimit = error.kind { return nil }
            throw error
        }
        defer { context.tracker.release(bytes) }
        let entries = UnsafeMutablePointer<SortEntry>.allocate(capacity: Swift.max(kept, 1))
        let scratch = UnsafeMutablePointer<SortEntry>.allocate(capacity: Swift.max(kept, 1))
        defer {
            entries.deallocate()
            scratch.deallocate()
        }
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
