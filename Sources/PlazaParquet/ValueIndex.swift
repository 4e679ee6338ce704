#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import PlazaCore
import PlazaVector

/// The distinct values of a vector's rows, numbered in order of first appearance: what a column
/// chunk's dictionary page holds.
///
/// Open addressing over 16-byte slots. A slot keeps the value itself for 4- and 8-byte types
/// (no load from the vector to compare) and a hash of the bytes for text (compared against the
/// first row holding the value only when the hashes agree); no key is copied or allocated per
/// row. The table starts small and doubles at half full, so a column of few values never clears
/// the table a column of many needs.
final class ValueIndex {
    /// The most entries; past it the value gets no code.
    let limit: Int
    /// The number of distinct values so far.
    private(set) var count = 0

    private struct Slot {
        /// The value (fixed width) or its hash (text).
        var key: UInt64
        /// The first row holding the value, or -1 for an empty slot.
        var row: Int32
        var code: UInt32
    }

    private enum Kind { case four, eight, text }

    /// Kept so that `data` and `heap` stay valid.
    private let values: ColumnVector
    // The vector's buffers, taken once: a class property read per row costs an exclusivity check.
    private let data: UnsafeRawPointer
    private let heap: UnsafeRawPointer
    private let kind: Kind
    private var slots: UnsafeMutablePointer<Slot>
    private var mask: Int
    /// The table's size once `limit` values fit at half full.
    private let maxSize: Int

    /// An empty index of the values of `values` (a flat vector, not BOOLEAN); `limit` ≥ 1.
    init(values: ColumnVector, limit: Int) {
        precondition(!values.isDictionary && values.physicalType != .uint8, "a flat vector of values to number")
        self.values = values
        self.limit = limit
        data = UnsafeRawPointer(values.data)
        heap = UnsafeRawPointer(values.heap)
        switch values.physicalType {
        case .int32: kind = .four
        case .int64, .double: kind = .eight
        case .string: kind = .text
        default: preconditionFailure("\(values.physicalType) has no dictionary")
        }
        var largest = 256
        while largest < limit * 2 + 2 { largest <<= 1 }
        maxSize = largest
        let size = 256
        slots = .allocate(capacity: size)
        slots.initialize(repeating: Slot(key: 0, row: -1, code: 0), count: size)
        mask = size - 1
    }

    deinit { slots.deallocate() }

    /// Numbers the values of `rows` (ascending), writing each row's code to `codes[row]`.
    /// - Returns: the first row of each distinct value, in code order; nil as soon as a value
    ///   past `limit` appears (the codes are then incomplete).
    func assign(_ rows: [Int], codes: UnsafeMutablePointer<UInt32>) -> [Int]? {
        var firstRows: [Int] = []
        let ok = rows.withUnsafeBufferPointer { rows -> Bool in
            switch kind {
            case .four:
                for row in rows {
                    let key = UInt64(data.load(fromByteOffset: row &* 4, as: UInt32.self))
                    guard let (code, isNew) = fixedCode(key, row: row) else { return false }
                    codes[row] = code
                    if isNew { firstRows.append(row) }
                }
            case .eight:
                for row in rows {
                    let key = data.load(fromByteOffset: row &* 8, as: UInt64.self)
                    guard let (code, isNew) = fixedCode(key, row: row) else { return false }
                    codes[row] = code
                    if isNew { firstRows.append(row) }
                }
            case .text:
                for row in rows {
                    guard let (code, isNew) = textCode(row: row) else { return false }
                    codes[row] = code
                    if isNew { firstRows.append(row) }
                }
            }
            return true
        }
        return ok ? firstRows : nil
    }

    /// The code of row `row`'s value and whether it is new; nil when a new value would pass `limit`.
    func code(ofRow row: Int) -> (code: UInt32, isNew: Bool)? {
        switch kind {
        case .four: return fixedCode(UInt64(data.load(fromByteOffset: row &* 4, as: UInt32.self)), row: row)
        case .eight: return fixedCode(data.load(fromByteOffset: row &* 8, as: UInt64.self), row: row)
        case .text: return textCode(row: row)
        }
    }

    @inline(__always)
    private func fixedCode(_ key: UInt64, row: Int) -> (UInt32, Bool)? {
        var slot = Self.mix(key) & mask
        while true {
            let current = slots[slot]
            if current.row < 0 { return insert(key, row: row, at: slot) }
            if current.key == key { return (current.code, false) }
            slot = (slot &+ 1) & mask
        }
    }

    @inline(__always)
    private func textCode(row: Int) -> (UInt32, Bool)? {
        let value = bytes(row)
        let hash = Self.hash(value)
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let current = slots[slot]
            if current.row < 0 { return insert(hash, row: row, at: slot) }
            if current.key == hash {
                let other = bytes(Int(current.row))
                if other.count == value.count
                    && (value.count == 0 || memcmp(other.baseAddress!, value.baseAddress!, value.count) == 0)
                {
                    return (current.code, false)
                }
            }
            slot = (slot &+ 1) & mask
        }
    }

    /// Fills the empty slot `slot` with a new value, growing the table at half full.
    @inline(__always)
    private func insert(_ key: UInt64, row: Int, at slot: Int) -> (UInt32, Bool)? {
        guard count < limit else { return nil }
        let code = UInt32(count)
        slots[slot] = Slot(key: key, row: Int32(row), code: code)
        count += 1
        if count &* 2 > mask { grow() }
        return (code, true)
    }

    /// Enlarges the table, placing every entry again by its kept key (text is not hashed again).
    /// Past 4,096 slots it takes the size `limit` needs at once: a column of distinct values
    /// (written PLAIN once past `limit`) then moves its entries once more, not at every doubling.
    @inline(never)
    private func grow() {
        let oldSize = mask + 1
        let size = min(maxSize, oldSize >= 4_096 ? maxSize : oldSize * 2)
        guard size > oldSize else { return }
        let old = slots
        slots = .allocate(capacity: size)
        slots.initialize(repeating: Slot(key: 0, row: -1, code: 0), count: size)
        mask = size - 1
        for index in 0..<oldSize where old[index].row >= 0 {
            let entry = old[index]
            var slot = (kind == .text ? Int(truncatingIfNeeded: entry.key) : Self.mix(entry.key)) & mask
            while slots[slot].row >= 0 { slot = (slot &+ 1) & mask }
            slots[slot] = entry
        }
        old.deallocate()
    }

    /// The bytes of text row `row`.
    @inline(__always)
    private func bytes(_ row: Int) -> UnsafeRawBufferPointer {
        let offsets = data.assumingMemoryBound(to: Int32.self)
        let start = Int(offsets[row])
        return UnsafeRawBufferPointer(start: heap + start, count: Int(offsets[row &+ 1]) &- start)
    }

    /// Spreads a fixed-width value over the low bits the mask keeps (the MurmurHash3 finalizer).
    @inline(__always)
    private static func mix(_ key: UInt64) -> Int {
        var h = key
        h ^= h >> 33
        h = h &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        return Int(truncatingIfNeeded: h)
    }

    private static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        var i = 0
        while i &+ 8 <= bytes.count {
            h = (h ^ bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 29
            i &+= 8
        }
        while i < bytes.count {
            h = (h ^ UInt64(bytes[i])) &* 0x0100_0000_01B3
            i &+= 1
        }
        h ^= h >> 33
        h = h &* 0xC4CE_B9FE_1A85_EC53
        return h ^ (h >> 33)
    }
}
