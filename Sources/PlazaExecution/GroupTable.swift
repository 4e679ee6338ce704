#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PlazaCore
import PlazaVector

/// An open-addressing hash table from packed keys (see `KeyPacker`) to dense group numbers 0, 1, 2, …
///
/// Used for GROUP BY, DISTINCT, the distinct sets of `count(DISTINCT …)`, join builds and IN-sets.
/// Slots hold `group + 1` (0 = empty) in their low 32 bits and the hash's high 32 bits above, so
/// most mismatches are rejected without touching the key; linear probing; doubles at half load. Keys are
/// copied into one arena, so a group's key stays readable until the table is released.
final class GroupTable {
    /// The key column types.
    let types: [DataType]
    private let packer = KeyPacker()
    private var slots: UnsafeMutablePointer<UInt64>
    private var slotMask: Int
    private var arena: UnsafeMutableRawPointer
    private var arenaCapacity: Int
    private var arenaCount = 0
    /// Start of each group's key in the arena; `groupCount + 1` entries.
    private var keyOffsets: UnsafeMutablePointer<Int>
    /// Each group's hash.
    private var groupHashes: UnsafeMutablePointer<UInt64>
    private var groupCapacity: Int
    /// The number of groups.
    private(set) var groupCount = 0
    private let tracker: MemoryTracker?
    private let operatorName: String
    private var trackedBytes = 0

    init(types: [DataType], tracker: MemoryTracker?, operatorName: String) {
        self.types = types
        self.tracker = tracker
        self.operatorName = operatorName
        slotMask = 1023
        slots = .allocate(capacity: 1024)
        slots.initialize(repeating: 0, count: 1024)
        arenaCapacity = 1 << 14
        arena = .allocate(byteCount: arenaCapacity, alignment: 8)
        groupCapacity = 512
        keyOffsets = .allocate(capacity: groupCapacity + 1)
        keyOffsets[0] = 0
        groupHashes = .allocate(capacity: groupCapacity)
    }

    deinit {
        slots.deallocate()
        arena.deallocate()
        keyOffsets.deallocate()
        groupHashes.deallocate()
        tracker?.release(trackedBytes)
    }

    /// Finds or creates the group of each of the first `rowCount` rows of `columns`; writes the
    /// group numbers to `groups`.
    func findOrInsert(_ columns: [ColumnVector], rowCount: Int, into groups: UnsafeMutablePointer<Int32>) throws(ExecutionError) {
        packer.pack(columns, rowCount: rowCount)
        let hashes = packer.hashes, bytes = packer.bytes, offsets = packer.offsets
        // Locals, reloaded after an insert, keep exclusivity checks and reloads out of the loop.
        var slots = self.slots, mask = self.slotMask
        var keyOffsets = self.keyOffsets, arena = self.arena
        // Touch every row's first slot before probing: the independent loads overlap their cache
        // misses instead of paying them one after another inside the probe loop.
        var touched: UInt64 = 0
        for row in 0..<rowCount { touched |= slots[Int(truncatingIfNeeded: hashes[row]) & mask] }
        if touched == UInt64.max { precondition(slotMask > 0, "unreachable: keeps the touch loop") }
        for row in 0..<rowCount {
            let hash = hashes[row]
            let tag = hash & 0xFFFF_FFFF_0000_0000
            let keyStart = bytes + offsets[row], keyLength = offsets[row + 1] - offsets[row]
            var slot = Int(truncatingIfNeeded: hash) & mask
            while true {
                let entry = slots[slot]
                if entry == 0 {
                    let group = try insert(UnsafeRawBufferPointer(start: keyStart, count: keyLength), hash: hash, slot: slot)
                    groups[row] = Int32(truncatingIfNeeded: group)
                    slots = self.slots
                    mask = self.slotMask
                    keyOffsets = self.keyOffsets
                    arena = self.arena
                    break
                }
                if entry & 0xFFFF_FFFF_0000_0000 == tag {
                    let group = Int(truncatingIfNeeded: entry & 0xFFFF_FFFF) &- 1
                    let start = keyOffsets[group]
                    if keyOffsets[group + 1] - start == keyLength && (keyLength == 0 || memcmp(arena + start, keyStart, keyLength) == 0) {
                        groups[row] = Int32(truncatingIfNeeded: group)
                        break
                    }
                }
                slot = (slot &+ 1) & mask
            }
        }
    }

    /// Finds or creates the group of one packed key whose hash is `hash` (merging tables).
    func findOrInsert(packed key: UnsafeRawBufferPointer, hash: UInt64) throws(ExecutionError) -> Int {
        let tag = hash & 0xFFFF_FFFF_0000_0000
        var slot = Int(truncatingIfNeeded: hash) & slotMask
        while true {
            let entry = slots[slot]
            if entry == 0 { return try insert(key, hash: hash, slot: slot) }
            let group = Int(truncatingIfNeeded: entry & 0xFFFF_FFFF) &- 1
            if entry & 0xFFFF_FFFF_0000_0000 == tag && keyEquals(group, key.baseAddress, key.count) { return group }
            slot = (slot &+ 1) & slotMask
        }
    }

    /// The hash of `group`'s key.
    func hash(of group: Int) -> UInt64 { groupHashes[group] }

    /// Writes the group of each row, or -1 where the key is absent.
    func find(_ columns: [ColumnVector], rowCount: Int, into groups: UnsafeMutablePointer<Int32>) {
        find(columns, rowCount: rowCount, into: groups, using: packer)
    }

    /// As `find`, but packing with `packer`, so that several threads may probe one finished table.
    func find(_ columns: [ColumnVector], rowCount: Int, into groups: UnsafeMutablePointer<Int32>, using packer: KeyPacker) {
        packer.pack(columns, rowCount: rowCount)
        for row in 0..<rowCount {
            groups[row] = lookup(packer.key(row), hash: packer.hashes[row])
        }
    }

    /// The group of one packed key, or -1.
    func lookup(_ key: UnsafeRawBufferPointer, hash: UInt64) -> Int32 {
        let tag = hash & 0xFFFF_FFFF_0000_0000
        var slot = Int(truncatingIfNeeded: hash) & slotMask
        while true {
            let entry = slots[slot]
            if entry == 0 { return -1 }
            let group = Int(truncatingIfNeeded: entry & 0xFFFF_FFFF) &- 1
            if entry & 0xFFFF_FFFF_0000_0000 == tag && keyEquals(group, key.baseAddress, key.count) { return Int32(group) }
            slot = (slot &+ 1) & slotMask
        }
    }

    /// The packed key of `group`.
    func key(of group: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: arena + keyOffsets[group], count: keyOffsets[group + 1] - keyOffsets[group])
    }

    /// The key columns of groups `range`, decoded.
    func keyColumns(_ range: Range<Int>) -> [ColumnVector] {
        KeyPacker.unpack(range.map { key(of: $0) }, types: types)
    }

    @inline(__always)
    private func keyEquals(_ group: Int, _ key: UnsafeRawPointer?, _ length: Int) -> Bool {
        let start = keyOffsets[group]
        guard keyOffsets[group + 1] - start == length else { return false }
        return length == 0 || memcmp(arena + start, key!, length) == 0
    }

    @inline(never)
    private func insert(_ key: UnsafeRawBufferPointer, hash: UInt64, slot: Int) throws(ExecutionError) -> Int {
        let group = groupCount
        if group >= Int(UInt32.max - 1) {
            throw ExecutionError(.memoryLimit, "\(operatorName) has more than 4 billion groups")
        }
        if group == groupCapacity { try growGroups() }
        if arenaCount + key.count > arenaCapacity { try growArena(arenaCount + key.count) }
        if key.count > 0 { (arena + arenaCount).copyMemory(from: key.baseAddress!, byteCount: key.count) }
        arenaCount += key.count
        keyOffsets[group + 1] = arenaCount
        groupHashes[group] = hash
        groupCount = group + 1
        slots[slot] = (hash & 0xFFFF_FFFF_0000_0000) | UInt64(group + 1)
        if groupCount * 2 > slotMask + 1 { try growSlots() }
        return group
    }

    private func account(_ newTotal: Int) throws(ExecutionError) {
        if newTotal > trackedBytes {
            try tracker?.reserve(newTotal - trackedBytes, for: operatorName)
        } else {
            tracker?.release(trackedBytes - newTotal)
        }
        trackedBytes = newTotal
    }

    private var footprint: Int { (slotMask + 1) * 8 + arenaCapacity + groupCapacity * 16 }

    private func growGroups() throws(ExecutionError) {
        let capacity = groupCapacity * 2
        try account(footprint + groupCapacity * 16)
        let newOffsets = UnsafeMutablePointer<Int>.allocate(capacity: capacity + 1)
        newOffsets.update(from: keyOffsets, count: groupCount + 1)
        keyOffsets.deallocate()
        keyOffsets = newOffsets
        let newHashes = UnsafeMutablePointer<UInt64>.allocate(capacity: capacity)
        newHashes.update(from: groupHashes, count: groupCount)
        groupHashes.deallocate()
        groupHashes = newHashes
        groupCapacity = capacity
    }

    private func growArena(_ needed: Int) throws(ExecutionError) {
        var capacity = arenaCapacity * 2
        while capacity < needed { capacity *= 2 }
        try account(footprint + capacity - arenaCapacity)
        let newArena = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
        newArena.copyMemory(from: arena, byteCount: arenaCount)
        arena.deallocate()
        arena = newArena
        arenaCapacity = capacity
    }

    private func growSlots() throws(ExecutionError) {
        let newCount = (slotMask + 1) * 2
        try account(footprint + newCount * 4)
        let newSlots = UnsafeMutablePointer<UInt64>.allocate(capacity: newCount)
        newSlots.initialize(repeating: 0, count: newCount)
        let newMask = newCount - 1
        for group in 0..<groupCount {
            let hash = groupHashes[group]
            var slot = Int(truncatingIfNeeded: hash) & newMask
            while newSlots[slot] != 0 { slot = (slot + 1) & newMask }
            newSlots[slot] = (hash & 0xFFFF_FFFF_0000_0000) | UInt64(group + 1)
        }
        slots.deallocate()
        slots = newSlots
        slotMask = newMask
    }
}
