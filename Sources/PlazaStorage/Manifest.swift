import PlazaCore

/// One committed segment file of a table, as its manifest lists it (Formats/plaza-manifest.md §4.3).
struct SegmentEntry: Hashable, Sendable {
    /// The file's name inside the table directory.
    var fileName: String
    /// Rows in the segment.
    var rowCount: Int
    /// Row groups in the segment.
    var rowGroupCount: Int
    /// The file's size in bytes when it was committed.
    var byteSize: Int
    /// The segment's deletion file, or nil when none of its rows is deleted (§4.2, from 1.1).
    var deletions: DeletionEntry? = nil

    /// The segment's rows not deleted.
    var liveRowCount: Int { rowCount - (deletions?.deletedRows ?? 0) }

    /// The files of the table directory this entry names: the segment, and its deletion file if any.
    var fileNames: [String] { [fileName] + (deletions.map { [$0.fileName] } ?? []) }
}

/// A segment's deletion file, as the manifest lists it (Formats/plaza-manifest.md §4.2, §10).
struct DeletionEntry: Hashable, Sendable {
    /// The file's name inside the table directory (`*.plzdel`).
    var fileName: String
    /// The segment's deleted rows.
    var deletedRows: Int
    /// The file's size in bytes when it was committed.
    var byteSize: Int
}

/// A table's manifest: schema, committed segments and generation (Formats/plaza-manifest.md).
struct Manifest: Hashable, Sendable {
    /// The major version this code writes and the newest it reads (§2).
    static let majorVersion: UInt16 = 1
    /// The minor version this code writes (§2): 1.1 added deletion files.
    static let minorVersion: UInt16 = 1
    /// The required-feature bits this code knows (§4.2).
    static let knownFeatures: UInt64 = wideDecimalFeature
    /// Required feature bit 0: DECIMAL columns of 19 to 38 digits, listed after the deletion files (§4.4).
    static let wideDecimalFeature: UInt64 = 1
    /// The minor version of a manifest with a wide DECIMAL column (§4.4); others are still 1.1.
    static let wideDecimalMinorVersion: UInt16 = 2
    /// The leading magic, `PLZMANI1` (§3).
    static let headMagic: [UInt8] = Array("PLZMANI1".utf8)
    /// The trailing magic, `1INAMZLP` (§3).
    static let tailMagic: [UInt8] = Array("1INAMZLP".utf8)
    /// Bytes of a manifest around its body: magic, versions, body length, checksum, magic.
    static let frameSize = 8 + 2 + 2 + 4 + 4 + 8
    /// The file name of the committed manifest inside a table directory.
    static let fileName = "MANIFEST"

    /// Counts commits: 1 for the first, one more for every later one.
    var generation: UInt64
    /// The table's columns.
    var schema: Schema
    /// The committed segments, in row order.
    var segments: [SegmentEntry]

    /// The table's rows: those of every segment, less the deleted ones.
    var rowCount: Int { segments.reduce(0) { $0 + $1.liveRowCount } }

    /// Whether `name` is a file name this code would give a deletion file (§10): as a segment's,
    /// ending in `.plzdel`.
    static func isDeletionFileName(_ name: String) -> Bool {
        name.hasSuffix(".plzdel") && isSegmentFileName(String(name.dropLast(7)) + ".plzseg")
    }

    /// Whether `name` is a file name this code would give a segment (§5): no path separators,
    /// no leading dot, only `[A-Za-z0-9_.-]`, ending in `.plzseg`.
    static func isSegmentFileName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard bytes.count > 7, bytes.count <= 200, bytes[0] != UInt8(ascii: "."), name.hasSuffix(".plzseg") else {
            return false
        }
        return bytes.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
        }
    }

    /// The CRC-32C that §3 stores after the body.
    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.withUnsafeBytes { ManifestCRC32C.checksum($0) }
    }

    // MARK: Encoding (§3, §4)

    /// The manifest's bytes, exactly as §3 lays them out.
    func encoded() -> [UInt8] {
        var body: [UInt8] = []
        ByteWriter.put(generation, into: &body)
        ByteWriter.put(UInt32(schema.count), into: &body)
        var wide: [(index: Int, precision: Int, scale: Int)] = []
        for (index, field) in schema.fields.enumerated() {
            ByteWriter.putString(field.name, into: &body)
            if case .decimal(let p, let s) = field.type, p > DataType.maxNarrowDecimalPrecision {
                wide.append((index, p, s))
            }
            let (tag, precision, scale) = Manifest.typeCode(field.type)
            body.append(tag)
            body.append(precision)
            body.append(scale)
            body.append(field.isNullable ? 1 : 0)
        }
        ByteWriter.put(UInt32(segments.count), into: &body)
        for segment in segments {
            ByteWriter.putString(segment.fileName, into: &body)
            ByteWriter.put(UInt64(segment.rowCount), into: &body)
            ByteWriter.put(UInt32(segment.rowGroupCount), into: &body)
            ByteWriter.put(UInt64(segment.byteSize), into: &body)
        }
        ByteWriter.put(UInt64(rowCount), into: &body)
        // 1.1: required features, then the deletion files (§4.2).
        ByteWriter.put(wide.isEmpty ? UInt64(0) : Manifest.wideDecimalFeature, into: &body)
        let deleting = segments.enumerated().filter { $0.element.deletions != nil }
        ByteWriter.put(UInt32(deleting.count), into: &body)
        for (index, segment) in deleting {
            let entry = segment.deletions!
            ByteWriter.put(UInt32(index), into: &body)
            ByteWriter.putString(entry.fileName, into: &body)
            ByteWriter.put(UInt64(entry.deletedRows), into: &body)
            ByteWriter.put(UInt64(entry.byteSize), into: &body)
        }
        if !wide.isEmpty {
            // 1.2: the real types of the wide columns the column list holds placeholders for (§4.4).
            ByteWriter.put(UInt32(wide.count), into: &body)
            for column in wide {
                ByteWriter.put(UInt32(column.index), into: &body)
                body.append(UInt8(column.precision))
                body.append(UInt8(column.scale))
            }
        }

        var bytes = Manifest.headMagic
        ByteWriter.put(Manifest.majorVersion, into: &bytes)
        ByteWriter.put(wide.isEmpty ? Manifest.minorVersion : Manifest.wideDecimalMinorVersion, into: &bytes)
        ByteWriter.put(UInt32(body.count), into: &bytes)
        bytes += body
        ByteWriter.put(Manifest.checksum(bytes[...]), into: &bytes)
        bytes += Manifest.tailMagic
        return bytes
    }

    /// The type tag, precision and scale bytes of a storable type (§4.2).
    static func typeCode(_ type: DataType) -> (UInt8, UInt8, UInt8) {
        switch type {
        case .boolean: return (1, 0, 0)
        case .bigint: return (2, 0, 0)
        case .double: return (3, 0, 0)
        case .decimal(let p, let s) where p > DataType.maxNarrowDecimalPrecision:
            return Manifest.widePlaceholder(scale: s)
        case .decimal(let p, let s): return (4, UInt8(p), UInt8(s))
        case .varchar: return (5, 0, 0)
        case .date: return (6, 0, 0)
        case .timestamp: return (7, 0, 0)
        case .interval, .null: preconditionFailure("type \(type) cannot be stored in a table")
        }
    }

    /// The column-list entry standing for a DECIMAL(19…38) of scale `scale` (§4.4): a DECIMAL(18)
    /// that a Plaza without feature bit 0 parses, then refuses at the feature bits.
    static func widePlaceholder(scale: Int) -> (UInt8, UInt8, UInt8) { (4, 18, UInt8(min(scale, 18))) }

    /// The type of a tag, precision and scale, or nil if they name none (§4.2).
    static func dataType(tag: UInt8, precision: UInt8, scale: UInt8) -> DataType? {
        let plain: DataType?
        switch tag {
        case 1: plain = .boolean
        case 2: plain = .bigint
        case 3: plain = .double
        case 4:
            guard precision >= 1, Int(precision) <= DataType.maxNarrowDecimalPrecision, scale <= precision else {
                return nil
            }
            return .decimal(precision: Int(precision), scale: Int(scale))
        case 5: plain = .varchar
        case 6: plain = .date
        case 7: plain = .timestamp
        default: plain = nil
        }
        return precision == 0 && scale == 0 ? plain : nil
    }

    // MARK: Decoding (§6)

    /// Reads a manifest, checking everything §6 lists; `path` and `table` go into errors.
    static func decode(_ bytes: [UInt8], path: String, table: String) throws(StorageError) -> Manifest {
        func damaged(_ message: String) -> StorageError {
            StorageError(
                .damaged, message + "; the table cannot be read until the manifest is restored", table: table,
                file: path)
        }
        guard bytes.count >= frameSize else {
            throw damaged("manifest is truncated (\(bytes.count) bytes, at least \(frameSize) needed)")
        }
        guard Array(bytes[0..<8]) == headMagic else {
            throw damaged("manifest does not start with the magic \"PLZMANI1\"")
        }
        var header = ByteReader(bytes: bytes, offset: 8)
        let major = try header.u16(damaged), minor = try header.u16(damaged)
        if major > majorVersion {
            throw StorageError(
                .newerVersion,
                "manifest has format version \(major).\(minor); this Plaza reads version \(majorVersion).x; upgrade Plaza",
                table: table, file: path)
        }
        guard major == majorVersion else { throw damaged("manifest has unknown format version \(major).\(minor)") }
        let bodyLength = Int(try header.u32(damaged))
        guard bytes.count == frameSize + bodyLength else {
            throw damaged(
                "manifest is \(bytes.count) bytes but its header announces \(frameSize + bodyLength) (truncated or garbled)"
            )
        }
        let checksumOffset = 16 + bodyLength
        var trailer = ByteReader(bytes: bytes, offset: checksumOffset)
        let stored = try trailer.u32(damaged)
        let computed = checksum(bytes[0..<checksumOffset])
        guard stored == computed else {
            throw damaged("manifest checksum mismatch (stored \(stored), computed \(computed))")
        }
        guard Array(bytes[(checksumOffset + 4)...]) == tailMagic else {
            throw damaged("manifest does not end with the magic \"1INAMZLP\"")
        }

        var body = ByteReader(bytes: bytes, offset: 16, end: checksumOffset)
        let generation = try body.u64(damaged)
        let columnCount = Int(try body.u32(damaged))
        guard columnCount >= 1, columnCount <= body.remaining / 6 else {
            throw damaged("manifest has an impossible column count \(columnCount)")
        }
        var fields: [Field] = []
        fields.reserveCapacity(columnCount)
        for column in 0..<columnCount {
            let name = try body.string(damaged)
            let tag = try body.u8(damaged), precision = try body.u8(damaged), scale = try body.u8(damaged)
            let flags = try body.u8(damaged)
            guard let type = dataType(tag: tag, precision: precision, scale: scale) else {
                throw damaged(
                    "manifest column \(column) (\"\(name)\") has an unknown type tag \(tag)(\(precision),\(scale))")
            }
            guard flags <= 1 else {
                throw damaged("manifest column \(column) (\"\(name)\") has unknown flags \(flags)")
            }
            fields.append(Field(name: name, type: type, isNullable: flags == 1))
        }
        let segmentCount = Int(try body.u32(damaged))
        guard segmentCount <= body.remaining / 22 else {
            throw damaged("manifest has an impossible segment count \(segmentCount)")
        }
        var segments: [SegmentEntry] = []
        segments.reserveCapacity(segmentCount)
        var total = 0
        for index in 0..<segmentCount {
            let fileName = try body.string(damaged)
            guard isSegmentFileName(fileName) else {
                throw damaged("manifest segment \(index) has an invalid file name \"\(fileName)\"")
            }
            let rows = try body.u64(damaged), groups = try body.u32(damaged), size = try body.u64(damaged)
            guard rows <= UInt64(Int.max), size <= UInt64(Int.max), groups <= UInt32(Int32.max) else {
                throw damaged("manifest segment \(index) has impossible sizes")
            }
            let (sum, overflow) = total.addingReportingOverflow(Int(rows))
            guard !overflow else { throw damaged("manifest row counts overflow") }
            total = sum
            segments.append(
                SegmentEntry(fileName: fileName, rowCount: Int(rows), rowGroupCount: Int(groups), byteSize: Int(size)))
        }
        let storedTotal = try body.u64(damaged)
        var features: UInt64 = 0
        if minor >= 1 {
            // 1.1: required features, then deletion files; the row total counts live rows only.
            features = try body.u64(damaged)
            guard features & ~knownFeatures == 0 else {
                throw StorageError(
                    .newerVersion,
                    "manifest needs features this Plaza does not have (bits \(String(features & ~knownFeatures, radix: 16))); upgrade Plaza",
                    table: table, file: path)
            }
            let deletionCount = Int(try body.u32(damaged))
            guard deletionCount <= segmentCount, deletionCount <= body.remaining / 22 else {
                throw damaged("manifest has an impossible deletion file count \(deletionCount)")
            }
            var previous = -1
            for _ in 0..<deletionCount {
                let index = Int(try body.u32(damaged))
                let fileName = try body.string(damaged)
                let deleted = try body.u64(damaged), size = try body.u64(damaged)
                guard index > previous, index < segmentCount else {
                    throw damaged("manifest deletion files are not in ascending segment order (segment \(index))")
                }
                previous = index
                guard isDeletionFileName(fileName) else {
                    throw damaged("manifest deletion file of segment \(index) has an invalid name \"\(fileName)\"")
                }
                // A segment whose every row is deleted leaves the manifest instead (§4.2).
                guard deleted >= 1, deleted < UInt64(segments[index].rowCount), size <= UInt64(Int.max) else {
                    throw damaged("manifest deletion file of segment \(index) counts \(deleted) deleted rows")
                }
                segments[index].deletions = DeletionEntry(
                    fileName: fileName, deletedRows: Int(deleted), byteSize: Int(size))
                total -= Int(deleted)
            }
        }
        guard storedTotal == UInt64(total) else {
            throw damaged("manifest row total \(storedTotal) differs from the segments' sum \(total)")
        }
        if features & wideDecimalFeature != 0 {
            try readWideColumns(&body, into: &fields, minor: minor, damaged)
        }
        // §2: a newer minor version may append fields to the body; this version's must end here.
        guard body.remaining == 0 || minor > wideDecimalMinorVersion else {
            throw damaged("manifest body has \(body.remaining) unexpected trailing bytes")
        }
        return Manifest(generation: generation, schema: Schema(fields), segments: segments)
    }
}

/// Little-endian writers for the manifest encoder.
enum ByteWriter {
    static func put<T: FixedWidthInteger>(_ value: T, into bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// A UTF-8 string with a UInt16 length prefix (§4.1); names longer than 65,535 bytes are a bug.
    static func putString(_ string: String, into bytes: inout [UInt8]) {
        let utf8 = Array(string.utf8)
        precondition(utf8.count <= Int(UInt16.max), "name longer than 65,535 bytes in a manifest")
        put(UInt16(utf8.count), into: &bytes)
        bytes += utf8
    }
}

/// A bounds-checked little-endian reader; running off the end throws the caller's error.
struct ByteReader {
    let bytes: [UInt8]
    var offset: Int
    let end: Int

    init(bytes: [UInt8], offset: Int, end: Int? = nil) {
        self.bytes = bytes
        self.offset = offset
        self.end = end ?? bytes.count
    }

    var remaining: Int { end - offset }

    mutating func integer<T: FixedWidthInteger>(_: T.Type, _ failure: (String) -> StorageError) throws(StorageError)
        -> T
    {
        let width = MemoryLayout<T>.size
        guard remaining >= width else { throw failure("manifest ends inside a field at byte \(offset)") }
        var value: T = 0
        for index in 0..<width { value |= T(bytes[offset + index]) << (8 * index) }
        offset += width
        return value
    }

    mutating func u8(_ failure: (String) -> StorageError) throws(StorageError) -> UInt8 {
        try integer(UInt8.self, failure)
    }
    mutating func u16(_ failure: (String) -> StorageError) throws(StorageError) -> UInt16 {
        try integer(UInt16.self, failure)
    }
    mutating func u32(_ failure: (String) -> StorageError) throws(StorageError) -> UInt32 {
        try integer(UInt32.self, failure)
    }
    mutating func u64(_ failure: (String) -> StorageError) throws(StorageError) -> UInt64 {
        try integer(UInt64.self, failure)
    }

    /// A UInt16-length-prefixed UTF-8 string; invalid UTF-8 throws.
    mutating func string(_ failure: (String) -> StorageError) throws(StorageError) -> String {
        let length = Int(try u16(failure))
        guard remaining >= length else { throw failure("manifest ends inside a name at byte \(offset)") }
        let slice = bytes[offset..<(offset + length)]
        offset += length
        guard let text = String(validating: slice, as: UTF8.self) else {
            throw failure("manifest holds a name that is not valid UTF-8")
        }
        return text
    }
}

/// Checks manifest bytes without a database, for fuzzers and repair tools (not for queries).
package enum _ManifestValidator {
    /// Decodes `bytes` as a table manifest (Formats/plaza-manifest.md) and returns its row count.
    ///
    /// - Throws: `StorageError` (`.damaged` or `.newerVersion`) describing the first problem found.
    package static func validate(_ bytes: [UInt8]) throws(StorageError) -> Int {
        try Manifest.decode(bytes, path: "<bytes>", table: "<manifest>").rowCount
    }
}
