import PlazaCore

extension Manifest {
    /// Reads the wide column list of a manifest with required feature bit 0 (Formats/plaza-manifest.md
    /// §4.4) and puts each column's real DECIMAL(19…38) type in place of its placeholder in `fields`.
    static func readWideColumns(
        _ body: inout ByteReader, into fields: inout [Field], minor: UInt16, _ damaged: (String) -> StorageError
    ) throws(StorageError) {
        guard minor >= wideDecimalMinorVersion else {
            throw damaged("manifest of version 1.\(minor) sets feature bit 0 (wide DECIMAL columns), a 1.2 feature")
        }
        let count = Int(try body.u32(damaged))
        guard count >= 1, count <= fields.count, count <= body.remaining / 6 else {
            throw damaged("manifest has an impossible wide column count \(count)")
        }
        var previous = -1
        for _ in 0..<count {
            let index = Int(try body.u32(damaged))
            let precision = Int(try body.u8(damaged)), scale = Int(try body.u8(damaged))
            guard index > previous, index < fields.count else {
                throw damaged("manifest wide columns are not in ascending column order (column \(index))")
            }
            previous = index
            let name = fields[index].name
            guard precision > DataType.maxNarrowDecimalPrecision, precision <= DataType.maxDecimalPrecision,
                scale <= precision
            else {
                throw damaged("manifest wide column \(index) (\"\(name)\") has type DECIMAL(\(precision),\(scale))")
            }
            let (_, placeholderPrecision, placeholderScale) = widePlaceholder(scale: scale)
            guard
                fields[index].type
                    == .decimal(precision: Int(placeholderPrecision), scale: Int(placeholderScale))
            else {
                throw damaged(
                    "manifest column \(index) (\"\(name)\") is \(fields[index].type), not the placeholder of a wide DECIMAL"
                )
            }
            fields[index] = Field(
                name: name, type: .decimal(precision: precision, scale: scale), isNullable: fields[index].isNullable)
        }
    }
}
