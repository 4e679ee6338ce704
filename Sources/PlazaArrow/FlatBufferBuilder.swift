/// Builds one FlatBuffer, back to front, the way the format is meant to be written: a table is
/// written after (so it sits before) the strings, vectors and tables it points at, since offsets
/// to them are unsigned and point forward.
///
/// ```swift
/// var builder = FlatBufferBuilder()
/// let name = builder.string("folio")
/// builder.startTable()
/// builder.add(name, at: 0)
/// builder.add(true, at: 1)
/// let bytes = builder.finish(builder.endTable())
/// ```
/// Layout (FlatBuffers "Internals"): the buffer opens with a `uint32` offset to the root table;
/// a table opens with an `int32` distance back to its vtable (`uint16` vtable size, `uint16` table
/// size, then one `uint16` position per field, 0 when absent); vectors and strings are a `uint32`
/// count then the elements (strings end with a 0 byte). Every scalar is little-endian and aligned
/// to its size in the finished buffer. Fields equal to their schema default are still written
/// (readers take either), and vtables are not shared: both keep the builder small.
package struct FlatBufferBuilder {
    /// Where an object sits, counted from the end of the buffer (stable as the buffer grows at its front).
    package struct Offset: Hashable, Sendable {
        /// Bytes from the object's first byte to the end of the buffer.
        package let fromEnd: Int
    }

    /// The bytes written so far occupy `storage[head...]`.
    private var storage: [UInt8]
    private var head: Int
    /// The largest alignment any value needs: the finished size is a multiple of it.
    private var largestAlignment = 4
    /// The fields of the open table: their id and where their value ends (from the end).
    private var fields: [(id: Int, fromEnd: Int)] = []
    /// The size when the open table was started; nil outside a table.
    private var tableStart: Int?

    /// Creates an empty builder with room for `capacity` bytes before it grows.
    package init(capacity: Int = 1024) {
        storage = [UInt8](repeating: 0, count: Swift.max(capacity, 64))
        head = storage.count
    }

    /// The number of bytes written so far.
    package var size: Int { storage.count - head }

    // MARK: Objects

    /// Writes a UTF-8 string: its byte count, the bytes and a terminating 0.
    package mutating func string(_ text: String) -> Offset {
        precondition(tableStart == nil, "a string is written before the table that refers to it")
        let bytes = Array(text.utf8)
        align(4, before: bytes.count + 1)
        push(UInt8(0))
        reserve(bytes.count)
        head -= bytes.count
        storage.replaceSubrange(head..<head + bytes.count, with: bytes)
        push(UInt32(bytes.count))
        return Offset(fromEnd: size)
    }

    /// Writes a vector of offsets to objects written before (a vector of tables or strings).
    package mutating func vector(of offsets: [Offset]) -> Offset {
        precondition(tableStart == nil, "a vector is written before the table that refers to it")
        align(4, before: 4 * offsets.count)
        for offset in offsets.reversed() { pushOffset(offset) }
        push(UInt32(offsets.count))
        return Offset(fromEnd: size)
    }

    /// Writes a vector of `count` structs (or scalars) whose little-endian bytes, in order, are
    /// `elements`; the first element is aligned to `alignment`.
    package mutating func vector(ofStructs elements: [UInt8], count: Int, alignment: Int) -> Offset {
        precondition(tableStart == nil, "a vector is written before the table that refers to it")
        precondition(count == 0 || elements.count % count == 0, "elements of unequal size")
        align(4, before: elements.count)
        align(alignment, before: elements.count)
        reserve(elements.count)
        head -= elements.count
        storage.replaceSubrange(head..<head + elements.count, with: elements)
        push(UInt32(count))
        return Offset(fromEnd: size)
    }

    // MARK: Tables

    /// Opens a table; write its strings, vectors and sub-tables before this call, and its fields after.
    package mutating func startTable() {
        precondition(tableStart == nil, "tables do not nest while being written")
        fields.removeAll(keepingCapacity: true)
        tableStart = size
    }

    /// Adds a scalar field (an integer, or an enum's raw value) with id `field`.
    package mutating func add<T: FixedWidthInteger>(_ value: T, at field: Int) {
        precondition(tableStart != nil, "a field belongs to an open table")
        align(MemoryLayout<T>.size, before: 0)
        push(value)
        fields.append((field, size))
    }

    /// Adds a Boolean field (one byte, 0 or 1).
    package mutating func add(_ flag: Bool, at field: Int) { add(UInt8(flag ? 1 : 0), at: field) }

    /// Adds a field that points at a string, vector or table written before `startTable()`.
    package mutating func add(_ offset: Offset, at field: Int) {
        precondition(tableStart != nil, "a field belongs to an open table")
        pushOffset(offset)
        fields.append((field, size))
    }

    /// Closes the table: writes its vtable and the distance to it.
    package mutating func endTable() -> Offset {
        guard let start = tableStart else { preconditionFailure("no open table") }
        align(4, before: 0)
        push(Int32(0))  // the distance to the vtable, patched below once the vtable is written
        let table = size
        let slots = (fields.map(\.id).max() ?? -1) + 1
        var positions = [UInt16](repeating: 0, count: slots)
        for (id, fromEnd) in fields {
            precondition(positions[id] == 0, "field \(id) added twice")
            positions[id] = UInt16(table - fromEnd)
        }
        for position in positions.reversed() { push(position) }
        push(UInt16(table - start))
        push(UInt16(4 + 2 * slots))
        // The table's first word is `table position - vtable position`; the vtable sits just before it.
        let distance = Int32(size - table)
        withUnsafeBytes(of: distance.littleEndian) { bytes in
            storage.replaceSubrange(storage.count - table..<storage.count - table + 4, with: bytes)
        }
        tableStart = nil
        return Offset(fromEnd: table)
    }

    /// Completes the buffer with `root` as its root table and returns its bytes, whose count is a
    /// multiple of the largest alignment used (8 once any 64-bit value is written).
    package mutating func finish(_ root: Offset) -> [UInt8] {
        precondition(tableStart == nil, "a table is still open")
        align(largestAlignment, before: 4)
        pushOffset(root)
        return Array(storage[head...])
    }

    // MARK: Bytes

    /// Pads with zeros so that, after `extra` more bytes, the size is a multiple of `alignment`.
    private mutating func align(_ alignment: Int, before extra: Int) {
        largestAlignment = Swift.max(largestAlignment, alignment)
        let padding = (alignment - (size + extra) % alignment) % alignment
        reserve(padding)
        for _ in 0..<padding {
            head -= 1
            storage[head] = 0
        }
    }

    /// Writes an offset to `target`, relative to where it is stored.
    private mutating func pushOffset(_ target: Offset) {
        align(4, before: 0)
        precondition(target.fromEnd <= size, "an offset points at an object written before it")
        push(UInt32(size + 4 - target.fromEnd))
    }

    /// Writes `value` little-endian in front of what is there (the caller aligned it).
    private mutating func push<T: FixedWidthInteger>(_ value: T) {
        let width = MemoryLayout<T>.size
        reserve(width)
        head -= width
        withUnsafeBytes(of: value.littleEndian) { bytes in
            for index in 0..<width { storage[head + index] = bytes[index] }
        }
    }

    /// Makes room for `count` more bytes in front, moving what is written to the end of a larger array.
    private mutating func reserve(_ count: Int) {
        guard head < count else { return }
        let used = size
        var capacity = storage.count * 2
        while capacity - used < count { capacity *= 2 }
        var larger = [UInt8](repeating: 0, count: capacity)
        larger.replaceSubrange(capacity - used..<capacity, with: storage[head...])
        storage = larger
        head = capacity - used
    }
}
