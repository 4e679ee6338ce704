#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import PlazaVector

/// Numbers the distinct strings of a flat text vector in order of first appearance: the
/// dictionary of a join's text column without packing each string into a group table's arena and
/// unpacking it again (an open-addressing table of row numbers over the vector's own bytes).
enum TextDistinct {
    /// Writes each row's code (0 for NULL rows) into `codes` and returns the row of each code's
    /// first appearance.
    static func number(_ column: ColumnVector, codes: UnsafeMutablePointer<UInt32>) -> [Int32] {
        precondition(column.physicalType == .string && !column.isDictionary, "TextDistinct over \(column.type)")
        let count = column.count
        var firstRows: [Int32] = []
        guard count > 0 else { return firstRows }
        var slotCount = 16
        while slotCount < count * 2 { slotCount <<= 1 }
        let mask = slotCount - 1
        // Per slot: the hash's high 32 bits, then code + 1 (0 = empty).
        let slots = UnsafeMutablePointer<UInt64>.allocate(capacity: slotCount)
        slots.initialize(repeating: 0, count: slotCount)
        defer { slots.deallocate() }
        let offsets = column.offsets, heap = UnsafeRawPointer(column.heap)
        let words: UnsafeMutablePointer<UInt64>? = column.hasNulls ? column.validityWords : nil
        for row in 0..<count {
            if let words, words[row &>> 6] & (1 &<< UInt64(row & 63)) == 0 {
                codes[row] = 0
                continue
            }
            let start = Int(offsets[row]), length = Int(offsets[row &+ 1]) &- start
            let hash = KeyPacker.hash(heap + start, length)
            let tag = hash & 0xFFFF_FFFF_0000_0000
            var slot = Int(truncatingIfNeeded: hash) & mask
            while true {
                let entry = slots[slot]
                if entry == 0 {
                    let code = firstRows.count
                    firstRows.append(Int32(truncatingIfNeeded: row))
                    slots[slot] = tag | UInt64(code &+ 1)
                    codes[row] = UInt32(truncatingIfNeeded: code)
                    break
                }
                if entry & 0xFFFF_FFFF_0000_0000 == tag {
                    let code = Int(truncatingIfNeeded: entry & 0xFFFF_FFFF) &- 1
                    let other = Int(firstRows[code])
                    let otherStart = Int(offsets[other])
                    if Int(offsets[other &+ 1]) &- otherStart == length
                        && (length == 0 || memcmp(heap + otherStart, heap + start, length) == 0)
                    {
                        codes[row] = UInt32(truncatingIfNeeded: code)
                        break
                    }
                }
                slot = (slot &+ 1) & mask
            }
        }
        return firstRows
    }
}
