/// A test-only reader of the Arrow IPC streams Plaza writes: enough of the format to check the
/// encoder byte by byte (framing, alignment, FlatBuffer metadata, buffers) and to read values back.
/// It refuses what Plaza never writes (compression, dictionaries, nested types).
public struct ArrowStreamReader {
    /// One field of the schema.
    public struct Field: Equatable, Sendable {
        /// The column name.
        public var name: String
        /// The `Type` union id (2 Int, 3 FloatingPoint, 5 Utf8, 6 Bool, 7 Decimal, 8 Date, 10 Timestamp, 11 Interval, 1 Null).
        public var typeID: UInt8
        /// The type table's scalar fields in id order, as Plaza writes them (Int: bitWidth, is_signed; …).
        public var parameters: [Int64]
        /// Whether the field says it may hold NULLs.
        public var isNullable: Bool

        /// A field as a test expects it.
        public init(name: String, typeID: UInt8, parameters: [Int64], isNullable: Bool) {
            self.name = name
            self.typeID = typeID
            self.parameters = parameters
            self.isNullable = isNullable
        }
    }

    /// One decoded value.
    public enum Cell: Hashable, Sendable {
        case null
        case int64(Int64)
        case int32(Int32)
        case double(Double)
        case bool(Bool)
        case utf8(String)
        case decimal(Int128)
        case interval(months: Int32, days: Int32, nanoseconds: Int64)
    }

    /// One record batch: its metadata as written and its values, column by column.
    public struct RecordBatch: Sendable {
        /// RecordBatch.length.
        public var length: Int
        /// FieldNode (length, null_count) per column.
        public var nodes: [(length: Int, nullCount: Int)]
        /// Buffer (offset, length) in body order.
        public var buffers: [(offset: Int, length: Int)]
        /// The values, `columns[column][row]`.
        public var columns: [[Cell]]
    }

    /// A stream that breaks the format.
    public struct Failure: Error, CustomStringConvertible {
        /// What is wrong, and where.
        public var description: String
    }

    /// The schema's fields.
    public private(set) var fields: [Field] = []
    /// The record batches, in order.
    public private(set) var batches: [RecordBatch] = []

    /// Reads a whole stream: a schema message, record batches, the end-of-stream marker, nothing after.
    public init(_ bytes: [UInt8]) throws(Failure) {
        var position = 0
        var sawSchema = false
        while true {
            guard position + 8 <= bytes.count else { throw Failure(description: "no end-of-stream marker") }
            guard bytes.uint32(at: position) == 0xFFFF_FFFF else {
                throw Failure(description: "no continuation word at \(position)")
            }
            let metadataLength = Int(bytes.uint32(at: position + 4))
            if metadataLength == 0 {
                guard position + 8 == bytes.count else { throw Failure(description: "bytes after the end marker") }
                break
            }
            guard metadataLength % 8 == 0 else { throw Failure(description: "metadata of \(metadataLength) bytes") }
            let message = FlatTable(bytes: bytes, position: position + 8 + Int(bytes.uint32(at: position + 8)))
            guard message.scalar(0, Int16.self) == 4 else { throw Failure(description: "not MetadataVersion V5") }
            let bodyLength = Int(message.scalar(3, Int64.self) ?? 0)
            guard bodyLength % 8 == 0 else { throw Failure(description: "body of \(bodyLength) bytes") }
            let bodyStart = position + 8 + metadataLength
            guard let header = message.table(2) else { throw Failure(description: "message without header") }
            switch message.scalar(1, UInt8.self) {
            case 1:
                guard !sawSchema, bodyLength == 0 else {
                    throw Failure(description: "a second schema or a schema body")
                }
                sawSchema = true
                fields = try Self.fields(header)
            case 3:
                guard sawSchema else { throw Failure(description: "a record batch before the schema") }
                batches.append(try readBatch(header, body: bodyStart, bodyLength: bodyLength, bytes: bytes))
            default:
                throw Failure(description: "unexpected message type \(message.scalar(1, UInt8.self) ?? 0)")
            }
            position = bodyStart + bodyLength
        }
    }

    private static func fields(_ schema: FlatTable) throws(Failure) -> [Field] {
        guard schema.scalar(0, Int16.self) ?? 0 == 0 else { throw Failure(description: "big-endian schema") }
        var fields: [Field] = []
        for field in schema.tables(1) {
            guard let typeID = field.scalar(2, UInt8.self), let type = field.table(3) else {
                throw Failure(description: "a field without a type")
            }
            guard field.vector(5)?.count == 0 else { throw Failure(description: "children missing or not empty") }
            var parameters: [Int64] = []
            switch typeID {
            case 2: parameters = [Int64(type.scalar(0, Int32.self) ?? -1), Int64(type.scalar(1, UInt8.self) ?? 0)]
            case 7:
                parameters = [0, 1, 2].map { Int64(type.scalar($0, Int32.self) ?? -1) }
            case 3, 8, 10, 11: parameters = [Int64(type.scalar(0, Int16.self) ?? -1)]
            default: break
            }
            if typeID == 10 && type.field(1) != nil { throw Failure(description: "a timestamp with a time zone") }
            fields.append(
                Field(
                    name: field.string(0) ?? "", typeID: typeID, parameters: parameters,
                    isNullable: field.scalar(1, UInt8.self) == 1))
        }
        return fields
    }

    private func readBatch(_ table: FlatTable, body: Int, bodyLength: Int, bytes: [UInt8]) throws(Failure)
        -> RecordBatch
    {
        guard table.field(3) == nil else { throw Failure(description: "a compressed body") }
        let length = Int(table.scalar(0, Int64.self) ?? -1)
        let nodes = table.structs(1).map { (length: Int(bytes.int64(at: $0)), nullCount: Int(bytes.int64(at: $0 + 8))) }
        let buffers = table.structs(2).map { (offset: Int(bytes.int64(at: $0)), length: Int(bytes.int64(at: $0 + 8))) }
        guard nodes.count == fields.count else { throw Failure(description: "\(nodes.count) nodes") }
        for buffer in buffers where buffer.offset % 8 != 0 || buffer.offset + buffer.length > bodyLength {
            throw Failure(description: "buffer at \(buffer.offset) of \(buffer.length) bytes")
        }
        var next = 0
        var columns: [[Cell]] = []
        for (field, node) in zip(fields, nodes) {
            guard node.length == length else { throw Failure(description: "a node of \(node.length) rows") }
            if field.typeID == 1 {
                columns.append(Array(repeating: .null, count: length))
                continue
            }
            let validity = buffers[next]
            let values = buffers[next + 1]
            next += 2
            guard validity.length == 0 ? node.nullCount == 0 : validity.length >= (length + 7) / 8 else {
                throw Failure(description: "validity of \(validity.length) bytes for \(node.nullCount) NULLs")
            }
            var cells: [Cell] = []
            var nulls = 0
            let data = body + values.offset
            for row in 0..<length {
                if validity.length > 0 && bytes[body + validity.offset + row / 8] >> (row % 8) & 1 == 0 {
                    cells.append(.null)
                    nulls += 1
                    continue
                }
                switch field.typeID {
                case 2, 10: cells.append(.int64(bytes.int64(at: data + 8 * row)))
                case 3: cells.append(.double(Double(bitPattern: UInt64(bitPattern: bytes.int64(at: data + 8 * row)))))
                case 6: cells.append(.bool(bytes[data + row / 8] >> (row % 8) & 1 == 1))
                case 8: cells.append(.int32(Int32(bitPattern: bytes.uint32(at: data + 4 * row))))
                case 7:
                    let low = UInt64(bitPattern: bytes.int64(at: data + 16 * row))
                    let high = bytes.int64(at: data + 16 * row + 8)
                    cells.append(.decimal(Int128(high) << 64 | Int128(low)))
                case 11:
                    let slot = data + 16 * row
                    cells.append(
                        .interval(
                            months: Int32(bitPattern: bytes.uint32(at: slot)),
                            days: Int32(bitPattern: bytes.uint32(at: slot + 4)), nanoseconds: bytes.int64(at: slot + 8))
                    )
                case 5:
                    let text = body + buffers[next].offset
                    let start = Int(bytes.uint32(at: data + 4 * row)), end = Int(bytes.uint32(at: data + 4 * row + 4))
                    cells.append(.utf8(String(decoding: bytes[text + start..<text + end], as: UTF8.self)))
                default: throw Failure(description: "type \(field.typeID)")
                }
            }
            if field.typeID == 5 {
                guard Int(bytes.uint32(at: data)) == 0, values.length == 4 * (length + 1) else {
                    throw Failure(description: "offsets not starting at 0 or of \(values.length) bytes")
                }
                next += 1
            }
            guard nulls == node.nullCount else {
                throw Failure(description: "null_count \(node.nullCount), \(nulls) NULLs")
            }
            columns.append(cells)
        }
        guard next == buffers.count else { throw Failure(description: "\(buffers.count) buffers, \(next) read") }
        return RecordBatch(length: length, nodes: nodes, buffers: buffers, columns: columns)
    }
}

/// A FlatBuffer table: its position, and field lookups through its vtable.
public struct FlatTable {
    /// The whole buffer the table sits in.
    public let bytes: [UInt8]
    /// Where the table starts (its distance to the vtable).
    public let position: Int

    /// A table at `position` of `bytes`.
    public init(bytes: [UInt8], position: Int) {
        self.bytes = bytes
        self.position = position
    }

    /// Where field `id`'s value sits, or nil when the vtable says it is absent.
    public func field(_ id: Int) -> Int? {
        let vtable = position - Int(Int32(bitPattern: bytes.uint32(at: position)))
        let vtableSize = Int(bytes.uint16(at: vtable))
        guard 4 + 2 * id < vtableSize else { return nil }
        let offset = Int(bytes.uint16(at: vtable + 4 + 2 * id))
        return offset == 0 ? nil : position + offset
    }

    /// A scalar field (little-endian), checked to be aligned to its size.
    public func scalar<T: FixedWidthInteger>(_ id: Int, _: T.Type) -> T? {
        guard let at = field(id) else { return nil }
        precondition(at % MemoryLayout<T>.size == 0, "field \(id) at \(at) is not aligned")
        var value = T.zero
        for index in 0..<MemoryLayout<T>.size { value |= T(truncatingIfNeeded: bytes[at + index]) << (8 * index) }
        return value
    }

    /// Where an offset field points.
    func target(_ id: Int) -> Int? { field(id).map { $0 + Int(bytes.uint32(at: $0)) } }

    /// A sub-table field.
    public func table(_ id: Int) -> FlatTable? { target(id).map { FlatTable(bytes: bytes, position: $0) } }

    /// A string field.
    public func string(_ id: Int) -> String? {
        guard let at = target(id) else { return nil }
        let count = Int(bytes.uint32(at: at))
        precondition(bytes[at + 4 + count] == 0, "a string without its terminating 0")
        return String(decoding: bytes[at + 4..<at + 4 + count], as: UTF8.self)
    }

    /// A vector field: where its first element sits and how many there are.
    public func vector(_ id: Int) -> (start: Int, count: Int)? {
        target(id).map { (start: $0 + 4, count: Int(bytes.uint32(at: $0))) }
    }

    /// A vector of tables.
    public func tables(_ id: Int) -> [FlatTable] {
        guard let (start, count) = vector(id) else { return [] }
        return (0..<count).map {
            FlatTable(bytes: bytes, position: start + 4 * $0 + Int(bytes.uint32(at: start + 4 * $0)))
        }
    }

    /// A vector of 16-byte structs: where each starts (checked to be 8-aligned).
    public func structs(_ id: Int) -> [Int] {
        guard let (start, count) = vector(id) else { return [] }
        precondition(start % 8 == 0, "structs at \(start) are not 8-aligned")
        return (0..<count).map { start + 16 * $0 }
    }
}

extension Array where Element == UInt8 {
    /// The little-endian `UInt16` at `at`.
    public func uint16(at position: Int) -> UInt16 { UInt16(self[position]) | UInt16(self[position + 1]) << 8 }

    /// The little-endian `UInt32` at `at`.
    public func uint32(at position: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(self[position + $1]) << (8 * $1) }
    }

    /// The little-endian `Int64` at `at`.
    public func int64(at position: Int) -> Int64 {
        Int64(bitPattern: (0..<8).reduce(0) { $0 | UInt64(self[position + $1]) << (8 * $1) })
    }
}
