import Plaza

/// Draws a result as a box of aligned columns, as `plaza query --format table` prints it.
///
/// Numbers are right-aligned and NULL shows as `NULL`. More than `maxRows` rows are shortened in
/// the middle (first and last rows kept) with the total count below; a result wider than
/// `maxWidth` keeps its first and last columns and shows `…` for the ones left out.
struct TableRenderer {
    let result: QueryResult
    let maxWidth: Int?
    var maxRows = 40
    /// The widest cell shown in full when there are several columns; a single column (an EXPLAIN
    /// plan) is only clipped to the terminal.
    var maxCellWidth = 48

    func render() -> String {
        let fields = result.fields
        let maxCellWidth = fields.count == 1 ? max(20, (maxWidth ?? Int.max / 2) - 4) : self.maxCellWidth
        let total = result.count
        var rowIndexes = Array(0..<total)
        let isShortened = total > maxRows
        if isShortened { rowIndexes = Array(0..<(maxRows / 2)) + Array((total - maxRows / 2)..<total) }

        // Cells as text, one array per column.
        var columns: [Column] = fields.enumerated().map { position, field in
            var cells: [String] = []
            cells.reserveCapacity(rowIndexes.count)
            for row in rowIndexes {
                cells.append(clip(display(result.value(row: row, column: position)), maxCellWidth))
            }
            return Column(
                name: clip(field.name, maxCellWidth), type: field.type.description.lowercased(), cells: cells,
                isNumeric: field.type.isNumeric)
        }
        columns = fit(columns)

        var lines: [String] = []
        lines.append(border("┌", "┬", "┐", columns))
        lines.append(line(columns.map { center($0.name, $0.width) }))
        lines.append(line(columns.map { center($0.type, $0.width) }))
        lines.append(border("├", "┼", "┤", columns))
        for position in 0..<rowIndexes.count {
            if isShortened && position == maxRows / 2 {
                lines.append(line(columns.map { pad("·", $0.width, right: $0.isNumeric) }))
            }
            lines.append(line(columns.map { pad($0.cells[position], $0.width, right: $0.isNumeric) }))
        }
        lines.append(border("└", "┴", "┘", columns))
        if isShortened || total == 0 || fields.count != columns.filter({ !$0.isEllipsis }).count {
            var footer = total == 1 ? "1 row" : "\(groupDigits(total)) rows"
            if isShortened { footer += " (\(rowIndexes.count) shown)" }
            let shownColumns = columns.filter { !$0.isEllipsis }.count
            if shownColumns < fields.count { footer += ", \(fields.count) columns (\(shownColumns) shown)" }
            lines.append(footer)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    struct Column {
        var name: String
        var type: String
        var cells: [String]
        var isNumeric: Bool
        var isEllipsis = false
        var width: Int { max(name.count, type.count, cells.map(\.count).max() ?? 0) }
    }

    /// Drops middle columns until the box fits `maxWidth`, putting a `…` column in their place.
    private func fit(_ columns: [Column]) -> [Column] {
        guard let maxWidth, columns.count > 1 else { return columns }
        func width(_ columns: [Column]) -> Int { columns.reduce(1) { $0 + $1.width + 3 } }
        guard width(columns) > maxWidth else { return columns }
        var kept = columns
        let ellipsis = Column(
            name: "…", type: "", cells: Array(repeating: "…", count: columns.first?.cells.count ?? 0), isNumeric: false,
            isEllipsis: true)
        var left = (columns.count + 1) / 2, right = columns.count - left
        while left + right > 1 {
            if left >= right { left -= 1 } else { right -= 1 }
            kept = Array(columns[0..<left]) + [ellipsis] + Array(columns[(columns.count - right)...])
            if width(kept) <= maxWidth { break }
        }
        return kept
    }

    private func display(_ value: Value) -> String {
        let text = value.description
        guard text.contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\t" }) else { return text }
        return text.replacingOccurrences(of: "\r", with: "\\r").replacingOccurrences(of: "\n", with: "\\n")
            .replacingOccurrences(of: "\t", with: "\\t")
    }

    private func clip(_ text: String, _ maxCellWidth: Int) -> String {
        text.count <= maxCellWidth ? text : String(text.prefix(maxCellWidth - 1)) + "…"
    }

    private func pad(_ text: String, _ width: Int, right: Bool) -> String {
        let padding = String(repeating: " ", count: max(0, width - text.count))
        return right ? padding + text : text + padding
    }

    private func center(_ text: String, _ width: Int) -> String {
        let extra = max(0, width - text.count)
        return String(repeating: " ", count: extra / 2) + text + String(repeating: " ", count: extra - extra / 2)
    }

    private func line(_ cells: [String]) -> String { "│ " + cells.joined(separator: " │ ") + " │" }

    private func border(_ left: String, _ middle: String, _ right: String, _ columns: [Column]) -> String {
        left + columns.map { String(repeating: "─", count: $0.width + 2) }.joined(separator: middle) + right
    }
}

/// `1234567` as `1,234,567`.
func groupDigits(_ number: Int) -> String {
    let digits = String(number.magnitude)
    var grouped = ""
    for (position, digit) in digits.enumerated() {
        if position > 0 && (digits.count - position) % 3 == 0 { grouped += "," }
        grouped.append(digit)
    }
    return (number < 0 ? "-" : "") + grouped
}
