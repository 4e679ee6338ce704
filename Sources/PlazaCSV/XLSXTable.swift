import PlazaCore
import PlazaVector

/// A worksheet as a table: `read_xlsx('file.xlsx', sheet = …, range = …, header = …)` and
/// `plaza import file.xlsx`. The first row of the range names the columns (or, without a header,
/// the columns are named by their letters); each column's type comes from every cell of it:
/// BOOLEAN, BIGINT (whole numbers), DOUBLE, DATE or TIMESTAMP (numbers styled as dates: Excel
/// serials, day 0 = 1899-12-30), else VARCHAR (other cells as their text). Empty and error cells are
/// NULL; without a range, rows with no cell at all are skipped (an explicit range keeps them).
package struct XLSXTable {
    /// The columns.
    package let schema: Schema
    /// The rows, in batches of at most 2,048.
    package let batches: [Batch]

    /// Reads sheet `sheet` (the first when nil), cells `range` (`A1:D100`; the used cells when
    /// nil), the range's first row as header unless `header` is false.
    ///
    /// - Throws: `CSVError` naming the file, and the sheet and cell where one is at fault.
    package init(path: String, sheet: String? = nil, range: String? = nil, header: Bool = true) throws(CSVError) {
        let mapped = try MappedFile(path: path)
        let workbook = try XLSXWorkbook(bytes: mapped.bytes, path: path)
        let (sheetName, rows) = try workbook.cells(sheet: sheet)
        var bounds: (top: Int, left: Int, bottom: Int, right: Int)
        if let range {
            let parts = range.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let from = XLSXWorkbook.parseReference(String(parts[0])),
                let to = XLSXWorkbook.parseReference(String(parts[1])), from.row <= to.row, from.column <= to.column
            else {
                throw CSVError(
                    kind: .invalidOption, message: "range \"\(range)\" is not of the form A1:D100",
                    location: FileLocation(path: path))
            }
            bounds = (from.row, from.column, to.row, to.column)
        } else {
            let used = rows.filter { !$0.value.isEmpty }
            guard let top = used.keys.min(), let bottom = used.keys.max() else {
                throw CSVError(
                    kind: .emptyFile, message: "sheet \"\(sheetName)\" has no cells", location: FileLocation(path: path)
                )
            }
            let columns = used.values.flatMap { $0.map(\.0) }
            bounds = (top, columns.min()!, bottom, columns.max()!)
        }
        let width = bounds.right - bounds.left + 1
        // The range's cells, densely by row; rows outside the range and empty rows within it stay NULL rows.
        func cellsOf(_ row: Int) -> [XLSXCell] {
            var line = [XLSXCell](repeating: .empty, count: width)
            for (column, cell) in rows[row] ?? [] where column >= bounds.left && column <= bounds.right {
                line[column - bounds.left] = cell
            }
            return line
        }
        let headerRow = header ? cellsOf(bounds.top) : nil
        let firstData = header ? bounds.top + 1 : bounds.top
        let lastData = bounds.bottom
        // Cells are held densely: a sheet whose few cells span a huge area must be given a range.
        guard width * Swift.max(0, lastData - firstData + 1) <= 50_000_000 else {
            throw CSVError(
                kind: .invalidOption,
                message:
                    "sheet \"\(sheetName)\" spans \(width) columns by \(lastData - firstData + 1) rows; give read_xlsx a range",
                location: FileLocation(path: path))
        }
        var data: [[XLSXCell]] = []
        if firstData <= lastData {
            data.reserveCapacity(lastData - firstData + 1)
            for row in firstData...lastData {
                let line = cellsOf(row)
                // Blank rows inside the used area (separators) are skipped; an explicit range keeps them.
                if range == nil && line.allSatisfy({ $0 == .empty }) { continue }
                data.append(line)
            }
        }
        var names: [String] = []
        var used = Set<String>()
        for column in 0..<width {
            var name: String
            switch headerRow?[column] {
            case .text(let text)? where !text.isEmpty: name = text
            case .number(let number, _)?: name = Self.text(of: number)
            case .boolean(let flag)?: name = flag ? "true" : "false"
            default: name = XLSXWorkbook.columnName(bounds.left + column)
            }
            var unique = name, suffix = 1
            while used.contains(unique.lowercased()) {
                unique = name + "_" + String(suffix)
                suffix += 1
            }
            used.insert(unique.lowercased())
            names.append(unique)
        }
        let types = (0..<width).map { column in Self.type(of: data.lazy.map { $0[column] }) }
        schema = Schema(zip(names, types).map { Field(name: $0, type: $1) })
        var batches: [Batch] = []
        var start = 0
        while start < data.count {
            let count = Swift.min(ColumnVector.batchCapacity, data.count - start)
            let batch = Batch(types: types, capacity: count)
            for (column, type) in types.enumerated() {
                let vector = batch.columns[column]
                for row in start..<(start + count) {
                    let cell = data[row][column]
                    guard let value = Self.value(cell, as: type) else {
                        vector.appendNull()
                        continue
                    }
                    vector.append(value: value)
                }
            }
            batch.count = count
            batches.append(batch)
            start += count
        }
        self.batches = batches
    }

    /// The type that holds every cell of a column.
    static func type<Cells: Sequence>(of cells: Cells) -> DataType where Cells.Element == XLSXCell {
        var sawBoolean = false, sawNumber = false, sawDate = false, sawText = false
        var allWhole = true, allMidnight = true
        for cell in cells {
            switch cell {
            case .empty, .error: continue
            case .boolean: sawBoolean = true
            case .text: sawText = true
            case .number(let number, let isDate):
                if isDate {
                    sawDate = true
                    if number != number.rounded(.down) { allMidnight = false }
                } else {
                    sawNumber = true
                    if number != number.rounded(.towardZero) || abs(number) >= 9.0e15 { allWhole = false }
                }
            }
        }
        let kinds = [sawBoolean, sawNumber, sawDate, sawText].filter { $0 }.count
        if kinds != 1 { return kinds == 0 ? .varchar : (sawText || sawBoolean ? .varchar : .double) }
        if sawBoolean { return .boolean }
        if sawDate { return allMidnight ? .date : .timestamp }
        if sawNumber { return allWhole ? .bigint : .double }
        return .varchar
    }

    /// A cell's value in its column's type; nil for NULL.
    static func value(_ cell: XLSXCell, as type: DataType) -> Value? {
        switch (cell, type) {
        case (.empty, _), (.error, _): return nil
        case (.boolean(let flag), .boolean): return .boolean(flag)
        case (.number(let number, _), .bigint): return .bigint(Int64(number))
        case (.number(let number, _), .double): return .double(number)
        case (.number(let number, _), .date):
            return .date(Int32(clamping: Int(number.rounded(.down)) - excelEpochOffset))
        case (.number(let number, _), .timestamp): return .timestamp(timestamp(ofSerial: number))
        case (.text(let text), .varchar): return .varchar(text)
        case (.boolean(let flag), .varchar): return .varchar(flag ? "true" : "false")
        case (.number(let number, let isDate), .varchar):
            guard isDate else { return .varchar(text(of: number)) }
            let asDate = number == number.rounded(.down)
            return .varchar((value(cell, as: asDate ? .date : .timestamp) ?? .null).description)
        default: return nil
        }
    }

    /// Days from Excel's day 0 (1899-12-30, which absorbs its 1900 leap-year bug for later dates) to 1970-01-01.
    static let excelEpochOffset = 25_569

    /// Microseconds since 1970-01-01 of an Excel serial (days and fractions of a day), to the millisecond.
    static func timestamp(ofSerial serial: Double) -> Int64 {
        let milliseconds = ((serial - Double(excelEpochOffset)) * 86_400_000).rounded()
        guard milliseconds.magnitude < 9.0e15 else { return 0 }
        return Int64(milliseconds) * 1_000
    }

    /// A number as text: whole numbers without a fraction, others as Swift prints a Double.
    static func text(of number: Double) -> String {
        if number == number.rounded(.towardZero) && abs(number) < 9.0e15 { return String(Int64(number)) }
        return String(number)
    }
}
