import Foundation
@testable import Plaza

/// A CSV field of a `table` row: its text, and whether it was quoted (`""` is an empty string,
/// an empty unquoted field is NULL).
struct CSVField {
    var text: String
    var isQuoted: Bool
}

/// Splits one CSV line into fields (RFC 4180 quotes, no line breaks inside fields).
func splitCSV(_ line: String, line number: Int) throws -> [CSVField] {
    var fields: [CSVField] = []
    var current = ""
    var isQuoted = false, inQuotes = false
    var characters = Array(line)
    if characters.last == "\r" { characters.removeLast() }
    var position = 0
    while position < characters.count {
        let character = characters[position]
        if inQuotes {
            if character == "\"" {
                if position + 1 < characters.count && characters[position + 1] == "\"" {
                    current.append("\"")
                    position += 1
                } else {
                    inQuotes = false
                }
            } else {
                current.append(character)
            }
        } else if character == "\"" && current.isEmpty && !isQuoted {
            inQuotes = true
            isQuoted = true
        } else if character == "," {
            fields.append(CSVField(text: current, isQuoted: isQuoted))
            current = ""
            isQuoted = false
        } else {
            current.append(character)
        }
        position += 1
    }
    if inQuotes { throw LogicFileError(line: number, message: "unterminated quote") }
    fields.append(CSVField(text: current, isQuoted: isQuoted))
    return fields
}

/// The value of a `table` row's field, typed by its column.
func parseValue(_ field: CSVField, as type: DataType, line: Int) throws -> Value {
    if field.text.isEmpty && !field.isQuoted { return .null }
    let text = field.text
    func bad() -> LogicFileError { LogicFileError(line: line, message: "\"\(text)\" is not a \(type)") }
    switch type {
    case .bigint:
        guard let v = Int64(text) else { throw bad() }
        return .bigint(v)
    case .double:
        switch text.lowercased() {
        case "nan": return .double(.nan)
        case "inf", "infinity": return .double(.infinity)
        case "-inf", "-infinity": return .double(-.infinity)
        default:
            guard let v = Double(text) else { throw bad() }
            return .double(v)
        }
    case .decimal(_, let scale):
        guard let v = parseDecimal(text, scale: scale) else { throw bad() }
        return .decimal(v, scale: scale)
    case .varchar:
        return .varchar(text)
    case .boolean:
        switch text.lowercased() {
        case "true", "t", "1": return .boolean(true)
        case "false", "f", "0": return .boolean(false)
        default: throw bad()
        }
    case .date:
        guard let days = parseDate(text) else { throw bad() }
        return .date(Int32(days))
    case .timestamp:
        let parts = text.split(separator: text.contains("T") ? "T" : " ", maxSplits: 1)
        guard let first = parts.first, let days = parseDate(String(first)) else { throw bad() }
        var micros = Int64(days) * CivilCalendar.microsPerDay
        if parts.count == 2 {
            let clock = parts[1].split(separator: ":")
            guard clock.count >= 2, let hours = Int64(clock[0]), let minutes = Int64(clock[1]) else { throw bad() }
            var secondsMicros: Int64 = 0
            if clock.count == 3 {
                let secondParts = clock[2].split(separator: ".")
                guard let seconds = Int64(secondParts[0]) else { throw bad() }
                secondsMicros = seconds * 1_000_000
                if secondParts.count == 2 {
                    let digits = String(secondParts[1].prefix(6))
                    guard let fraction = Int64(digits) else { throw bad() }
                    secondsMicros += fraction * powersOfTen[6 - digits.count]
                }
            }
            micros += (hours * 3600 + minutes * 60) * 1_000_000 + secondsMicros
        }
        return .timestamp(micros)
    default:
        throw bad()
    }
}

/// `-12.5` at scale 2 → -1250; nil when the text has more fraction digits than the scale.
func parseDecimal(_ text: String, scale: Int) -> Int64? {
    let isNegative = text.hasPrefix("-")
    let unsigned = isNegative || text.hasPrefix("+") ? String(text.dropFirst()) : text
    let parts = unsigned.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count <= 2, let whole = parts.first, whole.allSatisfy(\.isNumber) else { return nil }
    let fraction = parts.count == 2 ? String(parts[1]) : ""
    guard fraction.count <= scale, fraction.allSatisfy(\.isNumber), !(whole.isEmpty && fraction.isEmpty) else {
        return nil
    }
    let digits =
        (whole.isEmpty ? "0" : String(whole)) + fraction + String(repeating: "0", count: scale - fraction.count)
    guard let magnitude = Int64(digits) else { return nil }
    return isNegative ? -magnitude : magnitude
}

/// `YYYY-MM-DD` → day number.
func parseDate(_ text: String) -> Int? {
    let parts = text.split(separator: "-", omittingEmptySubsequences: false)
    guard parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
        (1...12).contains(month), day >= 1, day <= CivilCalendar.daysInMonth(year: year, month: month)
    else { return nil }
    return CivilCalendar.days(year: year, month: month, day: day)
}

/// A result value as the expected rows spell it: NULL as `NULL`, the empty string as nothing.
func logicText(_ value: Value) -> String {
    switch value {
    case .null: return "NULL"
    default: return value.description
    }
}

/// Whether a result column's type fits a `query` type letter.
func typeMatches(_ letter: Character, _ type: DataType) -> Bool {
    switch letter {
    case "I": return type == .bigint
    case "R":
        if case .decimal = type { return true }
        return type == .double
    case "T": return type == .varchar || type == .date || type == .timestamp || type == .interval
    case "B": return type == .boolean
    default: return false
    }
}
