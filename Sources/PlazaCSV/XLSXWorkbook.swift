import PlazaCore
import PlazaVector

/// One cell of a worksheet as the workbook stores it.
enum XLSXCell: Equatable {
    case empty
    /// A number; `isDate` when its style formats it as a date or time (an Excel serial).
    case number(Double, isDate: Bool)
    case text(String)
    case boolean(Bool)
    /// An error value (`#DIV/0!`, `#N/A`): read as NULL.
    case error
}

/// An .xlsx workbook (Office Open XML): its sheets, shared strings and date styles, read from the
/// ZIP container with Plaza's own ZIP and XML readers. `table(…)` turns a sheet into typed columns.
package struct XLSXWorkbook {
    /// The sheets, in workbook order: name and the ZIP entry of its XML.
    let sheets: [(name: String, entry: String)]
    let path: String
    private let archive: ZipArchive
    private let sharedStrings: [String]
    /// Per cell style (`s` attribute): whether its number format shows a date or a time.
    private let dateStyles: [Bool]

    /// The most rows and columns a worksheet may have (Excel's limits).
    static let maximumRows = 1_048_576, maximumColumns = 16_384

    /// Reads the workbook's directory, sheet list, shared strings and styles.
    ///
    /// - Throws: `CSVError` (`.invalidFile`) naming the file and the part that is missing or damaged.
    init(bytes: UnsafeRawBufferPointer, path: String) throws(CSVError) {
        let archive = try ZipArchive(bytes: bytes, path: path)
        func xml(_ name: String) throws(CSVError) -> [UInt8]? { try archive.data(of: name) }
        guard let workbook = try xml("xl/workbook.xml") else {
            throw ZipArchive.damage(path, "no xl/workbook.xml: not an .xlsx workbook")
        }
        var relations: [String: String] = [:]
        if let rels = try xml("xl/_rels/workbook.xml.rels") {
            try Self.scan(rels, path: path, part: "xl/_rels/workbook.xml.rels") { event in
                if case .start("Relationship", let attributes, _) = event, let id = attributes["Id"],
                    let target = attributes["Target"]
                {
                    relations[id] = target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
                }
            }
        }
        var listed: [(String, String)] = []
        try Self.scan(workbook, path: path, part: "xl/workbook.xml") { event in
            if case .start("sheet", let attributes, _) = event, let name = attributes["name"] {
                let id = attributes["id"] ?? ""
                listed.append((name, relations[id] ?? "xl/worksheets/sheet\(listed.count + 1).xml"))
            }
        }
        guard !listed.isEmpty else { throw ZipArchive.damage(path, "the workbook lists no sheet") }
        var strings: [String] = []
        if let shared = try xml("xl/sharedStrings.xml") {
            var current: String?
            var inText = false, inPhonetic = false
            try Self.scan(shared, path: path, part: "xl/sharedStrings.xml") { event in
                switch event {
                case .start("si", _, let selfClosing):
                    if selfClosing { strings.append("") } else { current = "" }
                case .end("si"):
                    strings.append(current ?? "")
                    current = nil
                case .start("t", _, let selfClosing): inText = !selfClosing && !inPhonetic
                case .end("t"): inText = false
                // Phonetic runs (furigana) are not part of the text.
                case .start("rPh", _, let selfClosing): inPhonetic = !selfClosing
                case .end("rPh"): inPhonetic = false
                case .text(let text) where inText: current? += text
                default: break
                }
            }
        }
        var formats: [Int: Bool] = [:]
        var styles: [Bool] = []
        if let stylesXML = try xml("xl/styles.xml") {
            var inCellFormats = false
            try Self.scan(stylesXML, path: path, part: "xl/styles.xml") { event in
                switch event {
                case .start("numFmt", let attributes, _):
                    if let id = attributes["numFmtId"].flatMap({ Int($0) }), let code = attributes["formatCode"] {
                        formats[id] = Self.isDateFormat(code)
                    }
                case .start("cellXfs", _, _): inCellFormats = true
                case .end("cellXfs"): inCellFormats = false
                case .start("xf", let attributes, _) where inCellFormats:
                    let id = attributes["numFmtId"].flatMap { Int($0) } ?? 0
                    styles.append(formats[id] ?? Self.builtInDateFormats.contains(id))
                default: break
                }
            }
        }
        self.path = path
        self.archive = archive
        self.sheets = listed
        self.sharedStrings = strings
        self.dateStyles = styles
    }

    /// Built-in number formats that show dates or times (ECMA-376 §18.8.30).
    static let builtInDateFormats: Set<Int> = [14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47]

    /// Whether a custom number format shows a date or time: a d, m, y, h or s outside quotes,
    /// brackets and escapes (`[Red]0.00` and `"days"` are not dates; `[h]:mm` is).
    static func isDateFormat(_ code: String) -> Bool {
        var inQuotes = false, inBrackets = false, escaped = false
        for character in code.lowercased() {
            if escaped {
                escaped = false
                continue
            }
            switch character {
            case "\\": escaped = true
            case "\"": inQuotes.toggle()
            case "[" where !inQuotes: inBrackets = true
            case "]" where !inQuotes: inBrackets = false
            case "d", "m", "y", "h",
                "s" where !inQuotes && !inBrackets:
                return true
            default: if inBrackets && (character == "h" || character == "m" || character == "s") { return true }
            }
        }
        return false
    }

    /// Runs `body` over every event of an XML part; malformed XML throws naming the part.
    static func scan(_ bytes: [UInt8], path: String, part: String, _ body: (XMLScanner.Event) throws(CSVError) -> Void)
        throws(CSVError)
    {
        var scanner = XMLScanner(bytes)
        while let event = scanner.next() { try body(event) }
        if let error = scanner.error { throw ZipArchive.damage(path, "\(part): \(error)") }
    }

    /// The cells of sheet `name` (the first sheet when nil): per row number (1-based), its cells
    /// by column number (1-based), sparse as the sheet stores them.
    ///
    /// - Throws: `CSVError` naming the file, sheet and cell for a missing sheet or a bad cell.
    func cells(sheet name: String?) throws(CSVError) -> (sheet: String, rows: [Int: [(Int, XLSXCell)]]) {
        let index: Int
        if let name {
            guard
                let found = sheets.firstIndex(where: { $0.name == name })
                    ?? sheets.firstIndex(where: {
                        $0.name.lowercased() == name.lowercased()
                    })
            else {
                throw CSVError(
                    kind: .invalidOption,
                    message: "no sheet named \"\(name)\"; the sheets are "
                        + sheets.map { "\"\($0.name)\"" }.joined(separator: ", "),
                    location: FileLocation(path: path))
            }
            index = found
        } else {
            index = 0
        }
        let (sheetName, entry) = sheets[index]
        guard let xml = try archive.data(of: entry) else {
            throw ZipArchive.damage(path, "the sheet \"\(sheetName)\" has no part \(entry)")
        }
        var rows: [Int: [(Int, XLSXCell)]] = [:]
        var row = 0, column = 0, nextColumn = 1
        var type = "n", style = -1
        var value: String?, inValue = false, inline = ""
        var inInline = false
        func place(_ message: String) -> CSVError {
            CSVError(
                kind: .invalidFile,
                message: "sheet \"\(sheetName)\", cell \(Self.reference(row: row, column: column)): \(message)",
                location: FileLocation(path: path))
        }
        try Self.scan(xml, path: path, part: entry) { event throws(CSVError) in
            switch event {
            case .start("row", let attributes, _):
                if let r = attributes["r"] {
                    guard let number = Int(r), number >= 1, number <= Self.maximumRows, number > row else {
                        throw ZipArchive.damage(
                            path, "sheet \"\(sheetName)\": a row numbered \"\(r)\" out of order or range")
                    }
                    row = number
                } else {
                    row += 1
                }
                guard row <= Self.maximumRows else {
                    throw ZipArchive.damage(path, "sheet \"\(sheetName)\" has too many rows")
                }
                nextColumn = 1
            case .start("c", let attributes, let selfClosing):
                if let reference = attributes["r"] {
                    guard let parsed = Self.parseReference(reference), parsed.row == row || row == 0 else {
                        throw place("the cell reference \"\(reference)\" is not in its row")
                    }
                    column = parsed.column
                } else {
                    column = nextColumn
                }
                guard column <= Self.maximumColumns else { throw place("a column past XFD") }
                nextColumn = column + 1
                type = attributes["t"] ?? "n"
                style = attributes["s"].flatMap { Int($0) } ?? -1
                value = nil
                inline = ""
                if selfClosing { column = 0 }
            case .start("v", _, _): inValue = true
            case .end("v"): inValue = false
            case .start("is", _, _): inInline = true
            case .end("is"): inInline = false
            case .text(let text):
                if inValue { value = (value ?? "") + text } else if inInline { inline += text }
            case .end("c"):
                guard column > 0 else { break }
                let cell: XLSXCell
                switch type {
                case "s":
                    guard let text = value, let index = Int(text.trimmingSpaces), index >= 0,
                        index < sharedStrings.count
                    else {
                        throw place("a shared string index \(value ?? "(none)") that the workbook does not have")
                    }
                    cell = .text(sharedStrings[index])
                case "inlineStr": cell = .text(inline)
                case "str": cell = .text(value ?? "")
                case "b": cell = .boolean(value?.trimmingSpaces == "1")
                case "e": cell = .error
                case "d":
                    // An ISO 8601 date kept as text; the table turns it into a DATE or TIMESTAMP.
                    cell = value.map { .text($0) } ?? .empty
                default:
                    guard let text = value else {
                        cell = .empty
                        break
                    }
                    guard let number = Double(text.trimmingSpaces), number.isFinite else {
                        throw place("\"\(text)\" is not a number")
                    }
                    let isDate = style >= 0 && style < dateStyles.count && dateStyles[style]
                    cell = .number(number, isDate: isDate)
                }
                if cell != .empty { rows[row, default: []].append((column, cell)) }
                column = 0
            default: break
            }
        }
        return (sheetName, rows)
    }

    /// `(row, column)`, both 1-based, of a reference such as `B12` (`$` signs allowed); nil when malformed.
    static func parseReference(_ text: String) -> (row: Int, column: Int)? {
        var column = 0, row = 0, sawDigit = false
        for character in text.uppercased() where character != "$" {
            if let ascii = character.asciiValue, ascii >= 65, ascii <= 90, !sawDigit {
                column = column * 26 + Int(ascii - 64)
                if column > maximumColumns { return nil }
            } else if let digit = character.wholeNumberValue, character.isASCII {
                sawDigit = true
                row = row * 10 + digit
                if row > maximumRows { return nil }
            } else {
                return nil
            }
        }
        return column > 0 && row > 0 ? (row, column) : nil
    }

    /// The A1-style name of a cell.
    static func reference(row: Int, column: Int) -> String { columnName(column) + String(row) }

    /// `A`, `B`, … `Z`, `AA` … for 1, 2, … 26, 27 ….
    static func columnName(_ column: Int) -> String {
        var number = column, letters: [Character] = []
        while number > 0 {
            let remainder = (number - 1) % 26
            letters.insert(Character(Unicode.Scalar(UInt8(65 + remainder))), at: 0)
            number = (number - 1) / 26
        }
        return String(letters)
    }
}

extension String {
    /// The text without leading and trailing spaces, tabs and line breaks.
    var trimmingSpaces: Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = lastIndex(where: { !isSpace($0) })!
        return self[first...last]
    }
}
