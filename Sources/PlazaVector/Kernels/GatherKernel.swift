import PlazaCore

/// Copies rows of vectors by position: compaction after a filter, join output, sort output.
@usableFromInline package enum GatherKernel {
    /// A vector holding `source`'s rows at `indices`, in that order; an index of -1 gives NULL.
    ///
    /// A dictionary vector gives a dictionary vector over the same dictionary. Cost: O(indices.count) plus the
    /// string bytes copied.
    package static func gather(_ source: ColumnVector, _ indices: UnsafeBufferPointer<Int32>) -> ColumnVector {
        let count = indices.count
        // A bitmap whose rows are all valid gathers as no bitmap: only missing rows make NULLs.
        // Checked only on a source not much larger than the gather: a batch gathered from a 10M-row
        // window result or a join's build side would scan the whole bitmap for every batch (the
        // gathered rows' own bits, tested below, drop the bitmap as well).
        let checksSource = source.count <= 8 &* count &+ 4096
        let validity = checksSource && allValid(source) ? ValidityBitmap(words: nil) : source.validity
        let hasMissing = anyMissing(indices)
        if let dictionary = source.dictionary {
            // Gather the codes and keep the dictionary, so later operators can still work on codes.
            let out = ColumnVector(type: source.type, capacity: Swift.max(count, 1))
            out.makeDictionary(dictionary, count: count)
            let codes = source.values(as: UInt32.self)
            let target = out.values(as: UInt32.self)
            if hasMissing {
                for i in 0..<count {
                    let row = Int(indices[i])
                    target[i] = row < 0 ? 0 : codes[row]
                }
            } else {
                for i in 0..<count { target[i] = codes[Int(indices[i])] }
            }
            // Kept only when a gathered row is NULL: a bitmap of all-valid rows would send later
            // operators down their NULL paths (a NULL group) for nothing.
            if hasMissing || validity.words != nil { gatherValidityIfNull(validity, indices, hasMissing, into: out) }
            return out
        }
        let out = ColumnVector(type: source.type, capacity: Swift.max(count, 1))
        switch source.physicalType {
        case .string:
            var total = 0
            let offsets = source.offsets
            for i in 0..<count where indices[i] >= 0 {
                let row = Int(indices[i])
                total += Int(offsets[row + 1] - offsets[row])
            }
            out.reserveHeap(total)
            let outOffsets = out.offsets
            var position = 0
            let heap = out.heap
            for i in 0..<count {
                let row = Int(indices[i])
                if row >= 0 {
                    let start = Int(offsets[row]), length = Int(offsets[row + 1]) - start
                    if length > 0 { (heap + position).copyMemory(from: source.heap + start, byteCount: length) }
                    position += length
                }
                outOffsets[i + 1] = Int32(position)
            }
            out.setHeapCount(position)
            out.setCount(count)
        case .uint8: gatherFixed(source, out, indices, UInt8.self)
        case .int32: gatherFixed(source, out, indices, Int32.self)
        case .int64: gatherFixed(source, out, indices, Int64.self)
        case .double: gatherFixed(source, out, indices, Double.self)
        case .interval: gatherFixed(source, out, indices, Interval.self)
        case .int128: gatherFixed(source, out, indices, Int128.self)
        }
        if hasMissing || validity.words != nil { gatherValidityIfNull(validity, indices, hasMissing, into: out) }
        return out
    }

    /// Gives `out` the validity of the gathered rows, a word of 64 rows at a time, and drops the
    /// bitmap again when every gathered row is valid (one pass, where testing first took two).
    static func gatherValidityIfNull(
        _ validity: ValidityBitmap, _ indices: UnsafeBufferPointer<Int32>, _ hasMissing: Bool, into out: ColumnVector
    ) {
        guard !hasMissing, let source = validity.words else {
            if anyNullGathered(validity, indices) { gatherValidity(validity, indices, into: out) }
            return
        }
        let count = indices.count
        guard count > 0 else { return }
        out.setValid(false, at: 0)  // creates the bitmap; every word is rewritten below
        let words = out.validityWords
        var all: UInt64 = ~0
        var start = 0
        while start < count {
            let end = Swift.min(start &+ 64, count)
            var word: UInt64 = 0
            for i in start..<end {
                let row = Int(truncatingIfNeeded: indices[i])
                word |= ((source[row &>> 6] &>> UInt64(row & 63)) & 1) &<< UInt64(i & 63)
            }
            // Bits past `count` stay set, as `setValid` leaves them.
            if end &- start < 64 { word |= ~0 &<< UInt64(end &- start) }
            words[start &>> 6] = word
            all &= word
            start = end
        }
        if all == ~0 { out.hasNulls = false }
    }

    /// Whether `source` has no bitmap or one whose first `source.count` bits are all set: a
    /// check of at most count / 64 words.
    static func allValid(_ source: ColumnVector) -> Bool {
        guard let words = source.validity.words else { return true }
        let n = source.count
        var all: UInt64 = ~0
        for w in 0..<(n &>> 6) { all &= words[w] }
        if n & 63 != 0 { all &= words[n &>> 6] | (~0 &<< UInt64(n & 63)) }
        return all == ~0
    }

    /// Whether any index is negative (a missing row): one branch-free pass.
    static func anyMissing(_ indices: UnsafeBufferPointer<Int32>) -> Bool {
        var signs: Int32 = 0
        for index in indices { signs |= index }
        return signs < 0
    }

    /// Whether any row of `indices` is NULL in `validity` or missing (negative): one branch-free pass.
    static func anyNullGathered(_ validity: ValidityBitmap, _ indices: UnsafeBufferPointer<Int32>) -> Bool {
        guard let words = validity.words else {
            var signs: Int32 = 0
            for index in indices { signs |= index }
            return signs < 0
        }
        var allValid: UInt64 = 1
        for index in indices {
            let row = Int(index)
            let safe = Swift.max(row, 0)  // a missing row (-1) reads row 0's bit, then counts as NULL
            let bit = (words[safe &>> 6] &>> UInt64(safe & 63)) & 1
            allValid &= row < 0 ? 0 : bit
        }
        return allValid == 0
    }

    /// Sets `out`'s validity to that of the gathered rows (a negative index is NULL), a word at a time.
    static func gatherValidity(
        _ validity: ValidityBitmap, _ indices: UnsafeBufferPointer<Int32>, into out: ColumnVector
    ) {
        let count = indices.count
        guard count > 0 else { return }
        out.setValid(false, at: 0)  // creates the bitmap; every word is rewritten below
        let words = out.validityWords
        var start = 0
        while start < count {
            let end = Swift.min(start + 64, count)
            var word: UInt64 = 0
            for i in start..<end {
                let row = Int(indices[i])
                let bit: UInt64 = row < 0 ? 0 : (validity.isValid(at: row) ? 1 : 0)
                word |= bit &<< UInt64(i & 63)
            }
            // Bits past `count` stay set, as `setValid` leaves them.
            if end - start < 64 { word |= ~0 &<< UInt64(end - start) }
            words[start &>> 6] = word
            start = end
        }
    }

    @inline(__always)
    static func gatherFixed<T>(
        _ source: ColumnVector, _ out: ColumnVector, _ indices: UnsafeBufferPointer<Int32>, _: T.Type
    ) {
        let input = source.data.assumingMemoryBound(to: T.self)
        let output = out.data.assumingMemoryBound(to: T.self)
        if !anyMissing(indices) {
            for i in 0..<indices.count { output[i] = input[Int(indices[i])] }
            out.setCount(indices.count)
            return
        }
        let zero = source.count > 0 ? input[0] : nil
        for i in 0..<indices.count {
            let row = Int(indices[i])
            if row >= 0 {
                output[i] = input[row]
            } else if let zero {
                output[i] = zero
            } else {
                (out.data + i * MemoryLayout<T>.stride).initializeMemory(
                    as: UInt8.self, repeating: 0, count: MemoryLayout<T>.stride)
            }
        }
        out.setCount(indices.count)
    }

    /// A flat vector of the rows `range` of `source` (dictionary vectors decoded).
    package static func slice(_ source: ColumnVector, _ range: Range<Int>) -> ColumnVector {
        let indices = UnsafeMutableBufferPointer<Int32>.allocate(capacity: Swift.max(range.count, 1))
        defer { indices.deallocate() }
        for (i, row) in range.enumerated() { indices[i] = Int32(row) }
        return gather(source, UnsafeBufferPointer(rebasing: indices[0..<range.count])).flattened()
    }

    /// One flat vector holding every row of `parts`, in order.
    package static func concatenate(_ parts: [ColumnVector], type: DataType) -> ColumnVector {
        let total = parts.reduce(0) { $0 + $1.count }
        let out = ColumnVector(type: type, capacity: Swift.max(total, 1))
        if type.physicalType == .string {
            out.reserveHeap(parts.reduce(0) { $0 + ($1.isDictionary ? 0 : $1.heapCount) })
        }
        for part in parts {
            let flat = part.flattened()
            let base = out.count
            switch flat.physicalType {
            case .string:
                let heapBase = out.heapCount
                out.reserveHeap(flat.heapCount)
                if flat.heapCount > 0 { (out.heap + heapBase).copyMemory(from: flat.heap, byteCount: flat.heapCount) }
                let source = flat.offsets, target = out.offsets
                for row in 0..<flat.count { target[base + row + 1] = Int32(heapBase) + source[row + 1] }
                out.setHeapCount(heapBase + flat.heapCount)
            default:
                (out.data + base * flat.byteWidth).copyMemory(from: flat.data, byteCount: flat.count * flat.byteWidth)
            }
            out.count = base + flat.count
            // A new bitmap starts all valid, so only the NULL rows need marking.
            if flat.hasNulls {
                for row in 0..<flat.count where !flat.isValid(at: row) { out.setValid(false, at: base + row) }
            }
        }
        return out
    }

    /// A vector of `count` copies of `value` (NULL allowed).
    package static func constant(_ value: Value, type: DataType, count: Int) -> ColumnVector {
        let out = ColumnVector(type: type, capacity: Swift.max(count, 1))
        if value.isNull {
            for _ in 0..<count { out.appendNull() }
            return out
        }
        guard count > 0 else { return out }
        // The first copy through the typed append, the others as bytes (a literal in an expression
        // becomes one of these per batch).
        out.append(value: value)
        if out.physicalType == .string {
            let length = Int(out.offsets[1])
            out.reserveHeap(length * (count - 1))
            let heap = out.heap, offsets = out.offsets
            for row in 1..<count {
                if length > 0 { (heap + row * length).copyMemory(from: heap, byteCount: length) }
                offsets[row + 1] = Int32(truncatingIfNeeded: (row + 1) * length)
            }
            out.setHeapCount(length * count)
        } else {
            let width = out.byteWidth
            switch width {
            case 8:
                let data = out.data.assumingMemoryBound(to: UInt64.self)
                (data + 1).update(repeating: data[0], count: count - 1)
            case 4:
                let data = out.data.assumingMemoryBound(to: UInt32.self)
                (data + 1).update(repeating: data[0], count: count - 1)
            case 1:
                let data = out.data.assumingMemoryBound(to: UInt8.self)
                (data + 1).update(repeating: data[0], count: count - 1)
            default:
                for row in 1..<count { (out.data + row * width).copyMemory(from: out.data, byteCount: width) }
            }
        }
        out.setCount(count)
        return out
    }
}
