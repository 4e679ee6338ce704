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
///
/// Groups that a caller already knows to be new (see `GroupKeyCache`) may be `append`ed without
/// probing; the slots then index them only when the table is next probed, all at once and sized once.
/// A table with such unindexed groups must not be probed from several threads at a time.
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
    /// Groups `0 ..< indexedCount` are in `slots`; the rest were appended without probing.
    private var indexedCount = 0
    private let tracker: MemoryTracker?
    private let operatorName: String
    private var trackedBytes = 0

    /// Creates an empty table; `expectedGroups` and `expectedKeyBytes` (when known, as in a merge)
    /// size it once for that many groups and packed key bytes instead of growing it step by step.
    /// The memory is reserved from `tracker` before it is allocated, at first and as the table
    /// grows; throws the memory-limit error when the reservation or the allocation fails.
    init(
        types: [DataType], tracker: MemoryTracker?, operatorName: String, expectedGroups: Int = 0,
        expectedKeyBytes: Int = 0
    ) throws(ExecutionError) {
        self.types = types
        self.tracker = tracker
        self.operatorName = operatorName
        var slotCount = 1024
        while slotCount < 2 * expectedGroups { slotCount *= 2 }
        let arenaBytes = Swift.max(1 << 14, expectedKeyBytes)
        let groups = Swift.max(512, expectedGroups)
        let bytes = slotCount * 8 + arenaBytes + groups * 16
        try tracker?.reserve(bytes, for: operatorName)
        trackedBytes = bytes
        // Assigned one by one so that a failed allocation frees the ones before it (deinit does not run).
        var allocated: [UnsafeMutableRawPointer] = []
        func allocate(_ count: Int) throws(ExecutionError) -> UnsafeMutableRawPointer {
            do {
                let raw = try MemoryTracker.reallocate(nil, bytes: count, for: operatorName)
                allocated.append(raw)
                return raw
            } catch {
                for raw in allocated { free(raw) }
                tracker?.release(bytes)
                throw error
            }
        }
        let rawSlots = try allocate(slotCount * 8)
        let rawArena = try allocate(arenaBytes)
        let rawOffsets = try allocate((groups + 1) * 8)
        let rawHashes = try allocate(groups * 8)
        slotMask = slotCount - 1
        slots = rawSlots.bindMemory(to: UInt64.self, capacity: slotCount)
        slots.initialize(repeating: 0, count: slotCount)
        arenaCapacity = arenaBytes
        arena = rawArena
        groupCapacity = groups
        keyOffsets = rawOffsets.bindMemory(to: Int.self, capacity: groups + 1)
        keyOffsets[0] = 0
        groupHashes = rawHashes.bindMemory(to: UInt64.self, capacity: groups)
    }

    deinit {
        free(slots)
        free(arena)
        free(keyOffsets)
        free(groupHashes)
        tracker?.release(trackedBytes)
    }

    /// Finds or creates the group of each of the first `rowCount` rows of `columns`; writes the
    /// group numbers to `groups`.
    func findOrInsert(_ columns: [ColumnVector], rowCount: Int, into groups: UnsafeMutablePointer<Int32>)
        throws(ExecutionError)
    {
        if indexedCount < groupCount { try indexAppended() }
        packer.pack(columns, rowCount: rowCount)
        try probe(packer.bytes, packer.offsets, packer.hashes, rowCount, groups)
    }

    /// Finds or creates the group of each of `rowCount` keys packed back to back (row `r` at
    /// `bytes[offsets[r] ..< offsets[r + 1]]`, as `KeyPacker` packs and hashes them, its hash
    /// `hashes[r]`); writes the group numbers to `groups`. Keys packed once (radix partitions)
    /// are neither packed nor hashed again.
    func findOrInsert(
        packed bytes: UnsafeRawPointer, offsets: UnsafePointer<Int32>, hashes: UnsafePointer<UInt64>, rowCount: Int,
        into groups: UnsafeMutablePointer<Int32>
    ) throws(ExecutionError) {
        if indexedCount < groupCount { try indexAppended() }
        try probe(bytes, offsets, hashes, rowCount, groups)
    }

    /// Finds or creates the groups of packed keys whose hashes are known (see `findOrInsert`).
    @inline(__always)
    private func probe<Offset: FixedWidthInteger>(
        _ bytes: UnsafeRawPointer, _ offsets: UnsafePointer<Offset>, _ hashes: UnsafePointer<UInt64>, _ rowCount: Int,
        _ groups: UnsafeMutablePointer<Int32>
    ) throws(ExecutionError) {
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
            let keyStart = bytes + Int(offsets[row]), keyLength = Int(offsets[row + 1]) &- Int(offsets[row])
            var slot = Int(truncatingIfNeeded: hash) & mask
            while true {
                let entry = slots[slot]
                if entry == 0 {
                    let group = try insert(
                        UnsafeRawBufferPointer(start: keyStart, count: keyLength), hash: hash, slot: slot)
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
                    if keyOffsets[group + 1] - start == keyLength
                        && (keyLength == 0 || memcmp(arena + start, keyStart, keyLength) == 0)
                    {
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
        if indexedCount < groupCount { try indexAppended() }
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
    func find(
        _ columns: [ColumnVector], rowCount: Int, into groups: UnsafeMutablePointer<Int32>, using packer: KeyPacker
    ) {
        precondition(indexedCount == groupCount, "a group table with appended groups probed before indexing them")
        packer.pack(columns, rowCount: rowCount)
        for row in 0..<rowCount {
            groups[row] = lookup(packer.key(row), hash: packer.hashes[row])
        }
    }

    /// The group of one packed key, or -1.
    func lookup(_ key: UnsafeRawBufferPointer, hash: UInt64) -> Int32 {
        precondition(indexedCount == groupCount, "a group table with appended groups probed before indexing them")
        let tag = hash & 0xFFFF_FFFF_0000_0000
        var slot = Int(truncatingIfNeeded: hash) & slotMask
        while true {
            let entry = slots[slot]
            if entry == 0 { return -1 }
            let group = Int(truncatingIfNeeded: entry & 0xFFFF_FFFF) &- 1
            if entry & 0xFFFF_FFFF_0000_0000 == tag && keyEquals(group, key.baseAddress, key.count) {
                return Int32(group)
            }
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
        indexedCount = groupCount
        slots[slot] = (hash & 0xFFFF_FFFF_0000_0000) | UInt64(group + 1)
        if groupCount * 2 > slotMask + 1 { try growSlots() }
        return group
    }

    /// Appends rows `0 ..< rowCount` of `columns` as new groups `groupCount ..< groupCount + rowCount`,
    /// in row order, without probing: the caller guarantees that no two of these keys are equal and
    /// that none is already in the table. The slots index them when the table is next probed.
    func append(_ columns: [ColumnVector], rowCount: Int) throws(ExecutionError) {
        guard rowCount > 0 else { return }
        if groupCount + rowCount >= Int(UInt32.max - 1) {
            throw ExecutionError(.memoryLimit, "\(operatorName) has more than 4 billion groups")
        }
        packer.pack(columns, rowCount: rowCount)
        let hashes = packer.hashes, bytes = packer.bytes, offsets = packer.offsets
        let keyBytes = offsets[rowCount] - offsets[0]
        while groupCount + rowCount > groupCapacity { try growGroups() }
        if arenaCount + keyBytes > arenaCapacity { try growArena(arenaCount + keyBytes) }
        (arena + arenaCount).copyMemory(from: bytes + offsets[0], byteCount: keyBytes)
        let keyOffsets = self.keyOffsets, groupHashes = self.groupHashes
        let shift = arenaCount &- offsets[0], first = groupCount
        for row in 0..<rowCount {
            keyOffsets[first + row + 1] = offsets[row + 1] &+ shift
            groupHashes[first + row] = hashes[row]
        }
        arenaCount += keyBytes
        groupCount = first + rowCount
    }

    /// Puts the appended groups into the slots, growing them once to hold every group at under half load.
    @inline(never)
    private func indexAppended() throws(ExecutionError) {
        var slotCount = slotMask + 1
        while groupCount * 2 > slotCount { slotCount *= 2 }
        if slotCount > slotMask + 1 {
            try rebuildSlots(slotCount)  // indexes every group
            return
        }
        let slots = self.slots, mask = slotMask, groupHashes = self.groupHashes
        for group in indexedCount..<groupCount {
            let hash = groupHashes[group]
            var slot = Int(truncatingIfNeeded: hash) & mask
            while slots[slot] != 0 { slot = (slot &+ 1) & mask }
            slots[slot] = (hash & 0xFFFF_FFFF_0000_0000) | UInt64(group + 1)
        }
        indexedCount = groupCount
    }

    /// Reserves every byte the table holds from its tracker (a table sized up front at `init`).
    func reserveFootprint() throws(ExecutionError) { try account(footprint) }

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
        // realloc: large blocks move by remapping their pages instead of copying them.
        // A failed realloc leaves the old block as it was, so the table stays whole.
        keyOffsets = try reallocate(keyOffsets, bytes: (capacity + 1) * 8).assumingMemoryBound(to: Int.self)
        groupHashes = try reallocate(groupHashes, bytes: capacity * 8).assumingMemoryBound(to: UInt64.self)
        groupCapacity = capacity
    }

    private func growArena(_ needed: Int) throws(ExecutionError) {
        var capacity = arenaCapacity * 2
        while capacity < needed { capacity *= 2 }
        try account(footprint + capacity - arenaCapacity)
        arena = try reallocate(arena, bytes: capacity)
        arenaCapacity = capacity
    }

    private func reallocate(_ pointer: UnsafeMutableRawPointer?, bytes: Int) throws(ExecutionError)
        -> UnsafeMutableRawPointer
    {
        try MemoryTracker.reallocate(pointer, bytes: bytes, for: operatorName)
    }

    private func growSlots() throws(ExecutionError) {
        try rebuildSlots((slotMask + 1) * 2)
    }

    /// Replaces the slots by `newCount` (a power of two) slots holding every group.
    private func rebuildSlots(_ newCount: Int) throws(ExecutionError) {
        try account(footprint + (newCount - slotMask - 1) * 8)
        let newSlots = try reallocate(nil, bytes: newCount * 8).bindMemory(to: UInt64.self, capacity: newCount)
        newSlots.initialize(repeating: 0, count: newCount)
        let newMask = newCount - 1
        for group in 0..<groupCount {
            let hash = groupHashes[group]
            var slot = Int(truncatingIfNeeded: hash) & newMask
            while newSlots[slot] != 0 { slot = (slot + 1) & newMask }
            newSlots[slot] = (hash & 0xFFFF_FFFF_0000_0000) | UInt64(group + 1)
        }
        free(slots)
        slots = newSlots
        slotMask = newMask
        indexedCount = groupCount
    }
}
