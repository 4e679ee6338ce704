#if canImport(Glibc)
    import Glibc
#endif
import CZlib
import PlazaCore
import PlazaVector

/// Writes rows as an Excel workbook (.xlsx) of one sheet: a header row of column names, then one
/// row per row. Numbers are numbers (BIGINT and DECIMAL as Excel's doubles), text as inline strings,
/// BOOLEAN as booleans, DATE and TIMESTAMP as date-styled serials (`yyyy-mm-dd`, `yyyy-mm-dd
/// hh:mm:ss`), NULL as an empty cell. The sheet's XML is deflated as it is produced, straight into
/// the file (a ZIP entry with a data descriptor), so memory stays small whatever the rows.
///
/// The file is written under a temporary name and renamed by `finish()`; `abandon()` removes it.
package final class XLSXWriter {
    /// Excel's limit: 1,048,576 rows, the header included.
    package static let maximumRows = 1_048_575

    let path: String
    let temporaryPath: String
    let fields: [Field]
    private var descriptor: Int32
    private var offset = 0
    private var stream = z_stream()
    private var xml: [UInt8] = []
    private var crc: uLong = 0
    private var rawSize = 0
    private var compressedSize = 0
    private var rows = 0
    /// The central directory entries written so far: name, CRC, sizes, local header offset.
    private var entries: [(name: String, method: UInt16, crc: UInt32, compressed: Int, size: Int, offset: Int)] = []
    private var sheetStart = 0

    /// Creates the temporary file and writes the workbook's fixed parts and the header row.
    ///
    /// - Throws: `CSVError` (`.io`) naming the path when the file cannot be created or written.
    package init(path: String, fields: [Field]) throws(CSVError) {
        self.path = path
        self.fields = fields
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        temporaryPath = directory + "." + name + ".tmp-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Self.ioError(path, "cannot create the file") }
        for (part, text) in Self.fixedParts(sheetName: "Sheet1") { try store(part, Array(text.utf8)) }
        sheetStart = offset
        try startSheet()
        var header = "<row r=\"1\">"
        for (column, field) in fields.enumerated() {
            header +=
                "<c r=\"\(Self.columnName(column + 1))1\" t=\"inlineStr\"><is><t>\(Self.escaped(field.name))</t></is></c>"
        }
        header += "</row>"
        xml += header.utf8
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    /// Appends the batch's live rows.
    ///
    /// - Throws: `CSVError` (`.invalidOption`) past Excel's row limit; (`.io`) when writing fails.
    package func write(_ batch: Batch) throws(CSVError) {
        for position in 0..<batch.liveCount {
            let row = batch.selection.map { Int($0.indices[position]) } ?? position
            rows += 1
            guard rows <= Self.maximumRows else {
                throw CSVError(
                    kind: .invalidOption,
                    message: "an Excel sheet holds at most 1,048,576 rows; write CSV or Parquet instead",
                    location: FileLocation(path: path))
            }
            let number = rows + 1
            xml += "<row r=\"\(number)\">".utf8
            for (column, vector) in batch.columns.enumerated() where vector.isValid(at: row) {
                let reference = Self.columnName(column + 1) + String(number)
                xml += Self.cell(vector.value(at: row), reference: reference).utf8
            }
            xml += "</row>".utf8
            if xml.count >= 1 << 20 { try deflateBuffered(finish: false) }
        }
    }

    /// Completes the sheet and the ZIP directory, syncs the file and renames it to `path`.
    ///
    /// - Throws: `CSVError` (`.io`) when writing, syncing or renaming fails.
    package func finish() throws(CSVError) {
        xml += "</sheetData></worksheet>".utf8
        try deflateBuffered(finish: true)
        deflateEnd(&stream)
        // The data descriptor of the sheet entry, then its directory entry's values.
        var descriptorRecord: [UInt8] = []
        Self.put32(0x0807_4B50, &descriptorRecord)
        Self.put32(UInt32(truncatingIfNeeded: crc), &descriptorRecord)
        Self.put32(UInt32(compressedSize), &descriptorRecord)
        Self.put32(UInt32(rawSize), &descriptorRecord)
        try writeAll(descriptorRecord)
        guard rawSize < Int(UInt32.max), compressedSize < Int(UInt32.max) else {
            throw CSVError(
                kind: .invalidOption, message: "the sheet is over 4 GiB, more than a ZIP file without ZIP64 holds",
                location: FileLocation(path: path))
        }
        entries.append(
            ("xl/worksheets/sheet1.xml", 8, UInt32(truncatingIfNeeded: crc), compressedSize, rawSize, sheetStart))
        var directory: [UInt8] = []
        for entry in entries {
            let name = Array(entry.name.utf8)
            let usesDescriptor = entry.offset == sheetStart
            Self.put32(0x0201_4B50, &directory)
            Self.put16(20, &directory)
            Self.put16(20, &directory)
            Self.put16(usesDescriptor ? 8 : 0, &directory)
            Self.put16(entry.method, &directory)
            Self.put32(0, &directory)  // time and date: 1980-01-01 00:00
            Self.put32(entry.crc, &directory)
            Self.put32(UInt32(entry.compressed), &directory)
            Self.put32(UInt32(entry.size), &directory)
            Self.put16(UInt16(name.count), &directory)
            Self.put16(0, &directory)
            Self.put16(0, &directory)
            Self.put16(0, &directory)
            Self.put16(0, &directory)
            Self.put32(0, &directory)
            Self.put32(UInt32(entry.offset), &directory)
            directory += name
        }
        let directoryOffset = offset
        var end: [UInt8] = []
        Self.put32(0x0605_4B50, &end)
        Self.put16(0, &end)
        Self.put16(0, &end)
        Self.put16(UInt16(entries.count), &end)
        Self.put16(UInt16(entries.count), &end)
        Self.put32(UInt32(directory.count), &end)
        Self.put32(UInt32(directoryOffset), &end)
        Self.put16(0, &end)
        try writeAll(directory + end)
        guard fsync(descriptor) == 0, close(descriptor) == 0 else {
            descriptor = -1
            throw Self.ioError(path, "cannot complete the file")
        }
        descriptor = -1
        guard rename(temporaryPath, path) == 0 else { throw Self.ioError(path, "cannot rename the finished file") }
    }

    /// Stops and removes the temporary file; `path` is untouched.
    package func abandon() {
        if descriptor >= 0 {
            close(descriptor)
            descriptor = -1
        }
        unlink(temporaryPath)
    }

    // MARK: Cells

    /// The `<c>` element of a value that is not NULL.
    static func cell(_ value: Value, reference: String) -> String {
        switch value {
        case .boolean(let flag): return "<c r=\"\(reference)\" t=\"b\"><v>\(flag ? 1 : 0)</v></c>"
        case .bigint(let number): return "<c r=\"\(reference)\"><v>\(number)</v></c>"
        case .double(let number) where number.isFinite: return "<c r=\"\(reference)\"><v>\(number)</v></c>"
        case .decimal, .wideDecimal: return "<c r=\"\(reference)\"><v>\(value.description)</v></c>"
        case .date(let days):
            return "<c r=\"\(reference)\" s=\"1\"><v>\(Int(days) + XLSXTable.excelEpochOffset)</v></c>"
        case .timestamp(let micros):
            let serial = Double(micros) / 86_400_000_000 + Double(XLSXTable.excelEpochOffset)
            return "<c r=\"\(reference)\" s=\"2\"><v>\(serial)</v></c>"
        default:
            // Text, intervals and non-finite doubles (Excel has no NaN or infinity) as text.
            return
                "<c r=\"\(reference)\" t=\"inlineStr\"><is><t xml:space=\"preserve\">\(escaped(value.description))</t></is></c>"
        }
    }

    /// Text for XML: `&`, `<`, `>`, `"` escaped; control characters XML 1.0 cannot hold dropped.
    static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value >= 0x20 && scalar.value != 0xFFFE && scalar.value != 0xFFFF {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    static func columnName(_ column: Int) -> String { XLSXWorkbook.columnName(column) }

    // MARK: ZIP

    /// The parts every workbook needs besides its sheet.
    static func fixedParts(sheetName: String) -> [(String, String)] {
        let declaration = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
        let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
        let relationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
        let packageRelationships = "http://schemas.openxmlformats.org/package/2006/relationships"
        return [
            (
                "[Content_Types].xml",
                declaration
                    + "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
                    + "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
                    + "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
                    + "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
                    + "<Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
                    + "<Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>"
                    + "</Types>"
            ),
            (
                "_rels/.rels",
                declaration + "<Relationships xmlns=\"\(packageRelationships)\">"
                    + "<Relationship Id=\"rId1\" Type=\"\(relationships)/officeDocument\" Target=\"xl/workbook.xml\"/>"
                    + "</Relationships>"
            ),
            (
                "xl/workbook.xml",
                declaration + "<workbook xmlns=\"\(main)\" xmlns:r=\"\(relationships)\"><sheets>"
                    + "<sheet name=\"\(escaped(sheetName))\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"
            ),
            (
                "xl/_rels/workbook.xml.rels",
                declaration + "<Relationships xmlns=\"\(packageRelationships)\">"
                    + "<Relationship Id=\"rId1\" Type=\"\(relationships)/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
                    + "<Relationship Id=\"rId2\" Type=\"\(relationships)/styles\" Target=\"styles.xml\"/>"
                    + "</Relationships>"
            ),
            (
                "xl/styles.xml",
                declaration + "<styleSheet xmlns=\"\(main)\">"
                    + "<numFmts count=\"1\"><numFmt numFmtId=\"164\" formatCode=\"yyyy-mm-dd hh:mm:ss\"/></numFmts>"
                    + "<fonts count=\"1\"><font><sz val=\"11\"/><name val=\"Calibri\"/></font></fonts>"
                    + "<fills count=\"1\"><fill><patternFill patternType=\"none\"/></fill></fills>"
                    + "<borders count=\"1\"><border/></borders>"
                    + "<cellStyleXfs count=\"1\"><xf/></cellStyleXfs>"
                    + "<cellXfs count=\"3\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\" applyNumberFormat=\"1\"/>"
                    + "<xf numFmtId=\"164\" applyNumberFormat=\"1\"/></cellXfs>"
                    + "<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>"
                    + "</styleSheet>"
            ),
        ]
    }

    /// Writes a small fixed part whole and uncompressed (stored, method 0): a few hundred bytes each.
    private func store(_ name: String, _ data: [UInt8]) throws(CSVError) {
        let checksum = data.withUnsafeBufferPointer {
            UInt32(truncatingIfNeeded: crc32(0, $0.baseAddress, uInt($0.count)))
        }
        var header: [UInt8] = []
        Self.localHeader(
            &header, name: Array(name.utf8), flags: 0, method: 0, crc: checksum, compressed: data.count,
            size: data.count)
        entries.append((name, 0, checksum, data.count, data.count, offset))
        try writeAll(header + data)
    }

    /// Starts the sheet entry: a local header whose CRC and sizes follow the data (flag 8).
    private func startSheet() throws(CSVError) {
        var header: [UInt8] = []
        Self.localHeader(
            &header, name: Array("xl/worksheets/sheet1.xml".utf8), flags: 8, method: 8, crc: 0, compressed: 0, size: 0)
        try writeAll(header)
        guard
            deflateInit2_(
                &stream, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
                == Z_OK
        else { throw Self.ioError(path, "cannot start compressing") }
        let declaration = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
        xml = Array(
            (declaration
                + "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>").utf8)
    }

    /// Deflates the buffered sheet XML into the file (all of it, ending the stream, with `finish`).
    private func deflateBuffered(finish: Bool) throws(CSVError) {
        crc = xml.withUnsafeBufferPointer { crc32(crc, $0.baseAddress, uInt($0.count)) }
        rawSize += xml.count
        var output = [UInt8](repeating: 0, count: 1 << 18)
        var status: Int32 = Z_OK
        try xml.withUnsafeMutableBufferPointer { (input) throws(CSVError) in
            stream.next_in = input.baseAddress
            stream.avail_in = uInt(input.count)
            repeat {
                let produced: Int = output.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(out.count)
                    status = deflate(&stream, finish ? Z_FINISH : Z_NO_FLUSH)
                    return out.count - Int(stream.avail_out)
                }
                guard status != Z_STREAM_ERROR else { throw Self.ioError(path, "compressing the sheet failed") }
                compressedSize += produced
                try writeAll(Array(output[0..<produced]))
            } while stream.avail_out == 0 || (finish && status != Z_STREAM_END)
        }
        xml.removeAll(keepingCapacity: true)
    }

    static func localHeader(
        _ out: inout [UInt8], name: [UInt8], flags: UInt16, method: UInt16, crc: UInt32, compressed: Int, size: Int
    ) {
        put32(0x0403_4B50, &out)
        put16(20, &out)
        put16(flags, &out)
        put16(method, &out)
        put32(0, &out)
        put32(crc, &out)
        put32(UInt32(compressed), &out)
        put32(UInt32(size), &out)
        put16(UInt16(name.count), &out)
        put16(0, &out)
        out += name
    }

    private func writeAll(_ bytes: [UInt8]) throws(CSVError) {
        var done = 0
        while done < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + done, $0.count - done) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { throw Self.ioError(path, "cannot write") }
            done += written
        }
        offset += bytes.count
    }

    static func put16(_ value: UInt16, _ out: inout [UInt8]) {
        out.append(UInt8(value & 0xFF))
        out.append(UInt8(value >> 8))
    }

    static func put32(_ value: UInt32, _ out: inout [UInt8]) {
        put16(UInt16(value & 0xFFFF), &out)
        put16(UInt16(value >> 16), &out)
    }

    static func ioError(_ path: String, _ what: String) -> CSVError {
        CSVError(kind: .io, message: "\(what): \(String(cString: strerror(errno)))", location: FileLocation(path: path))
    }
}
