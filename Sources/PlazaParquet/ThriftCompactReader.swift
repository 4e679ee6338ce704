/// Decodes the Thrift compact protocol that Parquet uses for its footer and page headers.
///
/// Every read is bounds-checked against the buffer, nesting is limited to `maxDepth`, and list
/// sizes are checked against the bytes left (each element takes at least one byte), so a hostile
/// footer gives an error, never a trap or an allocation beyond the input's size.
/// The wire format: a field header byte holds the id delta (high nibble) and the type (low nibble);
/// integers are ULEB128 varints, signed ones zigzag-encoded; binaries are a varint length and bytes.
struct ThriftCompactReader {
    /// Compact-protocol type codes.
    enum WireType: UInt8 {
        case stop = 0, boolTrue = 1, boolFalse = 2, byte = 3, i16 = 4, i32 = 5, i64 = 6, double = 7
        case binary = 8, list = 9, set = 10, map = 11, structure = 12
    }

    /// A field header: its id and type (nil at the end of a struct).
    struct FieldHeader {
        var id: Int16
        var type: WireType
    }

    /// Deeper structures than this are refused (Parquet's own structures nest fewer than 8 levels).
    static let maxDepth = 32

    let bytes: UnsafeRawBufferPointer
    private(set) var position: Int
    private var depth = 0
    private var lastFieldIDs: [Int16] = []
    private var lastFieldID: Int16 = 0
    private var pendingBool: Bool?

    /// Creates a reader over `bytes` starting at `position`.
    init(_ bytes: UnsafeRawBufferPointer, position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    /// Bytes not yet read.
    var remaining: Int { bytes.count - position }

    private func fail(_ what: String) -> ParquetError {
        ParquetError(.corrupt, "Thrift metadata: \(what) at byte \(position)")
    }

    mutating func readByte() throws(ParquetError) -> UInt8 {
        guard position < bytes.count else { throw ParquetError(.truncated, "Thrift metadata ends early") }
        let byte = bytes[position]
        position += 1
        return byte
    }

    mutating func readVarint() throws(ParquetError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try readByte()
            guard shift < 64 else { throw fail("a varint longer than 10 bytes") }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    mutating func readI64() throws(ParquetError) -> Int64 {
        let raw = try readVarint()
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    mutating func readI32() throws(ParquetError) -> Int32 {
        let value = try readI64()
        guard let narrow = Int32(exactly: value) else { throw fail("an i32 out of range (\(value))") }
        return narrow
    }

    mutating func readI16() throws(ParquetError) -> Int16 {
        let value = try readI64()
        guard let narrow = Int16(exactly: value) else { throw fail("an i16 out of range (\(value))") }
        return narrow
    }

    mutating func readDouble() throws(ParquetError) -> Double {
        guard remaining >= 8 else { throw ParquetError(.truncated, "Thrift metadata ends early") }
        let bits = bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self)
        position += 8
        return Double(bitPattern: UInt64(littleEndian: bits))
    }

    /// A binary field: the byte range inside `bytes`.
    mutating func readBinaryRange() throws(ParquetError) -> Range<Int> {
        let length = try readVarint()
        guard length <= UInt64(remaining) else { throw fail("a binary of \(length) bytes past the end") }
        let start = position
        position += Int(length)
        return start..<position
    }

    mutating func readBinary() throws(ParquetError) -> [UInt8] {
        let range = try readBinaryRange()
        return Array(UnsafeRawBufferPointer(rebasing: bytes[range]))
    }

    mutating func readString() throws(ParquetError) -> String {
        let range = try readBinaryRange()
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// A boolean field's value (carried in its header) or a list element.
    mutating func readBool() throws(ParquetError) -> Bool {
        if let pending = pendingBool {
            pendingBool = nil
            return pending
        }
        return try readByte() == 1
    }

    mutating func beginStruct() throws(ParquetError) {
        depth += 1
        guard depth <= Self.maxDepth else { throw fail("structures nested deeper than \(Self.maxDepth)") }
        lastFieldIDs.append(lastFieldID)
        lastFieldID = 0
    }

    mutating func endStruct() {
        depth -= 1
        lastFieldID = lastFieldIDs.popLast() ?? 0
    }

    /// The next field's header, or nil at the struct's end.
    mutating func readFieldHeader() throws(ParquetError) -> FieldHeader? {
        let byte = try readByte()
        guard let type = WireType(rawValue: byte & 0x0F) else { throw fail("an unknown field type \(byte & 0x0F)") }
        if type == .stop { return nil }
        let delta = Int16(byte >> 4)
        let id: Int16
        if delta == 0 {
            id = try readI16()
        } else {
            let (sum, overflow) = lastFieldID.addingReportingOverflow(delta)
            guard !overflow else { throw fail("a field id overflow") }
            id = sum
        }
        lastFieldID = id
        if type == .boolTrue || type == .boolFalse { pendingBool = type == .boolTrue }
        return FieldHeader(id: id, type: type)
    }

    /// A list header: the element type and the count, checked against the bytes left.
    mutating func readListHeader() throws(ParquetError) -> (type: WireType, count: Int) {
        let byte = try readByte()
        guard let type = WireType(rawValue: byte & 0x0F) else { throw fail("an unknown element type") }
        var count = UInt64(byte >> 4)
        if count == 15 { count = try readVarint() }
        // Every element takes at least one byte (booleans one each), so a larger count is a lie.
        guard count <= UInt64(remaining) else { throw fail("a list of \(count) elements past the end") }
        return (type, Int(count))
    }

    /// Reads a list of `element`s (each read by `element`).
    mutating func readList<T>(_ element: (inout ThriftCompactReader) throws(ParquetError) -> T) throws(ParquetError)
        -> [T]
    {
        let (_, count) = try readListHeader()
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw fail("structures nested deeper than \(Self.maxDepth)") }
        var result: [T] = []
        result.reserveCapacity(min(count, 1024))
        for _ in 0..<count { result.append(try element(&self)) }
        return result
    }

    /// Reads a struct, handing each field to `field`, which must read or skip it.
    mutating func readStruct(_ field: (inout ThriftCompactReader, FieldHeader) throws(ParquetError) -> Void)
        throws(ParquetError)
    {
        try beginStruct()
        while let header = try readFieldHeader() { try field(&self, header) }
        endStruct()
    }

    /// Skips a value of `type`.
    mutating func skip(_ type: WireType) throws(ParquetError) {
        switch type {
        case .stop: throw fail("an unexpected stop")
        case .boolTrue, .boolFalse:
            if pendingBool != nil { pendingBool = nil } else { _ = try readByte() }
        case .byte: _ = try readByte()
        case .i16, .i32, .i64: _ = try readVarint()
        case .double:
            guard remaining >= 8 else { throw ParquetError(.truncated, "Thrift metadata ends early") }
            position += 8
        case .binary: _ = try readBinaryRange()
        case .list, .set:
            let (elementType, count) = try readListHeader()
            try nest()
            for _ in 0..<count { try skipElement(elementType) }
            depth -= 1
        case .map:
            let count = try readVarint()
            guard count <= UInt64(remaining) else { throw fail("a map of \(count) entries past the end") }
            if count > 0 {
                let types = try readByte()
                guard let key = WireType(rawValue: types >> 4), let value = WireType(rawValue: types & 0x0F) else {
                    throw fail("an unknown map type")
                }
                try nest()
                for _ in 0..<count {
                    try skipElement(key)
                    try skipElement(value)
                }
                depth -= 1
            }
        case .structure:
            try beginStruct()
            while let header = try readFieldHeader() { try skip(header.type) }
            endStruct()
        }
    }

    private mutating func nest() throws(ParquetError) {
        depth += 1
        guard depth <= Self.maxDepth else { throw fail("structures nested deeper than \(Self.maxDepth)") }
    }

    /// Skips a collection element (booleans are one byte there, not part of a header).
    private mutating func skipElement(_ type: WireType) throws(ParquetError) {
        if type == .boolTrue || type == .boolFalse {
            _ = try readByte()
        } else {
            try skip(type)
        }
    }
}
