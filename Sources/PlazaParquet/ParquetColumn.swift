import PlazaCore

/// One leaf column of a flat Parquet schema and how its values become a Plaza type.
package struct ParquetColumn: Sendable {
    /// How stored values convert to the Plaza type.
    enum Conversion: Sendable, Equatable {
        /// BOOLEAN → BOOLEAN.
        case boolean
        /// INT32 → BIGINT or DECIMAL (widened), or → DATE (as is).
        case int32ToInt64, int32ToDate
        /// INT64 → BIGINT, DECIMAL or TIMESTAMP (micros), as is.
        case int64
        /// INT64 TIMESTAMP in milliseconds or nanoseconds → microseconds.
        case millisToMicros, nanosToMicros
        /// INT96 (Julian day and nanoseconds of the day) → TIMESTAMP.
        case int96ToTimestamp
        /// FLOAT → DOUBLE, DOUBLE → DOUBLE.
        case floatToDouble, double
        /// BYTE_ARRAY → VARCHAR.
        case string
        /// Big-endian two's complement bytes (BYTE_ARRAY or FIXED_LEN_BYTE_ARRAY) → DECIMAL.
        case bigEndianDecimal
        /// The same bytes → DECIMAL of 19 to 38 digits (Int128).
        case bigEndianWideDecimal
        /// INT32 or INT64 → DECIMAL of 19 to 38 digits (a writer's choice Parquet allows, if unusual).
        case int32ToInt128, int64ToInt128
    }

    /// The column's name (the leaf's name).
    package var name: String
    /// The Plaza type its values are read as.
    package var type: DataType
    /// The stored type.
    package var physicalType: ParquetPhysicalType
    /// Bytes per value of a FIXED_LEN_BYTE_ARRAY.
    var typeLength: Int
    /// Whether the column may hold NULLs (a definition level of 1).
    package var isOptional: Bool
    var conversion: Conversion

    /// Maps a flat schema's leaf to a Plaza column, or explains why it cannot.
    init(_ element: ParquetSchemaElement) throws(ParquetError) {
        name = element.name
        guard let physical = element.type else {
            throw ParquetError(.unsupported, "nested columns (groups) are not supported", column: name)
        }
        physicalType = physical
        typeLength = Int(element.typeLength ?? 0)
        switch element.repetition ?? 0 {
        case 0: isOptional = false
        case 1: isOptional = true
        default: throw ParquetError(.unsupported, "repeated (list) columns are not supported", column: name)
        }
        let logical = element.logicalType ?? Self.legacyLogicalType(element)
        (type, conversion) = try Self.mapping(physical: physical, logical: logical, typeLength: typeLength, name: name)
    }

    /// The logical type that a legacy `ConvertedType` stands for.
    private static func legacyLogicalType(_ element: ParquetSchemaElement) -> ParquetLogicalType? {
        guard let converted = element.convertedType else { return nil }
        switch converted {
        case 0: return .string
        case 5: return .decimal(precision: Int(element.precision ?? 0), scale: Int(element.scale ?? 0))
        case 6: return .date
        case 9: return .timestamp(.millis)
        case 10: return .timestamp(.micros)
        case 11: return .integer(bitWidth: 8, isSigned: false)
        case 12: return .integer(bitWidth: 16, isSigned: false)
        case 13: return .integer(bitWidth: 32, isSigned: false)
        case 14: return .integer(bitWidth: 64, isSigned: false)
        case 15: return .integer(bitWidth: 8, isSigned: true)
        case 16: return .integer(bitWidth: 16, isSigned: true)
        case 17: return .integer(bitWidth: 32, isSigned: true)
        case 18: return .integer(bitWidth: 64, isSigned: true)
        case 4: return .string  // ENUM: text
        case 19: return .string  // JSON: text
        default:
            let names = [
                1: "MAP", 2: "MAP_KEY_VALUE", 3: "LIST", 7: "TIME_MILLIS", 8: "TIME_MICROS", 20: "BSON", 21: "INTERVAL",
            ]
            return .other(names[Int(converted)] ?? "converted type \(converted)")
        }
    }

    private static func mapping(
        physical: ParquetPhysicalType, logical: ParquetLogicalType?, typeLength: Int, name: String
    ) throws(ParquetError) -> (DataType, Conversion) {
        func unsupported(_ what: String) -> ParquetError {
            ParquetError(.unsupported, "\(what) has no Plaza type", column: name)
        }
        if case .decimal(let precision, let scale) = logical {
            guard precision >= 1, precision <= DataType.maxDecimalPrecision, scale >= 0, scale <= precision else {
                throw ParquetError(
                    .unsupported,
                    "DECIMAL(\(precision),\(scale)) does not fit Plaza's DECIMAL (precision 1 to \(DataType.maxDecimalPrecision))",
                    column: name)
            }
            let type = DataType.decimal(precision: precision, scale: scale)
            // DECIMAL(19…38) is held as Int128, narrower ones as Int64.
            let wide = type.isWideDecimal
            switch physical {
            case .int32: return (type, wide ? .int32ToInt128 : .int32ToInt64)
            case .int64: return (type, wide ? .int64ToInt128 : .int64)
            case .byteArray: return (type, wide ? .bigEndianWideDecimal : .bigEndianDecimal)
            case .fixedLenByteArray:
                guard typeLength >= 1, typeLength <= 16 else { throw unsupported("a \(typeLength)-byte DECIMAL") }
                return (type, wide ? .bigEndianWideDecimal : .bigEndianDecimal)
            default: throw unsupported("DECIMAL stored as \(physical)")
            }
        }
        switch (physical, logical) {
        case (.boolean, nil): return (.boolean, .boolean)
        case (.int32, nil), (.int32, .integer(_, true)), (.int32, .integer(8, false)), (.int32, .integer(16, false)):
            return (.bigint, .int32ToInt64)
        case (.int32, .integer(32, false)): throw unsupported("UINT32")
        case (.int32, .date): return (.date, .int32ToDate)
        case (.int64, nil), (.int64, .integer(_, true)): return (.bigint, .int64)
        case (.int64, .integer(_, false)): throw unsupported("UINT64")
        case (.int64, .timestamp(.micros)): return (.timestamp, .int64)
        case (.int64, .timestamp(.millis)): return (.timestamp, .millisToMicros)
        case (.int64, .timestamp(.nanos)): return (.timestamp, .nanosToMicros)
        case (.int96, nil): return (.timestamp, .int96ToTimestamp)
        case (.float, nil): return (.double, .floatToDouble)
        case (.double, nil): return (.double, .double)
        case (.byteArray, nil), (.byteArray, .string): return (.varchar, .string)
        case (_, .other(let what)): throw unsupported(what)
        default:
            throw unsupported("\(physical) annotated \(logical.map { "\($0)" } ?? "")")
        }
    }

    /// Bytes of one stored value for fixed-width types; 0 for BYTE_ARRAY.
    var storedWidth: Int {
        switch physicalType {
        case .boolean: return 1
        case .int32, .float: return 4
        case .int64, .double: return 8
        case .int96: return 12
        case .byteArray: return 0
        case .fixedLenByteArray: return typeLength
        }
    }
}

extension ParquetFileMetadata {
    /// The leaf columns of a flat schema (a root group whose children are all primitive).
    func flatColumns() throws(ParquetError) -> [ParquetColumn] {
        guard let root = schema.first else { throw ParquetError(.corrupt, "an empty schema") }
        let childCount = Int(root.childCount ?? 0)
        guard childCount == schema.count - 1 else {
            // A nested group somewhere: name the first one for the error.
            for element in schema.dropFirst() where element.type == nil {
                throw ParquetError(.unsupported, "nested columns (groups) are not supported", column: element.name)
            }
            throw ParquetError(
                .corrupt, "the schema's root claims \(childCount) columns but \(schema.count - 1) follow")
        }
        var columns: [ParquetColumn] = []
        for element in schema.dropFirst() {
            if let children = element.childCount, children > 0 {
                throw ParquetError(.unsupported, "nested columns (groups) are not supported", column: element.name)
            }
            columns.append(try ParquetColumn(element))
        }
        return columns
    }
}
