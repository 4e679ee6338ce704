#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import PlazaVector

/// The distinct strings of one chunk (a row group's column), in the order they first appear, for a
/// shared dictionary (Formats/plaza-file-format.md §7.5). Entries point into the heap the caller
/// holds the strings in; an open-addressing table finds them, at most half full: it starts at
/// 2^10 slots and doubles as entries come (a fixed 2^17 slots, 512 KiB, missed the cache on each
/// probe of a few hundred strings, and was cleared for every chunk).
struct StringDistinctTable {
    /// Each distinct string: where its bytes sit in the caller's heap.
    private(set) var entries: [(offset: Int, length: Int)] = []
    private var slots: [Int32] = []
    private var bytes = 0
    private var slotBits = Self.minimumSlotBits
    static let minimumSlotBits = 10
    /// The most bytes a chunk's distinct strings may hold before a dictionary stops paying off.
    static let maxBytes = 16 << 20

    /// Empties the table, keeping its memory.
    mutating func reset() {
        slotBits = Self.minimumSlotBits
        slots.removeAll(keepingCapacity: true)
        slots.append(contentsOf: repeatElement(-1, count: 1 << slotBits))
        entries.removeAll(keepingCapacity: true)
        bytes = 0
    }

    /// The index of the string `b`, whose bytes sit at `offset` in `heap`, adding it when new; nil
    /// when adding it would pass §7.5's entry limit or `maxBytes` (the chunk gets no dictionary).
    @inline(__always)
    mutating func index(of b: UnsafeRawBufferPointer, at offset: Int, heap: UnsafeRawPointer) -> Int32? {
        let mask = (1 << slotBits) - 1
        let h = ChunkWriter.slotHash(b)
        var slot = Int(truncatingIfNeeded: (h &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - slotBits))
        while true {
            let found = slots[slot]
            if found < 0 { break }
            let s = entries[Int(found)]
            if s.length == b.count && (s.length == 0 || memcmp(heap + s.offset, b.baseAddress!, s.length) == 0) {
                return found
            }
            slot = (slot + 1) & mask
        }
        if entries.count == SegmentFormat.maxDictionaryEntries { return nil }
        bytes += b.count
        if bytes > Self.maxBytes { return nil }
        let index = Int32(entries.count)
        slots[slot] = index
        entries.append((offset, b.count))
        if entries.count * 2 > slots.count { grow(heap: heap) }
        return index
    }

    /// Doubles the slots and places every entry again (an entry's index does not change).
    @inline(never)
    private mutating func grow(heap: UnsafeRawPointer) {
        slotBits += 1
        let mask = (1 << slotBits) - 1
        slots.removeAll(keepingCapacity: true)
        slots.append(contentsOf: repeatElement(-1, count: 1 << slotBits))
        for (index, entry) in entries.enumerated() {
            let h = ChunkWriter.slotHash(UnsafeRawBufferPointer(start: heap + entry.offset, count: entry.length))
            var slot = Int(truncatingIfNeeded: (h &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - slotBits))
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(index)
        }
    }
}

/// A string column's buffered rows as indices into their distinct strings, found once per
/// dictionary entry when the rows arrive as dictionary vectors (an UPDATE or CREATE TABLE AS that
/// reads a table), so the chunk writer need not hash each row's string. The rows' bytes are not
/// copied: each distinct string is, once, into `heap`; the buffer's rows are written out of it
/// (`materialize`) only when the chunk is not dictionary-encoded after all, or flat rows follow.
final class CodedStrings {
    /// The distinct strings of the buffered rows, pointing into `heap`.
    var table = StringDistinctTable()
    /// Per buffered row, its index in `table` (-1 for NULL).
    var rows: [Int32] = []
    /// False once flat rows arrived or the table overflowed: the chunk writer then hashes each row.
    private(set) var isUsable = true
    /// The bytes of the distinct strings (`table`'s entries point here); `heapCount` used.
    private(set) var heap: UnsafeMutableRawPointer
    private(set) var heapCount = 0
    private var heapCapacity = 4_096
    /// The dictionary whose codes `map` translates; held so that its identity stays its own.
    private var dictionary: ColumnVector?
    /// Per entry of `dictionary`, its index in `table`, or -2 before a row used it.
    private var map: [Int32] = []

    init() { heap = .allocate(byteCount: heapCapacity, alignment: 16) }

    deinit { heap.deallocate() }

    /// Starts a new row group.
    func reset() {
        table.reset()
        rows.removeAll(keepingCapacity: true)
        isUsable = true
        heapCount = 0
        dictionary = nil
        map.removeAll(keepingCapacity: true)
    }

    /// Writes the rows recorded so far into `buffer` (which holds their count and NULLs but no
    /// bytes yet) and stops recording: flat rows follow, or the table overflowed.
    func giveUp(materializingInto buffer: ColumnVector) {
        if isUsable { materialize(into: buffer, rows: rows.count) }
        isUsable = false
        rows.removeAll(keepingCapacity: true)
    }

    /// Writes the bytes and offsets of the first `count` recorded rows into `buffer`.
    func materialize(into buffer: ColumnVector, rows count: Int) {
        Self.materialize(rows: rows, table: table, heap: heap, count: count, into: buffer)
    }

    /// Writes the bytes and offsets of rows `0..<count` (`rows`: indices into `table`, whose
    /// entries sit in `heap`; -1 for NULL) into `buffer`, whose count and NULLs are already set.
    static func materialize(
        rows: [Int32], table: StringDistinctTable, heap: UnsafeRawPointer, count: Int, into buffer: ColumnVector
    ) {
        var total = 0
        table.entries.withUnsafeBufferPointer { entries in
            rows.withUnsafeBufferPointer { rows in
                for row in 0..<count where rows[row] >= 0 { total &+= entries[Int(rows[row])].length }
            }
        }
        buffer.heapCount = 0
        buffer.reserveHeap(total)
        let target = buffer.heap, offsets = buffer.offsets
        var end = 0
        offsets[0] = 0
        table.entries.withUnsafeBufferPointer { entries in
            rows.withUnsafeBufferPointer { rows in
                for row in 0..<count {
                    let index = Int(rows[row])
                    if index >= 0 {
                        let entry = entries[index]
                        if entry.length > 0 {
                            (target + end).copyMemory(from: heap + entry.offset, byteCount: entry.length)
                        }
                        end &+= entry.length
                    }
                    offsets[row &+ 1] = Int32(truncatingIfNeeded: end)
                }
            }
        }
        buffer.heapCount = end
    }

    /// Records `count` rows from `start` of the dictionary vector `source` as rows `at…` of
    /// `buffer`: their distinct indices here, their NULLs and count there (no bytes). False when
    /// the table overflows (nothing of these rows recorded; the caller gives up and copies them).
    func append(_ source: ColumnVector, _ start: Int, _ count: Int, into buffer: ColumnVector, at: Int) -> Bool {
        guard let entries = source.dictionary, isUsable else { return false }
        if dictionary !== entries {
            dictionary = entries
            map = [Int32](repeating: -2, count: entries.count)
        }
        let codes = source.data.assumingMemoryBound(to: UInt32.self)
        let entryOffsets = entries.offsets, entryHeap = entries.heap
        let words: UnsafeMutablePointer<UInt64>? = source.hasNulls ? source.validityWords : nil
        @inline(__always) func valid(_ row: Int) -> Bool {
            guard let words else { return true }
            return words[row >> 6] & (1 << UInt64(row & 63)) != 0
        }
        var usable = true
        var table = StringDistinctTable(), rows: [Int32] = [], map: [Int32] = []
        // Locals in the loop: a class's stored arrays pay an exclusivity check per access.
        swap(&table, &self.table)
        swap(&rows, &self.rows)
        swap(&map, &self.map)
        let first = rows.count
        rows.append(contentsOf: repeatElement(-1, count: count))
        rows.withUnsafeMutableBufferPointer { rows in
            map.withUnsafeMutableBufferPointer { map in
                for i in 0..<count {
                    let row = start &+ i
                    guard valid(row) else { continue }
                    let code = Int(codes[row])
                    var index = map[code]
                    if index == -2 {
                        // A new entry: its bytes go to the heap, and stay there if the string is new.
                        let from = Int(entryOffsets[code]), length = Int(entryOffsets[code &+ 1]) &- from
                        guard reserve(length) else {
                            usable = false
                            return
                        }
                        if length > 0 { (heap + heapCount).copyMemory(from: entryHeap + from, byteCount: length) }
                        let before = table.entries.count
                        guard
                            let found = table.index(
                                of: UnsafeRawBufferPointer(start: heap + heapCount, count: length), at: heapCount,
                                heap: heap)
                        else {
                            usable = false
                            return
                        }
                        if table.entries.count > before { heapCount &+= length }
                        index = found
                        map[code] = found
                    }
                    rows[first &+ i] = index
                }
            }
        }
        swap(&table, &self.table)
        swap(&rows, &self.rows)
        swap(&map, &self.map)
        if !usable {
            self.rows.removeSubrange(first...)
            return false
        }
        if words != nil {
            for i in 0..<count where !valid(start &+ i) { buffer.setValid(false, at: at &+ i) }
        }
        buffer.count = at + count
        return true
    }

    /// Records `count` rows from `start` of the flat text vector `source`, each NULL or `value` (the
    /// same bytes in every valid row: a constant), as rows `at…` of `buffer`, as `append` does.
    /// False when the table cannot take `value` (nothing recorded).
    func appendRepeated(
        _ value: UnsafeRawBufferPointer, of source: ColumnVector, _ start: Int, _ count: Int,
        into buffer: ColumnVector, at: Int
    ) -> Bool {
        guard isUsable, reserve(value.count) else { return false }
        if value.count > 0 { (heap + heapCount).copyMemory(from: value.baseAddress!, byteCount: value.count) }
        let before = table.entries.count
        guard
            let index = table.index(
                of: UnsafeRawBufferPointer(start: heap + heapCount, count: value.count), at: heapCount, heap: heap)
        else { return false }
        if table.entries.count > before { heapCount += value.count }
        let first = rows.count
        rows.append(contentsOf: repeatElement(index, count: count))
        if source.hasNulls {
            for i in 0..<count where !source.isValid(at: start &+ i) {
                rows[first &+ i] = -1
                buffer.setValid(false, at: at &+ i)
            }
        }
        buffer.count = at + count
        return true
    }

    /// Makes room for `extra` more heap bytes; false past §7.5's byte limit for a dictionary.
    private func reserve(_ extra: Int) -> Bool {
        let needed = heapCount + extra
        if needed <= heapCapacity { return true }
        guard needed <= StringDistinctTable.maxBytes + 64 else { return false }
        var capacity = heapCapacity * 2
        while capacity < needed { capacity *= 2 }
        let grown = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        grown.copyMemory(from: heap, byteCount: heapCount)
        heap.deallocate()
        heap = grown
        heapCapacity = capacity
        return true
    }
}
