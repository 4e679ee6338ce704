import PlazaCore

/// Writes `FileMetaData` for the writer: a flat schema of OPTIONAL leaves with their logical
/// types, and each row group's column chunks with statistics.
struct ParquetFooterEncoder {
    let schema: Schema
    let rowGroups: [WrittenRowGroup]
    let rows: Int

    func encode() -> [UInt8] {
        var w = ThriftCompactWriter()
        w.structBody { w in
            w.i32(1, 1)
            w.list(2, .structure, count: schema.count + 1) { w in
                w.structBody { w in
                    w.string(4, "schema")
                    w.i32(5, Int32(schema.count))
                }
                for field in schema.fields { w.structBody { w in element(field, &w) } }
            }
            w.i64(3, Int64(rows))
            w.list(4, .structure, count: rowGroups.count) { w in
                for group in rowGroups { w.structBody { w in rowGroup(group, &w) } }
            }
            w.string(6, "Plaza")
        }
        return w.bytes
    }

    private func element(_ field: Field, _ w: inout ThriftCompactWriter) {
        let physical: ParquetPhysicalType
        switch field.type {
        case .boolean: physical = .boolean
        case .date: physical = .int32
        case .double: physical = .double
        case .varchar: physical = .byteArray
        // Parquet's DECIMAL over 18 digits: a 16-byte big-endian two's complement integer.
        case .decimal where field.type.isWideDecimal: physical = .fixedLenByteArray
        default: physical = .int64
        }
        w.i32(1, physical.rawValue)
        if physical == .fixedLenByteArray { w.i32(2, 16) }  // type_length
        w.i32(3, 1)  // OPTIONAL
        w.string(4, field.name)
        switch field.type {
        case .varchar:
            w.i32(6, 0)  // UTF8
            w.structure(10) { w in w.structure(1) { _ in } }
        case .date:
            w.i32(6, 6)  // DATE
            w.structure(10) { w in w.structure(6) { _ in } }
        case .decimal(let precision, let scale):
            w.i32(6, 5)  // DECIMAL
            w.i32(7, Int32(scale))
            w.i32(8, Int32(precision))
            w.structure(10) { w in
                w.structure(5) { w in
                    w.i32(1, Int32(scale))
                    w.i32(2, Int32(precision))
                }
            }
        case .timestamp:
            // Plaza's TIMESTAMP has no time zone: isAdjustedToUTC false, and so no legacy
            // converted type (TIMESTAMP_MICROS would mean UTC-adjusted).
            w.structure(10) { w in
                w.structure(8) { w in
                    w.bool(1, false)
                    w.structure(2) { w in w.structure(2) { _ in } }
                }
            }
        default: break
        }
    }

    private func rowGroup(_ group: WrittenRowGroup, _ w: inout ThriftCompactWriter) {
        w.list(1, .structure, count: group.columns.count) { w in
            for (index, chunk) in group.columns.enumerated() {
                w.structBody { w in
                    w.i64(2, Int64(chunk.dictionaryPageOffset ?? chunk.dataPageOffset))
                    w.structure(3) { w in metadata(chunk, name: schema.fields[index].name, &w) }
                }
            }
        }
        w.i64(2, Int64(group.columns.reduce(0) { $0 + $1.uncompressedSize }))
        w.i64(3, Int64(group.rows))
        if let first = group.columns.first {
            w.i64(5, Int64(first.dictionaryPageOffset ?? first.dataPageOffset))
            w.i64(6, Int64(group.columns.reduce(0) { $0 + $1.compressedSize }))
        }
    }

    private func metadata(_ chunk: WrittenColumnChunk, name: String, _ w: inout ThriftCompactWriter) {
        w.i32(1, chunk.physicalType.rawValue)
        w.list(2, .i32, count: chunk.encodings.count) { w in
            for encoding in chunk.encodings { w.elementI32(encoding.rawValue) }
        }
        w.list(3, .binary, count: 1) { w in w.elementString(name) }
        w.i32(4, chunk.codec.rawValue)
        w.i64(5, Int64(chunk.valueCount))
        w.i64(6, Int64(chunk.uncompressedSize))
        w.i64(7, Int64(chunk.compressedSize))
        w.i64(9, Int64(chunk.dataPageOffset))
        if let dictionary = chunk.dictionaryPageOffset { w.i64(11, Int64(dictionary)) }
        w.structure(12) { w in
            if let nulls = chunk.statistics.nullCount { w.i64(3, nulls) }
            if let max = chunk.statistics.max { w.binary(5, max) }
            if let min = chunk.statistics.min { w.binary(6, min) }
        }
    }
}
