import PlazaCore

/// Packs the values of several columns, row by row, into byte strings that compare equal exactly
/// when the SQL values are equal (NULL equal to NULL, -0.0 to 0.0, every NaN to every NaN), and hashes them.
///
/// Layout of one packed row, column after column: a byte 0 (NULL) or 1 (value), then for a value
/// its fixed-width bytes, or for a string its length as a little-endian UInt32 and its UTF-8 bytes.
/// Group tables, DISTINCT, join keys and IN-sets all key on this form.
@usableFromInline package final class KeyPacker {
    /// The packed bytes of all rows, back to back.
    @usableFromInline package private(set) var bytes: UnsafeMutableRawPointer
    /// Room in `bytes`.
    package private(set) var byteCapacity: Int
    /// Row `i` occupies `bytes[offsets[i] ..< offsets[i + 1]]`; `count + 1` entries.
    @usableFromInline package private(set) var offsets: UnsafeMutablePointer<Int>
    /// The hash of each packed row.
    package private(set) var hashes: UnsafeMutablePointer<UInt64>
    /// Room in `offsets` and `hashes`.
    package private(set) var rowCapacity: Int
    /// The number of packed rows.
    package private(set) var count: Int = 0

    /// Creates an empty packer.
    package init() {
        byteCapacity = 1 << 14
        bytes = .allocate(byteCount: byteCapacity, alignment: 8)
        rowCapacity = ColumnVector.batchCapacity
        offsets = .allocate(capacity: rowCapacity + 1)
        hashes = .allocate(capacity: rowCapacity)
    }

    deinit {
        bytes.deallocate()
        offsets.deallocate()
        hashes.deallocate()
    }

    /// Packs rows `0 ..< rowCount` of `columns` (flat or dictionary vectors) and hashes them.
    package func pack(_ columns: [ColumnVector], rowCount: Int) {
        if rowCount > rowCapacity { growRows(rowCount) }
        count = rowCount
        // Locals: class properties read in a loop pay an exclusivity check each time.
        let offsets = self.offsets, hashes = self.hashes
        // Pass 1: the length of each row.
        for row in 0..<rowCount { offsets[row + 1] = 0 }
        for column in columns {
            let source = column.dictionary ?? column
            let codes: UnsafeMutablePointer<UInt32>? =
                column.isDictionary ? column.data.assumingMemoryBound(to: UInt32.self) : nil
            let validity = column.validity
            if source.physicalType == .string {
                let sourceOffsets = source.offsets
                for row in 0..<rowCount {
                    if validity.isValid(at: row) {
                        let r = codes != nil ? Int(codes![row]) : row
                        offsets[row + 1] += 5 + Int(sourceOffsets[r + 1] - sourceOffsets[r])
                    } else {
                        offsets[row + 1] += 1
                    }
                }
            } else if validity.isAllValid {
                let add = 1 + source.byteWidth
                for row in 0..<rowCount { offsets[row + 1] &+= add }
            } else {
                let width = source.byteWidth
                for row in 0..<rowCount { offsets[row + 1] += validity.isValid(at: row) ? 1 + width : 1 }
            }
        }
        offsets[0] = 0
        for row in 0..<rowCount { offsets[row + 1] += offsets[row] }
        let total = offsets[rowCount]
        if total > byteCapacity { growBytes(total) }
        // Pass 2: the bytes; `cursor` tracks where each row's next column goes.
        let cursor = UnsafeMutablePointer<Int>.allocate(capacity: Swift.max(rowCount, 1))
        defer { cursor.deallocate() }
        cursor.update(from: offsets, count: rowCount)
        let bytes = self.bytes
        for column in columns {
            let source = column.dictionary ?? column
            let codes: UnsafeMutablePointer<UInt32>? =
                column.isDictionary ? column.data.assumingMemoryBound(to: UInt32.self) : nil
            let validity = column.validity
            let width = source.byteWidth
            if codes == nil && validity.isAllValid && (width == 8 || width == 4) && source.physicalType != .double {
                // The common case: a flat integer column without NULLs.
                let data = source.data
                if width == 8 {
                    for row in 0..<rowCount {
                        let at = cursor[row]
                        bytes.storeBytes(of: 1, toByteOffset: at, as: UInt8.self)
                        bytes.storeBytes(
                            of: data.load(fromByteOffset: row &* 8, as: UInt64.self), toByteOffset: at &+ 1,
                            as: UInt64.self)
                        cursor[row] = at &+ 9
                    }
                } else {
                    for row in 0..<rowCount {
                        let at = cursor[row]
                        bytes.storeBytes(of: 1, toByteOffset: at, as: UInt8.self)
                        bytes.storeBytes(
                            of: data.load(fromByteOffset: row &* 4, as: UInt32.self), toByteOffset: at &+ 1,
                            as: UInt32.self)
                        cursor[row] = at &+ 5
                    }
                }
                continue
            }
            let isString = source.physicalType == .string
            let isDouble = source.physicalType == .double
            // Hoisted: reading a class property inside the loop costs an exclusivity check per row.
            let sourceData = source.data, sourceHeap = source.heap
            let sourceOffsets = sourceData.assumingMemoryBound(to: Int32.self)
            for row in 0..<rowCount {
                var at = cursor[row]
                if !validity.isValid(at: row) {
                    bytes.storeBytes(of: 0, toByteOffset: at, as: UInt8.self)
                    cursor[row] = at + 1
                    continue
                }
                bytes.storeBytes(of: 1, toByteOffset: at, as: UInt8.self)
                at += 1
                let r = codes != nil ? Int(codes![row]) : row
                if isString {
                    let start = Int(sourceOffsets[r]), length = Int(sourceOffsets[r + 1]) - start
                    bytes.storeBytes(of: UInt32(length).littleEndian, toByteOffset: at, as: UInt32.self)
                    if length > 0 { (bytes + at + 4).copyMemory(from: sourceHeap + start, byteCount: length) }
                    at += 4 + length
                } else if isDouble {
                    var d = sourceData.load(fromByteOffset: r * 8, as: Double.self)
                    if d == 0 { d = 0 }  // -0.0 groups with 0.0
                    if d.isNaN { d = .nan }
                    bytes.storeBytes(of: d.bitPattern, toByteOffset: at, as: UInt64.self)
                    at += 8
                } else {
                    (bytes + at).copyMemory(from: sourceData + r * width, byteCount: width)
                    at += width
                }
                cursor[row] = at
            }
        }
        for row in 0..<rowCount {
            hashes[row] = KeyPacker.hash(UnsafeRawPointer(bytes + offsets[row]), offsets[row + 1] - offsets[row])
        }
    }

    /// The packed bytes of row `row`.
    @inlinable
    package func key(_ row: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: bytes + offsets[row], count: offsets[row + 1] - offsets[row])
    }

    /// A 64-bit hash of `length` bytes at `start` (multiply-xorshift over 8-byte words).
    @inlinable
    package static func hash(_ start: UnsafeRawPointer, _ length: Int) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: length)
        var at = 0
        while at + 8 <= length {
            let word = start.loadUnaligned(fromByteOffset: at, as: UInt64.self)
            h = (h ^ word) &* 0xBF58_476D_1CE4_E5B9
            h ^= h &>> 31
            at += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while at < length {
            tail |= UInt64(start.load(fromByteOffset: at, as: UInt8.self)) &<< shift
            shift &+= 8
            at += 1
        }
        h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
        h ^= h &>> 29
        h = h &* 0xBF58_476D_1CE4_E5B9
        h ^= h &>> 32
        return h
    }

    /// Copies `count` bytes that do not overlap, 8 at a time and then one by one: short keys and
    /// strings copied one by one cost a `memmove` call each otherwise.
    @inlinable @inline(__always)
    package static func copyBytes(to target: UnsafeMutableRawPointer, from source: UnsafeRawPointer, count: Int) {
        if count > 128 {
            target.copyMemory(from: source, byteCount: count)
            return
        }
        var at = 0
        while at &+ 8 <= count {
            target.storeBytes(
                of: source.loadUnaligned(fromByteOffset: at, as: UInt64.self), toByteOffset: at, as: UInt64.self)
            at &+= 8
        }
        while at < count {
            target.storeBytes(of: source.load(fromByteOffset: at, as: UInt8.self), toByteOffset: at, as: UInt8.self)
            at &+= 1
        }
    }

    @inline(never)
    func growRows(_ needed: Int) {
        offsets.deallocate()
        hashes.deallocate()
        rowCapacity = needed
        offsets = .allocate(capacity: needed + 1)
        hashes = .allocate(capacity: needed)
    }

    @inline(never)
    func growBytes(_ needed: Int) {
        bytes.deallocate()
        var capacity = byteCapacity
        while capacity < needed { capacity *= 2 }
        byteCapacity = capacity
        bytes = .allocate(byteCount: capacity, alignment: 8)
    }

    /// Decodes packed rows back into one flat vector per type (the inverse of `pack`).
    package static func unpack(_ keys: [UnsafeRawBufferPointer], types: [DataType]) -> [ColumnVector] {
        let columns = types.map { ColumnVector(type: $0, capacity: Swift.max(keys.count, 1)) }
        if !columns.contains(where: { $0.physicalType == .string }) {
            unpackFixed(keys, into: columns)
            return columns
        }
        unpackMixed(keys, into: columns)
        return columns
    }

    /// `unpack` with text columns: a first pass sums each text column's bytes so its heap is
    /// allocated once, a second writes values, offsets and bytes through local pointers (appending
    /// value by value grew the heaps by copying and checked each property access).
    private static func unpackMixed(_ keys: [UnsafeRawBufferPointer], into columns: [ColumnVector]) {
        let widths = columns.map { $0.physicalType == .string ? -1 : $0.byteWidth }
        var heapBytes = Array(repeating: 0, count: columns.count)
        for key in keys {
            var at = 0
            for column in 0..<widths.count {
                let isValid = key.load(fromByteOffset: at, as: UInt8.self) != 0
                at &+= 1
                guard isValid else { continue }
                if widths[column] < 0 {
                    let length = Int(UInt32(littleEndian: key.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
                    heapBytes[column] &+= length
                    at &+= 4 &+ length
                } else {
                    at &+= widths[column]
                }
            }
        }
        for (column, vector) in columns.enumerated() where widths[column] < 0 {
            vector.reserveHeap(heapBytes[column])
        }
        let datas = columns.map(\.data), heaps = columns.map(\.heap)
        var ends = Array(repeating: 0, count: columns.count)
        var nullRows: [[Int]] = Array(repeating: [], count: columns.count)
        for (row, key) in keys.enumerated() {
            let base = key.baseAddress!
            var at = 0
            for column in 0..<widths.count {
                let width = widths[column]
                let isValid = base.load(fromByteOffset: at, as: UInt8.self) != 0
                at &+= 1
                if !isValid { nullRows[column].append(row) }
                if width < 0 {
                    if isValid {
                        let length = Int(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
                        KeyPacker.copyBytes(to: heaps[column] + ends[column], from: base + at + 4, count: length)
                        ends[column] &+= length
                        at &+= 4 &+ length
                    }
                    datas[column].storeBytes(of: Int32(ends[column]), toByteOffset: (row + 1) * 4, as: Int32.self)
                } else {
                    let target = datas[column] + row &* width
                    if isValid {
                        // Typed stores for the common widths: a byte copy of a runtime width is a `memmove` call.
                        switch width {
                        case 8:
                            target.storeBytes(
                                of: base.loadUnaligned(fromByteOffset: at, as: UInt64.self), as: UInt64.self)
                        case 4:
                            target.storeBytes(
                                of: base.loadUnaligned(fromByteOffset: at, as: UInt32.self), as: UInt32.self)
                        default: target.copyMemory(from: base + at, byteCount: width)
                        }
                        at &+= width
                    } else {
                        target.initializeMemory(as: UInt8.self, repeating: 0, count: width)
                    }
                }
            }
        }
        for (column, vector) in columns.enumerated() {
            if widths[column] < 0 {
                vector.setHeapCount(ends[column])
                vector.count = keys.count
            } else {
                vector.setCount(keys.count)
            }
            for row in nullRows[column] { vector.setValid(false, at: row) }
        }
    }

    /// `unpack` for fixed-width columns only: writes each value in place through local pointers
    /// (no per-value property access), then marks the NULL rows.
    private static func unpackFixed(_ keys: [UnsafeRawBufferPointer], into columns: [ColumnVector]) {
        let datas = columns.map(\.data), widths = columns.map(\.byteWidth)
        var nullRows: [[Int]] = Array(repeating: [], count: columns.count)
        for (row, key) in keys.enumerated() {
            let base = key.baseAddress!
            var at = 0
            for column in 0..<datas.count {
                let width = widths[column]
                let target = datas[column] + row &* width
                if base.load(fromByteOffset: at, as: UInt8.self) != 0 {
                    switch width {
                    case 8:
                        target.storeBytes(
                            of: base.loadUnaligned(fromByteOffset: at + 1, as: UInt64.self), as: UInt64.self)
                    case 4:
                        target.storeBytes(
                            of: base.loadUnaligned(fromByteOffset: at + 1, as: UInt32.self), as: UInt32.self)
                    default: target.copyMemory(from: base + at + 1, byteCount: width)
                    }
                    at &+= 1 &+ width
                } else {
                    target.initializeMemory(as: UInt8.self, repeating: 0, count: width)
                    nullRows[column].append(row)
                    at &+= 1
                }
            }
        }
        for (column, vector) in columns.enumerated() {
            vector.setCount(keys.count)
            for row in nullRows[column] { vector.setValid(false, at: row) }
        }
    }
}
