#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import PlazaVector

/// The distinct strings of one chunk (a row group's column), in the order they first appear, for a
/// shared dictionary (Formats/plaza-file-format.md §7.5). Entries point into the heap the caller
/// holds the strings in; an open-addressing table of 2^17 slots finds them (at most half full).
struct StringDistinctTable {
    /// Each distinct string: where its bytes sit in the caller's heap.
    private(set) var entries: [(offset: Int, length: Int)] = []
    private var slots: [Int32] = []
    private var bytes = 0
    static let slotBits = 17
    /// The most bytes a chunk's distinct strings may hold before a dictionary stops paying off.
    static let maxBytes = 16 << 20

    /// Empties the table, keeping its memory.
    mutating func reset() {
        let slotCount = 1 << Self.slotBits
        if slots.count != slotCount {
            slots = [Int32](repeating: -1, count: slotCount)
        } else {
            slots.withUnsafeMutableBufferPointer { $0.update(repeating: -1) }
        }
        entries.removeAll(keepingCapacity: true)
        bytes = 0
    }

    /// The index of the string `b`, whose bytes sit at `offset` in `heap`, adding it when new; nil
    /// when adding it would pass §7.5's entry limit or `maxBytes` (the chunk gets no dictionary).
    @inline(__always)
    mutating func index(of b: UnsafeRawBufferPointer, at offset: Int, heap: UnsafeRawPointer) -> Int32? {
        let mask = (1 << Self.slotBits) - 1
        let h = ChunkWriter.slotHash(b)
        var slot = Int(truncatingIfNeeded: (h &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - Self.slotBits))
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
        return index
    }
}

/// A string column's buffered rows as indices into their distinct strings, found once per
/// dictionary entry when the rows arrive as dictionary vectors (an UPDATE or CREATE TABLE AS that
/// reads a table), so the chunk writer need not hash each row's string.
final class CodedStrings {
    /// The distinct strings of the buffered rows, pointing into the buffer's heap.
    var table = StringDistinctTable()
    /// Per buffered row, its index in `table` (-1 for NULL).
    var rows: [Int32] = []
    /// False once flat rows arrived or the table overflowed: the chunk writer then hashes each row.
    private(set) var isUsable = true
    /// The dictionary whose codes `map` translates; held so that its identity stays its own.
    private var dictionary: ColumnVector?
    /// Per entry of `dictionary`, its index in `table`, or -2 before a row used it.
    private var map: [Int32] = []

    /// Starts a new row group.
    func reset() {
        table.reset()
        rows.removeAll(keepingCapacity: true)
        isUsable = true
        dictionary = nil
        map.removeAll(keepingCapacity: true)
    }

    /// Rows that arrived flat: the chunk writer will find the distinct strings itself.
    func giveUp() {
        isUsable = false
        rows.removeAll(keepingCapacity: true)
    }

    /// Copies `count` rows from `start` of the dictionary vector `source` into `buffer` after its
    /// `at` rows (bytes, offsets and NULLs), and records each row's distinct index.
    func append(_ source: ColumnVector, _ start: Int, _ count: Int, into buffer: ColumnVector, at: Int) -> Bool {
        guard let entries = source.dictionary else { return false }
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
        var total = 0
        for row in start..<(start + count) where valid(row) {
            let code = Int(codes[row])
            total += Int(entryOffsets[code + 1] - entryOffsets[code])
        }
        let base = buffer.heapCount
        guard base + total <= Int(Int32.max) else { return false }
        buffer.reserveHeap(total)
        let heap = buffer.heap, offsets = buffer.offsets
        var end = base
        var usable = isUsable
        var table = StringDistinctTable(), rows: [Int32] = [], map: [Int32] = []
        // Locals in the loop: a class's stored arrays pay an exclusivity check per access.
        swap(&table, &self.table)
        swap(&rows, &self.rows)
        swap(&map, &self.map)
        let first = rows.count
        if usable { rows.append(contentsOf: repeatElement(-1, count: count)) }
        rows.withUnsafeMutableBufferPointer { rows in
            map.withUnsafeMutableBufferPointer { map in
                for i in 0..<count {
                    let row = start &+ i
                    if valid(row) {
                        let code = Int(codes[row])
                        let from = Int(entryOffsets[code]), length = Int(entryOffsets[code &+ 1]) &- from
                        if length > 0 { (heap + end).copyMemory(from: entryHeap + from, byteCount: length) }
                        if usable {
                            var index = map[code]
                            if index == -2 {
                                if let found = table.index(
                                    of: UnsafeRawBufferPointer(start: heap + end, count: length), at: end, heap: heap)
                                {
                                    index = found
                                    map[code] = found
                                } else {
                                    usable = false
                                }
                            }
                            rows[first &+ i] = index
                        }
                        end &+= length
                    } else {
                        buffer.setValid(false, at: at &+ i)
                    }
                    offsets[at &+ i &+ 1] = Int32(truncatingIfNeeded: end)
                }
            }
        }
        swap(&table, &self.table)
        swap(&rows, &self.rows)
        swap(&map, &self.map)
        if !usable { giveUp() }
        buffer.heapCount = end
        buffer.count = at + count
        return true
    }
}
