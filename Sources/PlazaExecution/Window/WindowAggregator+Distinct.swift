import PlazaCore
import PlazaVector

extension WindowAggregator {
    /// string_agg over frames, values joined in window order. A frame that only grows (UNBOUNDED
    /// PRECEDING, or the same frame again) appends to the previous row's text; any other frame is
    /// rebuilt from its values, O(frame) a row, as DuckDB does (each row's result is a copy of
    /// its whole text anyway). DISTINCT keeps each text's first occurrence in the frame.
    func stringAggregates(_ argument: ColumnVector, _ frames: WindowFrames, _ included: [Bool])
        throws(ExecutionError) -> ColumnVector
    {
        let n = layout.count
        var separator = Array(",".utf8)
        if case .varchar(let text)? = call.constants.first { separator = Array(text.utf8) }
        // Results in window order first (a text vector only appends), then gathered to input order.
        let sortedOut = ColumnVector(type: .varchar, capacity: n)
        var text: [UInt8] = []
        var seen = Set<[UInt8]>()
        var hasValue = false
        var current = (start: -1, end: -1)
        func add(_ positions: Range<Int>) {
            for q in positions where included[q] {
                let bytes = argument.bytes(at: Int(layout.order[q]))
                if call.isDistinct && !seen.insert(Array(bytes)).inserted { continue }
                if hasValue { text.append(contentsOf: separator) }
                text.append(contentsOf: bytes)
                hasValue = true
            }
        }
        for p in 0..<n {
            let s = Int(frames.start[p]), e = Int(frames.end[p])
            if s == current.start && e >= current.end {
                add(current.end..<e)
            } else {
                text.removeAll(keepingCapacity: true)
                seen.removeAll(keepingCapacity: true)
                hasValue = false
                add(s..<e)
            }
            current = (s, e)
            guard hasValue else {
                sortedOut.appendNull()
                continue
            }
            // Text vectors address their bytes with Int32 offsets.
            guard sortedOut.heapCount + text.count < Int(Int32.max) else {
                throw ExecutionError(
                    .memoryLimit,
                    "string_agg(…) OVER (…) makes more than 2 GiB of text; use a smaller frame or fewer rows")
            }
            text.withUnsafeBytes { sortedOut.appendBytes($0) }
        }
        return gatherFromWindowOrder(sortedOut)
    }

    /// approx_count_distinct over frames, as the grouped aggregate answers it: the exact count of
    /// distinct values up to `HyperLogLogAccumulator.exactLimit`, the HyperLogLog estimate of the
    /// frame's values beyond.
    ///
    /// The exact count is the number of frame positions whose previous occurrence of the same
    /// value lies before the frame: a count below a bound in a wavelet matrix over those previous
    /// positions, O(log n) a row. A larger frame's sketch grows with a frame that only grows and is
    /// rebuilt otherwise (O(frame) a row, only for frames of more than 256 distinct values).
    func approximateDistinctCounts(_ argument: ColumnVector, _ frames: WindowFrames, _ included: [Bool])
        -> ColumnVector
    {
        let n = layout.count
        // The same hashes as the grouped aggregate's, so that its sketch and this one agree.
        let packer = KeyPacker()
        packer.pack([argument], rowCount: argument.count)
        var hashes = [UInt64](repeating: 0, count: n)
        for p in 0..<n { hashes[p] = packer.hashes[Int(layout.order[p])] }
        // Per position: 1 + the previous included position of its value in its partition (0 if
        // none); excluded positions n + 1, which no frame start + 1 exceeds.
        var previous = [UInt32](repeating: UInt32(n + 1), count: n)
        var lastSeen: [UInt64: Int] = [:]
        for partition in 0..<(layout.partitionStarts.count - 1) {
            lastSeen.removeAll(keepingCapacity: true)
            for p in layout.partitionStarts[partition]..<layout.partitionStarts[partition + 1] where included[p] {
                previous[p] = UInt32(lastSeen.updateValue(p, forKey: hashes[p]).map { $0 + 1 } ?? 0)
            }
        }
        var bits = 1
        while UInt64(1) << UInt64(bits) <= UInt64(n + 1) { bits += 1 }
        let matrix = previous.withUnsafeBufferPointer { WaveletMatrix($0, bits: bits) }
        let out = ColumnVector(type: .bigint, capacity: n)
        out.setCount(n)
        let values = out.values(as: Int64.self)
        var last = (start: -1, end: -1, count: Int64(0))
        var sketch = [UInt8](repeating: 0, count: 1 << HyperLogLogAccumulator.precision)
        var sketched = (start: -1, end: -1)
        for p in 0..<n {
            let s = Int(frames.start[p]), e = Int(frames.end[p])
            if s != last.start || e != last.end {
                var count = Int64(matrix.countBelow(s, e, UInt64(s + 1)))
                if count > Int64(HyperLogLogAccumulator.exactLimit) {
                    var from = sketched.end
                    if s != sketched.start || e < sketched.end {
                        for i in sketch.indices { sketch[i] = 0 }
                        from = s
                    }
                    for q in from..<e where included[q] { HyperLogLogAccumulator.addToSketch(hashes[q], &sketch) }
                    sketched = (s, e)
                    count = HyperLogLogAccumulator.estimate(sketch)
                }
                last = (s, e, count)
            }
            values[Int(layout.order[p])] = last.count
        }
        return out
    }

    /// `vector`, whose entries are in window order, rearranged into input row order.
    func gatherFromWindowOrder(_ vector: ColumnVector) -> ColumnVector {
        var positions = [Int32](repeating: 0, count: layout.count)
        for p in 0..<layout.count { positions[Int(layout.order[p])] = Int32(p) }
        return positions.withUnsafeBufferPointer { GatherKernel.gather(vector, $0) }
    }
}
