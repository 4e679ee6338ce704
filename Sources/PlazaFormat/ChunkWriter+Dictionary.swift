#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import PlazaCore
import PlazaVector

/// Dictionaries of a column chunk (Formats/plaza-file-format.md §7.5): finding the distinct values,
/// proving too many cheaply, and the codes of each row.
extension ChunkWriter {
    /// A hash of `bytes` for the in-memory slot table only (never stored), cheaper than XXHash64
    /// on the short strings dictionaries hold: up to 16 bytes from two overlapping loads, longer
    /// ones a word at a time.
    @inline(__always)
    static func slotHash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let n = bytes.count
        var low: UInt64 = 0, high: UInt64 = 0
        if n > 16 {
            var offset = 8
            low = bytes.loadUnaligned(as: UInt64.self)
            while offset + 8 < n {
                low = (low ^ bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* 0x9FB2_1C65_1E98_DF25
                low = (low << 23) | (low >> 41)
                offset += 8
            }
            high = bytes.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
        } else if n >= 8 {
            low = bytes.loadUnaligned(as: UInt64.self)
            high = bytes.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
        } else if n >= 4 {
            low = UInt64(bytes.loadUnaligned(as: UInt32.self))
            high = UInt64(bytes.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self))
        } else if n > 0 {
            low = UInt64(bytes[0]) | UInt64(bytes[n >> 1]) << 8 | UInt64(bytes[n - 1]) << 16
        }
        var h = ((low ^ 0x9E37_79B9_7F4A_7C15) &* 0xBF58_476D_1CE4_E5B9) ^ (high &+ UInt64(n))
        h = (h ^ (h >> 31)) &* 0x94D0_49BB_1331_11EB
        return h ^ (h >> 29)
    }

    /// Finds the distinct non-NULL values; false when there are none or more than the limit.
    func findDistinct(_ column: ColumnVector, _ kind: ValueKind, _ n: Int) -> Bool {
        let view = ColumnView(column)
        let slotCount = 1 << ChunkWriter.slotBits, mask = slotCount - 1
        // Work on locals: a class's stored arrays pay a dynamic exclusivity check per access.
        var slots: [Int32] = [], distinctValues: [UInt64] = [], rowDistinct: [Int32] = []
        var table = StringDistinctTable(), values: [UInt64] = []
        swap(&slots, &self.slots)
        swap(&distinctValues, &self.distinctValues)
        swap(&table, &self.stringTable)
        swap(&rowDistinct, &self.rowDistinct)
        swap(&values, &self.values)
        defer {
            swap(&slots, &self.slots)
            swap(&distinctValues, &self.distinctValues)
            swap(&table, &self.stringTable)
            swap(&rowDistinct, &self.rowDistinct)
            swap(&values, &self.values)
        }
        rowDistinct.removeAll(keepingCapacity: true)
        if kind == .string {
            table.reset()
            // A row equal to the one before (a constant, or a run of a sorted column) skips the hash.
            var previous = UnsafeRawBufferPointer(start: nil, count: 0), previousIndex: Int32 = -1
            for row in 0..<n {
                guard view.isValid(row) else {
                    rowDistinct.append(-1)
                    continue
                }
                let b = view.bytes(row)
                if previousIndex >= 0 && b.count == previous.count
                    && (b.count == 0 || memcmp(b.baseAddress!, previous.baseAddress!, b.count) == 0)
                {
                    rowDistinct.append(previousIndex)
                    continue
                }
                guard let index = table.index(of: b, at: view.offset(row), heap: view.heap) else { return false }
                rowDistinct.append(index)
                previous = b
                previousIndex = index
            }
            return !rowDistinct.isEmpty && !table.entries.isEmpty
        }
        if hasTooManyDistinct(values, n) { return false }
        var slotValues: [UInt64] = []
        swap(&slotValues, &self.slotValues)
        defer { swap(&slotValues, &self.slotValues) }
        if slots.count != slotCount || slotValues.count != slotCount {
            slots = [Int32](repeating: -1, count: slotCount)
            slotValues = [UInt64](repeating: 0, count: slotCount)
        } else {
            slots.withUnsafeMutableBufferPointer { $0.update(repeating: -1) }
        }
        distinctValues.removeAll(keepingCapacity: true)
        rowDistinct.reserveCapacity(n)
        // Each slot holds its value beside its index: a probe reads both at once instead of
        // following the index to the value (two cache misses in a row on a table of 2^17 slots).
        var entries = 0
        let complete = slots.withUnsafeMutableBufferPointer { slots in
            slotValues.withUnsafeMutableBufferPointer { slotValues in
                values.withUnsafeBufferPointer { values in
                    for row in 0..<n {
                        guard view.isValid(row) else {
                            rowDistinct.append(-1)
                            continue
                        }
                        let v = values[row]
                        var slot = Int(
                            truncatingIfNeeded: (v &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - ChunkWriter.slotBits))
                        while slots[slot] >= 0 && slotValues[slot] != v { slot = (slot &+ 1) & mask }
                        if slots[slot] < 0 {
                            if entries == SegmentFormat.maxDictionaryEntries { return false }
                            slots[slot] = Int32(truncatingIfNeeded: entries)
                            slotValues[slot] = v
                            entries &+= 1
                            distinctValues.append(v)
                        }
                        rowDistinct.append(slots[slot])
                    }
                    return true
                }
            }
        }
        return complete && !rowDistinct.isEmpty && !distinctValues.isEmpty
    }

    /// Whether the values (NULL slots filled as `fillValues` does, so they hold the same set as
    /// the valid rows) provably have more distinct values than §7.5 allows a dictionary: hashing
    /// each into one bit of a bitmap that fits the cache sets at most one bit per distinct value,
    /// so more set bits than the limit prove it, at a fraction of the hash table's cost (a row id,
    /// a timestamp, a measurement; an UPDATE or import of such columns paid the table in full).
    func hasTooManyDistinct(_ values: [UInt64], _ n: Int) -> Bool {
        guard n > SegmentFormat.maxDictionaryEntries else { return false }
        let bits = Self.distinctBitsLog2, wordCount = 1 << (bits - 6)
        var words: [UInt64] = []
        swap(&words, &distinctBits)
        defer { swap(&words, &distinctBits) }
        if words.count != wordCount {
            words = [UInt64](repeating: 0, count: wordCount)
        } else {
            words.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        }
        return words.withUnsafeMutableBufferPointer { words in
            values.withUnsafeBufferPointer { values in
                for row in 0..<n {
                    let bit = Int(truncatingIfNeeded: (values[row] &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - bits))
                    words[bit &>> 6] |= 1 &<< UInt64(bit & 63)
                }
                var set = 0
                for word in words { set &+= word.nonzeroBitCount }
                return set > SegmentFormat.maxDictionaryEntries
            }
        }
    }

    /// Sorts the distinct values (§7.5: entries ascend in the §8 order), fills `codes` per row,
    /// and returns the sealed dictionary block and the code width.
    /// `heap` holds the bytes of a string chunk's distinct strings.
    func buildCodes(_ heap: UnsafeRawPointer, _ kind: ValueKind, _ n: Int, _ entries: Int) -> ([UInt8], Int) {
        var order = Array(0..<entries)
        let block: [UInt8]
        if kind == .string {
            let distinctStrings = stringTable.entries
            func bytes(_ i: Int) -> UnsafeRawBufferPointer {
                UnsafeRawBufferPointer(start: heap + distinctStrings[i].offset, count: distinctStrings[i].length)
            }
            order.sort { bytesPrecede(bytes($0), bytes($1)) }
            var offsets: [Int32] = [0]
            var heapBytes: [UInt8] = []
            for i in order {
                heapBytes.append(contentsOf: bytes(i))
                offsets.append(Int32(heapBytes.count))
            }
            block = offsets.withUnsafeBufferPointer { o in
                heapBytes.withUnsafeBytes { h in
                    encoder.encodeStrings(
                        offsets: o.baseAddress!, heap: h.baseAddress ?? UnsafeRawPointer(o.baseAddress!),
                        count: entries, validity: nil, only: .plain)
                }
            }
        } else {
            let d = distinctValues
            if kind == .double {
                order.sort {
                    let c = doubleOrder(Double(bitPattern: d[$0]), Double(bitPattern: d[$1]))
                    return c != 0 ? c < 0 : d[$0] < d[$1]
                }
            } else {
                order.sort { Int64(bitPattern: d[$0]) < Int64(bitPattern: d[$1]) }
            }
            let sorted = order.map { d[$0] }
            block = sorted.withUnsafeBufferPointer {
                encoder.encodeFixed(kind: kind, values: $0, validity: nil, only: .plain)
            }
        }
        var rank = [UInt64](repeating: 0, count: entries)
        for (code, i) in order.enumerated() { rank[i] = UInt64(code) }
        // Through pointers on locals: an append per row to the stored array paid a check each.
        var codes: [UInt64] = []
        swap(&codes, &self.codes)
        defer { swap(&codes, &self.codes) }
        codes.removeAll(keepingCapacity: true)
        codes.append(contentsOf: repeatElement(0, count: n))
        codes.withUnsafeMutableBufferPointer { codes in
            rowDistinct.withUnsafeBufferPointer { rows in
                rank.withUnsafeBufferPointer { rank in
                    for row in 0..<n where rows[row] >= 0 { codes[row] = rank[Int(truncatingIfNeeded: rows[row])] }
                }
            }
        }
        return (block, BitPacking.width(of: UInt64(entries - 1)))
    }
}
