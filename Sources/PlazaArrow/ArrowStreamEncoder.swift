import PlazaCore
import PlazaVector

/// Encodes result columns as an Apache Arrow IPC stream (the "streaming format"): a schema
/// message, one record batch message per batch, then the end-of-stream marker.
///
/// ```swift
/// let encoder = ArrowStreamEncoder(fields: fields)
/// var bytes = encoder.schemaMessage()
/// bytes += try encoder.recordBatchMessage(columns, count: rows)
/// bytes += ArrowStreamEncoder.endOfStream
/// ```
/// `ArrowStreamWriter` builds on it to take batches of any size (selections, dictionaries).
/// Each message is framed as the IPC format says: `0xFFFFFFFF`, the metadata size (`int32`,
/// little-endian), a FlatBuffer `Message` (Arrow's `format/Message.fbs`, `format/Schema.fbs`)
/// padded to 8 bytes, then the body, every buffer starting at a multiple of 8.
///
/// Types: BIGINT → Int(64, signed); DOUBLE → FloatingPoint(DOUBLE); BOOLEAN → Bool (bit-packed);
/// VARCHAR → Utf8 (dictionary vectors flattened, int32 offsets: a `ColumnVector` keeps int32
/// offsets itself, so one batch's text never needs LargeUtf8); DATE → Date(DAY); TIMESTAMP →
/// Timestamp(MICROSECOND) without a time zone; DECIMAL(p,s) → Decimal(p, s, 128);
/// INTERVAL → Interval(MONTH_DAY_NANO), since Plaza's months/days/microseconds map to it without
/// loss (a Duration has no months); an untyped NULL column → Null. Every field is marked
/// nullable, as DuckDB does, so a reader that checks the flag never refuses a batch.
package struct ArrowStreamEncoder: Sendable {
    /// The columns, in order.
    package let fields: [Field]

    /// An encoder for rows of `fields`.
    package init(fields: [Field]) { self.fields = fields }

    /// The end-of-stream marker: a continuation word and a zero metadata size.
    package static let endOfStream: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]

    /// `MetadataVersion.V5` (Schema.fbs).
    static let metadataVersion: Int16 = 4

    /// The `MessageHeader` union's type ids (Message.fbs).
    enum HeaderType: UInt8 {
        case schema = 1
        case recordBatch = 3
    }

    /// The first message of the stream: the column names and types, no body.
    package func schemaMessage() -> [UInt8] {
        var builder = FlatBufferBuilder()
        var fieldTables: [FlatBufferBuilder.Offset] = []
        for field in fields {
            let (typeID, type) = Self.writeType(field.type, into: &builder)
            let name = builder.string(field.name)
            // Readers (Arrow C++) want the children vector present, empty for flat types.
            let children = builder.vector(of: [])
            builder.startTable()
            builder.add(name, at: 0)  // Field.name
            builder.add(true, at: 1)  // Field.nullable
            builder.add(typeID, at: 2)  // Field.type's union type
            builder.add(type, at: 3)  // Field.type
            builder.add(children, at: 5)  // Field.children
            fieldTables.append(builder.endTable())
        }
        let fieldVector = builder.vector(of: fieldTables)
        builder.startTable()
        builder.add(Int16(0), at: 0)  // Schema.endianness: Little
        builder.add(fieldVector, at: 1)  // Schema.fields
        let schema = builder.endTable()
        let metadata = Self.message(header: .schema, schema, bodyLength: 0, builder: &builder)
        var bytes = Self.prefix(metadataLength: metadata.count)
        bytes += metadata
        bytes += [UInt8](repeating: 0, count: Self.padding(metadata.count))
        return bytes
    }

    /// A record batch message for the first `count` rows of `columns` (flat vectors, one per field).
    ///
    /// - Throws: `ArrowError` for an INTERVAL whose microseconds overflow Arrow's 64-bit nanoseconds
    ///   (beyond about 292 years).
    package func recordBatchMessage(_ columns: [ColumnVector], count: Int) throws(ArrowError) -> [UInt8] {
        precondition(columns.count >= fields.count, "\(columns.count) columns for \(fields.count) fields")
        let layouts = fields.indices.map { ColumnLayout(fields[$0].type, columns[$0], count: count) }
        var nodes: [UInt8] = []
        var buffers: [UInt8] = []
        var bodyLength = 0
        for layout in layouts {
            Self.append(Int64(count), to: &nodes)  // FieldNode.length
            Self.append(Int64(layout.nullCount), to: &nodes)  // FieldNode.null_count
            for length in layout.bufferLengths {
                Self.append(Int64(bodyLength), to: &buffers)  // Buffer.offset
                Self.append(Int64(length), to: &buffers)  // Buffer.length
                bodyLength += length + Self.padding(length)
            }
        }
        var builder = FlatBufferBuilder()
        let nodeVector = builder.vector(ofStructs: nodes, count: layouts.count, alignment: 8)
        let bufferVector = builder.vector(ofStructs: buffers, count: buffers.count / 16, alignment: 8)
        builder.startTable()
        builder.add(Int64(count), at: 0)  // RecordBatch.length
        builder.add(nodeVector, at: 1)  // RecordBatch.nodes
        builder.add(bufferVector, at: 2)  // RecordBatch.buffers
        let recordBatch = builder.endTable()
        let metadata = Self.message(header: .recordBatch, recordBatch, bodyLength: bodyLength, builder: &builder)
        let metadataLength = metadata.count + Self.padding(metadata.count)
        var bytes = Self.prefix(metadataLength: metadata.count)
        bytes.reserveCapacity(8 + metadataLength + bodyLength)
        bytes += metadata
        // The body is zeros first (the padding), then each buffer is written at its place.
        bytes += [UInt8](repeating: 0, count: metadataLength - metadata.count + bodyLength)
        let bodyStart = 8 + metadataLength
        // `withUnsafeMutableBytes` rethrows untyped errors: the typed one is carried out by hand.
        let failure = bytes.withUnsafeMutableBytes { output -> ArrowError? in
            var offset = bodyStart
            for (index, layout) in layouts.enumerated() {
                do throws(ArrowError) {
                    try layout.write(
                        columns[index], count: count, into: output.baseAddress!, at: &offset, field: fields[index])
                } catch {
                    return error
                }
            }
            return nil
        }
        if let failure { throw failure }
        return bytes
    }

    // MARK: Metadata

    /// Writes the type table of `type` and returns its `Type` union id and offset (Schema.fbs).
    static func writeType(_ type: DataType, into builder: inout FlatBufferBuilder)
        -> (UInt8, FlatBufferBuilder.Offset)
    {
        builder.startTable()
        let id: UInt8
        switch type {
        case .null: id = 1  // Null {}
        case .bigint:
            id = 2  // Int { bitWidth, is_signed }
            builder.add(Int32(64), at: 0)
            builder.add(true, at: 1)
        case .double:
            id = 3  // FloatingPoint { precision: DOUBLE }
            builder.add(Int16(2), at: 0)
        case .varchar: id = 5  // Utf8 {}
        case .boolean: id = 6  // Bool {}
        case .decimal(let precision, let scale):
            id = 7  // Decimal { precision, scale, bitWidth }
            builder.add(Int32(precision), at: 0)
            builder.add(Int32(scale), at: 1)
            builder.add(Int32(128), at: 2)
        case .date:
            id = 8  // Date { unit: DAY } (the schema's default is MILLISECOND, so it must be written)
            builder.add(Int16(0), at: 0)
        case .timestamp:
            id = 10  // Timestamp { unit: MICROSECOND }, no timezone: naive, as Plaza's timestamps are
            builder.add(Int16(2), at: 0)
        case .interval:
            id = 11  // Interval { unit: MONTH_DAY_NANO }
            builder.add(Int16(2), at: 0)
        }
        return (id, builder.endTable())
    }

    /// Writes the root `Message` table around `header` and finishes the FlatBuffer.
    static func message(
        header type: HeaderType, _ header: FlatBufferBuilder.Offset, bodyLength: Int, builder: inout FlatBufferBuilder
    ) -> [UInt8] {
        builder.startTable()
        builder.add(metadataVersion, at: 0)  // Message.version
        builder.add(type.rawValue, at: 1)  // Message.header's union type
        builder.add(header, at: 2)  // Message.header
        builder.add(Int64(bodyLength), at: 3)  // Message.bodyLength
        return builder.finish(builder.endTable())
    }

    /// The continuation word and the metadata size (padding included) that open a message.
    static func prefix(metadataLength: Int) -> [UInt8] {
        var bytes: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF]
        append(Int32(metadataLength + padding(metadataLength)), to: &bytes)
        return bytes
    }

    /// The zero bytes that bring `length` to a multiple of 8.
    static func padding(_ length: Int) -> Int { (8 - length % 8) % 8 }

    /// Appends `value` little-endian.
    static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
}
