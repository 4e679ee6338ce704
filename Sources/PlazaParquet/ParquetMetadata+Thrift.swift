/// Reading the footer and page headers from Thrift compact bytes; unknown fields are skipped,
/// and a required field that is missing is an error.
extension ParquetFileMetadata {
    /// Decodes `FileMetaData`.
    static func decode(_ reader: inout ThriftCompactReader) throws(ParquetError) -> ParquetFileMetadata {
        var result = ParquetFileMetadata()
        var seen = Set<Int16>()
        try reader.readStruct { (r, field) throws(ParquetError) in
            seen.insert(field.id)
            switch (field.id, field.type) {
            case (1, .i32): result.version = try r.readI32()
            case (2, .list): result.schema = try r.readList { (r) throws(ParquetError) in try .decode(&r) }
            case (3, .i64): result.rowCount = try r.readI64()
            case (4, .list): result.rowGroups = try r.readList { (r) throws(ParquetError) in try .decode(&r) }
            case (6, .binary): result.createdBy = try r.readString()
            default: try r.skip(field.type)
            }
        }
        guard seen.contains(2), seen.contains(3), seen.contains(4) else {
            throw ParquetError(.corrupt, "the footer lacks its schema, row count or row groups")
        }
        return result
    }
}

extension ParquetSchemaElement {
    static func decode(_ reader: inout ThriftCompactReader) throws(ParquetError) -> ParquetSchemaElement {
        var result = ParquetSchemaElement()
        try reader.readStruct { (r, field) throws(ParquetError) in
            switch (field.id, field.type) {
            case (1, .i32):
                let raw = try r.readI32()
                guard let type = ParquetPhysicalType(rawValue: raw) else {
                    throw ParquetError(.corrupt, "unknown physical type \(raw)")
                }
                result.type = type
            case (2, .i32): result.typeLength = try r.readI32()
            case (3, .i32): result.repetition = try r.readI32()
            case (4, .binary): result.name = try r.readString()
            case (5, .i32): result.childCount = try r.readI32()
            case (6, .i32): result.convertedType = try r.readI32()
            case (7, .i32): result.scale = try r.readI32()
            case (8, .i32): result.precision = try r.readI32()
            case (10, .structure): result.logicalType = try decodeLogicalType(&r)
            default: try r.skip(field.type)
            }
        }
        return result
    }

    private static func decodeLogicalType(_ reader: inout ThriftCompactReader) throws(ParquetError)
        -> ParquetLogicalType?
    {
        var result: ParquetLogicalType?
        try reader.readStruct { (r, field) throws(ParquetError) in
            guard field.type == .structure else { return try r.skip(field.type) }
            switch field.id {
            case 1:
                try r.skip(.structure)
                result = .string
            case 5:
                var precision = 0
                var scale = 0
                try r.readStruct { (r, f) throws(ParquetError) in
                    switch (f.id, f.type) {
                    case (1, .i32): scale = Int(try r.readI32())
                    case (2, .i32): precision = Int(try r.readI32())
                    default: try r.skip(f.type)
                    }
                }
                result = .decimal(precision: precision, scale: scale)
            case 6:
                try r.skip(.structure)
                result = .date
            case 8:
                var unit = ParquetTimeUnit.micros
                try r.readStruct { (r, f) throws(ParquetError) in
                    guard f.id == 2, f.type == .structure else { return try r.skip(f.type) }
                    try r.readStruct { (r, u) throws(ParquetError) in
                        switch u.id {
                        case 1: unit = .millis
                        case 2: unit = .micros
                        case 3: unit = .nanos
                        default: break
                        }
                        try r.skip(u.type)
                    }
                }
                result = .timestamp(unit)
            case 10:
                var width = 64
                var signed = true
                try r.readStruct { (r, f) throws(ParquetError) in
                    switch (f.id, f.type) {
                    case (1, .byte): width = Int(Int8(bitPattern: try r.readByte()))
                    case (2, .boolTrue), (2, .boolFalse): signed = try r.readBool()
                    default: try r.skip(f.type)
                    }
                }
                result = .integer(bitWidth: width, isSigned: signed)
            default:
                try r.skip(.structure)
                let names: [Int16: String] = [
                    2: "MAP", 3: "LIST", 4: "ENUM", 7: "TIME", 11: "NULL", 12: "JSON", 13: "BSON", 14: "UUID",
                    15: "FLOAT16", 16: "VARIANT", 17: "GEOMETRY", 18: "GEOGRAPHY",
                ]
                result = .other(names[field.id] ?? "logical type \(field.id)")
            }
        }
        return result
    }
}

extension ParquetRowGroup {
    static func decode(_ reader: inout ThriftCompactReader) throws(ParquetError) -> ParquetRowGroup {
        var result = ParquetRowGroup()
        try reader.readStruct { (r, field) throws(ParquetError) in
            switch (field.id, field.type) {
            case (1, .list): result.columns = try r.readList { (r) throws(ParquetError) in try .decode(&r) }
            case (3, .i64): result.rowCount = try r.readI64()
            default: try r.skip(field.type)
            }
        }
        return result
    }
}

extension ParquetColumnChunk {
    /// Decodes a `ColumnChunk` and the `ColumnMetaData` inside it.
    static func decode(_ reader: inout ThriftCompactReader) throws(ParquetError) -> ParquetColumnChunk {
        var result = ParquetColumnChunk()
        var hasMetadata = false
        try reader.readStruct { (r, field) throws(ParquetError) in
            switch (field.id, field.type) {
            case (1, .binary): result.filePath = try r.readString()
            case (3, .structure):
                hasMetadata = true
                try r.readStruct { (r, f) throws(ParquetError) in try result.decodeMetadataField(&r, f) }
            default: try r.skip(field.type)
            }
        }
        guard hasMetadata else { throw ParquetError(.unsupported, "a column chunk without metadata (encrypted?)") }
        return result
    }

    private mutating func decodeMetadataField(
        _ r: inout ThriftCompactReader, _ field: ThriftCompactReader.FieldHeader
    ) throws(ParquetError) {
        switch (field.id, field.type) {
        case (1, .i32):
            let raw = try r.readI32()
            guard let physical = ParquetPhysicalType(rawValue: raw) else {
                throw ParquetError(.corrupt, "unknown physical type \(raw)")
            }
            type = physical
        case (3, .list): path = try r.readList { (r) throws(ParquetError) in try r.readString() }
        case (4, .i32): codec = try r.readI32()
        case (5, .i64): valueCount = try r.readI64()
        case (7, .i64): totalCompressedSize = try r.readI64()
        case (9, .i64): dataPageOffset = try r.readI64()
        case (11, .i64): dictionaryPageOffset = try r.readI64()
        case (12, .structure): statistics = try ParquetStatistics.decode(&r)
        default: try r.skip(field.type)
        }
    }
}

extension ParquetStatistics {
    static func decode(_ reader: inout ThriftCompactReader) throws(ParquetError) -> ParquetStatistics {
        var result = ParquetStatistics()
        var legacyMin: [UInt8]?
        var legacyMax: [UInt8]?
        try reader.readStruct { (r, field) throws(ParquetError) in
            switch (field.id, field.type) {
            case (1, .binary): legacyMax = try r.readBinary()
            case (2, .binary): legacyMin = try r.readBinary()
            case (3, .i64): result.nullCount = try r.readI64()
            case (5, .binary): result.max = try r.readBinary()
            case (6, .binary): result.min = try r.readBinary()
            default: try r.skip(field.type)
            }
        }
        // The legacy fields used signed byte order for strings; the caller uses them for numbers only.
        if result.min == nil, result.max == nil, let legacyMin, let legacyMax {
            result.min = legacyMin
            result.max = legacyMax
            result.isLegacy = true
        }
        return result
    }
}

extension ParquetPageHeader {
    /// Decodes a `PageHeader` and its data, dictionary or v2 sub-header.
    static func decode(_ reader: inout ThriftCompactReader) throws(ParquetError) -> ParquetPageHeader {
        var result = ParquetPageHeader()
        try reader.readStruct { (r, field) throws(ParquetError) in
            switch (field.id, field.type) {
            case (1, .i32): result.type = try r.readI32()
            case (2, .i32): result.uncompressedSize = try r.readI32()
            case (3, .i32): result.compressedSize = try r.readI32()
            case (5, .structure), (7, .structure), (8, .structure):
                let kind = field.id
                try r.readStruct { (r, f) throws(ParquetError) in
                    switch (kind, f.id, f.type) {
                    case (_, 1, .i32): result.valueCount = try r.readI32()
                    case (5, 2, .i32), (7, 2, .i32), (8, 4, .i32): result.encoding = try r.readI32()
                    case (5, 3, .i32): result.definitionLevelEncoding = try r.readI32()
                    case (8, 2, .i32): result.nullCount = try r.readI32()
                    case (8, 3, .i32): result.rowCount = try r.readI32()
                    case (8, 5, .i32): result.definitionLevelsLength = try r.readI32()
                    case (8, 6, .i32): result.repetitionLevelsLength = try r.readI32()
                    case (8, 7, .boolTrue), (8, 7, .boolFalse): result.isCompressed = try r.readBool()
                    default: try r.skip(f.type)
                    }
                }
            default: try r.skip(field.type)
            }
        }
        guard result.uncompressedSize >= 0, result.compressedSize >= 0, result.valueCount >= 0 else {
            throw ParquetError(.corrupt, "a page header with a negative or missing size or value count")
        }
        return result
    }
}
