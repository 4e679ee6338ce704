import PlazaCore
import PlazaPlanner
import PlazaVector

/// Calendar kernels over DATE (days) and TIMESTAMP (microseconds), proleptic Gregorian, UTC.
enum DateFunctions {
    static func kernel(_ name: ScalarFunction, _ types: [DataType], _ result: DataType, _ constants: [Value?])
        throws(ExecutionError) -> ScalarKernel
    {
        switch name {
        case .year, .quarter, .month, .week, .day, .dayofweek, .dayofyear, .hour, .minute, .second:
            let part = DatePart(name)
            if types[0] == .date {
                return { (inputs, count) throws(ExecutionError) in
                    let out = makeOutput(.bigint, count)
                    let input = inputs[0].data.assumingMemoryBound(to: Int32.self)
                    let output = out.data.assumingMemoryBound(to: Int64.self)
                    // One loop per part, chosen once per batch.
                    switch part {
                    case .year, .quarter, .month, .day, .dayofyear: calendarPart(part, input, unit: 1, output, count)
                    default: for row in 0..<count { output[row] = datePart(part, Int64(input[row]), 0) }
                    }
                    propagateNulls(inputs, into: out, count: count)
                    return out
                }
            }
            return { (inputs, count) throws(ExecutionError) in
                let out = makeOutput(.bigint, count)
                let input = inputs[0].data.assumingMemoryBound(to: Int64.self)
                let output = out.data.assumingMemoryBound(to: Int64.self)
                switch part {
                case .hour:
                    for row in 0..<count {
                        output[row] = CivilCalendar.split(micros: input[row]).microsOfDay / 3_600_000_000
                    }
                case .year, .quarter, .month, .day, .dayofyear:
                    calendarPart(part, input, unit: CivilCalendar.microsPerDay, output, count)
                default:
                    for row in 0..<count {
                        let (days, micros) = CivilCalendar.split(micros: input[row])
                        output[row] = datePart(part, days, micros)
                    }
                }
                propagateNulls(inputs, into: out, count: count)
                return out
            }
        case .dateTrunc:
            guard case .varchar(let part)? = constants[0], FunctionCatalogParts.truncation.contains(part.lowercased())
            else {
                throw ExecutionError(
                    .invalidArgument,
                    "date_trunc needs a constant part: year, quarter, month, week, day, hour, minute or second")
            }
            // The part is settled here, not per row (a string switch per row made date_trunc 3× DuckDB).
            let p = Truncation(part.lowercased())
            if types[1] == .date {
                return { (inputs, count) throws(ExecutionError) in
                    let out = makeOutput(.date, count)
                    mapUnary(inputs[1], out, count) { (d: Int32) in Int32(truncatingIfNeeded: truncateDays(p, Int64(d)))
                    }
                    propagateNulls([inputs[1]], into: out, count: count)
                    return out
                }
            }
            if let unit = p.micros {
                // A unit of fixed length (a day holds whole hours, minutes, seconds): one floor division.
                return { (inputs, count) throws(ExecutionError) in
                    let out = makeOutput(.timestamp, count)
                    mapUnary(inputs[1], out, count) { (t: Int64) -> Int64 in floorDivide(t, unit) &* unit }
                    propagateNulls([inputs[1]], into: out, count: count)
                    return out
                }
            }
            return { (inputs, count) throws(ExecutionError) in
                let out = makeOutput(.timestamp, count)
                mapUnary(inputs[1], out, count) { (t: Int64) -> Int64 in
                    truncateDays(p, CivilCalendar.split(micros: t).days) * CivilCalendar.microsPerDay
                }
                propagateNulls([inputs[1]], into: out, count: count)
                return out
            }
        case .dateDiff:
            guard case .varchar(let part)? = constants[0], FunctionCatalogParts.truncation.contains(part.lowercased())
            else {
                throw ExecutionError(
                    .invalidArgument,
                    "date_diff needs a constant part: year, quarter, month, week, day, hour, minute or second")
            }
            let p = part.lowercased()
            let isDate = types[1] == .date
            if isDate && (p == "day" || p == "week") {
                // Days between two DATEs (weeks: whole weeks toward zero): one subtraction per row, no calendar.
                let perWeek = p == "week"
                return { (inputs, count) throws(ExecutionError) in
                    let out = makeOutput(.bigint, count)
                    mapBinary(inputs[1], inputs[2], out, count) { (a: Int32, b: Int32) -> Int64 in
                        let days = Int64(b) &- Int64(a)
                        return perWeek ? days / 7 : days
                    }
                    propagateNulls([inputs[1], inputs[2]], into: out, count: count)
                    return out
                }
            }
            if let unit = ["hour": Int64(3_600_000_000), "minute": 60_000_000, "second": 1_000_000][p] {
                // Boundaries of a fixed-length unit crossed: floor divisions of the microseconds.
                return { (inputs, count) throws(ExecutionError) in
                    let out = makeOutput(.bigint, count)
                    let output = out.data.assumingMemoryBound(to: Int64.self)
                    for row in 0..<count {
                        let a = micros(inputs[1], row, isDate), b = micros(inputs[2], row, isDate)
                        output[row] = floorDivide(b, unit) &- floorDivide(a, unit)
                    }
                    propagateNulls([inputs[1], inputs[2]], into: out, count: count)
                    return out
                }
            }
            return { (inputs, count) throws(ExecutionError) in
                let out = makeOutput(.bigint, count)
                let output = out.data.assumingMemoryBound(to: Int64.self)
                for row in 0..<count {
                    let a = micros(inputs[1], row, isDate), b = micros(inputs[2], row, isDate)
                    output[row] = difference(p, a, b)
                }
                propagateNulls([inputs[1], inputs[2]], into: out, count: count)
                return out
            }
        case .makeDate:
            return { (inputs, count) throws(ExecutionError) in
                let out = makeOutput(.date, count)
                let output = out.data.assumingMemoryBound(to: Int32.self)
                for row in 0..<count where inputs.allSatisfy({ $0.isValid(at: row) }) {
                    let y = inputs[0].data.load(fromByteOffset: row * 8, as: Int64.self)
                    let m = inputs[1].data.load(fromByteOffset: row * 8, as: Int64.self)
                    let d = inputs[2].data.load(fromByteOffset: row * 8, as: Int64.self)
                    guard abs(y) < 1_000_000, m >= 1, m <= 12, d >= 1,
                        d <= CivilCalendar.daysInMonth(year: Int(y), month: Int(m))
                    else {
                        throw ExecutionError(.invalidArgument, "make_date(\(y), \(m), \(d)) is not a valid date")
                    }
                    output[row] = Int32(CivilCalendar.days(year: Int(y), month: Int(m), day: Int(d)))
                }
                propagateNulls(inputs, into: out, count: count)
                return out
            }
        case .strftime:
            let isDate = types[0] == .date
            if case .varchar(let format)? = constants[1], let pattern = DateFormatting.Pattern(format) {
                // A constant format (the usual case) is parsed once; each value is written as bytes.
                return { (inputs, count) throws(ExecutionError) in
                    let v = inputs[0]
                    return try pattern.items.withUnsafeBufferPointer { items throws(ExecutionError) in
                        try buildStrings(count, [v]) { (row, text) throws(ExecutionError) in
                            DateFormatting.Pattern.write(micros(v, row, isDate), items, into: &text)
                        }
                    }
                }
            }
            return { (inputs, count) throws(ExecutionError) in
                try buildStrings(count, inputs) { (row, text) throws(ExecutionError) in
                    let formatted = try DateFormatting.format(micros(inputs[0], row, isDate), string(inputs[1], row))
                    text.append(contentsOf: formatted.utf8)
                }
            }
        case .strptime:
            return { (inputs, count) throws(ExecutionError) in
                let out = makeOutput(.timestamp, count)
                let output = out.data.assumingMemoryBound(to: Int64.self)
                for row in 0..<count where inputs[0].isValid(at: row) && inputs[1].isValid(at: row) {
                    output[row] = try DateFormatting.parse(string(inputs[0], row), string(inputs[1], row))
                }
                propagateNulls(inputs, into: out, count: count)
                return out
            }
        default:
            preconditionFailure("\(name) is not a date function")
        }
    }

    @inline(__always)
    static func micros(_ v: ColumnVector, _ row: Int, _ isDate: Bool) -> Int64 {
        isDate
            ? Int64(v.data.load(fromByteOffset: row * 4, as: Int32.self)) * CivilCalendar.microsPerDay
            : v.data.load(fromByteOffset: row * 8, as: Int64.self)
    }

    /// year, quarter, month, day or dayofyear of DATEs (`unit` 1) or TIMESTAMPs (`unit` one day of
    /// microseconds). The part is constant over a calendar range (a year, quarter, month or day), so
    /// the range of the last row computed is kept: rows inside it (the usual case in time-ordered
    /// data) cost two comparisons instead of the divisions of a calendar conversion. When 64 of
    /// the first 256 rows miss, the rest of the batch is converted row by row.
    @inline(__always)
    static func calendarPart<T: FixedWidthInteger>(
        _ part: DatePart, _ input: UnsafeMutablePointer<T>, unit: Int64, _ output: UnsafeMutablePointer<Int64>,
        _ count: Int
    ) {
        var low: Int64 = 1, high: Int64 = 0  // an empty range: the first row computes
        var value: Int64 = 0
        var misses = 0
        for row in 0..<count {
            let x = Int64(input[row])
            if x >= low && x < high {
                output[row] = value
                continue
            }
            misses += 1
            if misses == 64 && row < 256 {
                // Unordered data: ranges do not pay for themselves; convert the rest row by row.
                for rest in row..<count {
                    let y = Int64(input[rest])
                    output[rest] = datePart(part, unit == 1 ? y : CivilCalendar.split(micros: y).days, 0)
                }
                return
            }
            let days = unit == 1 ? x : CivilCalendar.split(micros: x).days
            let (y, m, d) = CivilCalendar.civil(fromDays: Int(days))
            var first = days, last = days &+ 1
            switch part {
            case .year:
                first = Int64(CivilCalendar.days(year: y, month: 1, day: 1))
                last = Int64(CivilCalendar.days(year: y + 1, month: 1, day: 1))
                value = Int64(y)
            case .quarter:
                let q = (m - 1) / 3
                first = Int64(CivilCalendar.days(year: y, month: q * 3 + 1, day: 1))
                last = Int64(
                    q == 3
                        ? CivilCalendar.days(year: y + 1, month: 1, day: 1)
                        : CivilCalendar.days(year: y, month: q * 3 + 4, day: 1))
                value = Int64(q + 1)
            case .month:
                first = Int64(CivilCalendar.days(year: y, month: m, day: 1))
                last = Int64(
                    m == 12
                        ? CivilCalendar.days(year: y + 1, month: 1, day: 1)
                        : CivilCalendar.days(year: y, month: m + 1, day: 1))
                value = Int64(m)
            case .day:
                value = Int64(d)
            default:  // dayofyear
                value = days - Int64(CivilCalendar.days(year: y, month: 1, day: 1)) + 1
            }
            output[row] = value
            // The range in the input's unit; a bound past the Int64 range only stops the reuse.
            let (lowBound, lowOverflow) = first.multipliedReportingOverflow(by: unit)
            let (highBound, highOverflow) = last.multipliedReportingOverflow(by: unit)
            if lowOverflow || highOverflow {
                low = 1
                high = 0
            } else {
                low = lowBound
                high = highBound
            }
        }
    }

    /// One calendar part of a day number plus microseconds within the day.
    @inline(__always)
    static func datePart(_ part: DatePart, _ days: Int64, _ micros: Int64) -> Int64 {
        switch part {
        case .hour: return micros / 3_600_000_000
        case .minute: return micros / 60_000_000 % 60
        case .second: return micros / 1_000_000 % 60
        case .dayofweek: return Int64(CivilCalendar.dayOfWeek(days: Int(days)))
        case .week: return Int64(isoWeek(Int(days)))
        default: break
        }
        let (y, m, d) = CivilCalendar.civil(fromDays: Int(days))
        switch part {
        case .year: return Int64(y)
        case .quarter: return Int64((m - 1) / 3 + 1)
        case .month: return Int64(m)
        case .day: return Int64(d)
        default: return days - Int64(CivilCalendar.days(year: y, month: 1, day: 1)) + 1  // dayofyear
        }
    }

    /// ISO 8601 week number (weeks start on Monday; week 1 holds the year's first Thursday).
    static func isoWeek(_ days: Int) -> Int {
        let weekday = (CivilCalendar.dayOfWeek(days: days) + 6) % 7  // Monday = 0
        let thursday = days - weekday + 3
        let (year, _, _) = CivilCalendar.civil(fromDays: thursday)
        let firstDay = CivilCalendar.days(year: year, month: 1, day: 1)
        return (thursday - firstDay) / 7 + 1
    }

    /// The first day of the `part` that holds `days`.
    /// A part of date_trunc, settled once per expression.
    enum Truncation {
        case year, quarter, month, week, day, hour, minute, second

        /// The part named `name` (one of `FunctionCatalogParts.truncation`, lowercased).
        init(_ name: String) {
            switch name {
            case "year": self = .year
            case "quarter": self = .quarter
            case "month": self = .month
            case "week": self = .week
            case "hour": self = .hour
            case "minute": self = .minute
            case "second": self = .second
            default: self = .day
            }
        }

        /// The part's length in microseconds when it is fixed (day and shorter).
        var micros: Int64? {
            switch self {
            case .day: return CivilCalendar.microsPerDay
            case .hour: return 3_600_000_000
            case .minute: return 60_000_000
            case .second: return 1_000_000
            default: return nil
            }
        }
    }

    /// The first day of the `part` holding day `days` (the day itself for a day and shorter parts).
    static func truncateDays(_ part: Truncation, _ days: Int64) -> Int64 {
        switch part {
        case .week: return days - Int64((CivilCalendar.dayOfWeek(days: Int(days)) + 6) % 7)
        case .day, .hour, .minute, .second: return days
        default: break
        }
        let (y, m, _) = CivilCalendar.civil(fromDays: Int(days))
        switch part {
        case .year: return Int64(CivilCalendar.days(year: y, month: 1, day: 1))
        case .quarter: return Int64(CivilCalendar.days(year: y, month: (m - 1) / 3 * 3 + 1, day: 1))
        default: return Int64(CivilCalendar.days(year: y, month: m, day: 1))
        }
    }

    /// `x / y` rounded toward negative infinity (`y` > 0).
    @inline(__always)
    static func floorDivide(_ x: Int64, _ y: Int64) -> Int64 {
        let q = x / y
        return q &- (x % y < 0 ? 1 : 0)
    }

    /// The number of `part` boundaries between `a` and `b` (microseconds), as DuckDB's date_diff.
    static func difference(_ part: String, _ a: Int64, _ b: Int64) -> Int64 {
        let (da, ma) = CivilCalendar.split(micros: a), (db, mb) = CivilCalendar.split(micros: b)
        func floorDiv(_ x: Int64, _ y: Int64) -> Int64 { x >= 0 ? x / y : (x - y + 1) / y }
        switch part {
        case "year", "quarter", "month":
            let (ya, mona, _) = CivilCalendar.civil(fromDays: Int(da)),
                (yb, monb, _) = CivilCalendar.civil(fromDays: Int(db))
            if part == "year" { return Int64(yb - ya) }
            if part == "quarter" { return Int64((yb * 4 + (monb - 1) / 3) - (ya * 4 + (mona - 1) / 3)) }
            return Int64((yb * 12 + monb) - (ya * 12 + mona))
        case "week": return (db - da) / 7  // whole weeks between the dates, as DuckDB (not Monday boundaries)
        case "day": return db - da
        case "hour": return floorDiv(b, 3_600_000_000) - floorDiv(a, 3_600_000_000)
        case "minute": return floorDiv(b, 60_000_000) - floorDiv(a, 60_000_000)
        default:
            _ = (ma, mb)
            return floorDiv(b, 1_000_000) - floorDiv(a, 1_000_000)
        }
    }
}

/// A calendar part extracted by `year()`, `month()`, … (`extract(part FROM x)`).
enum DatePart: String, Sendable {
    case year, quarter, month, week, day, dayofweek, dayofyear, hour, minute, second
}

/// The parts `date_trunc` and `date_diff` accept.
enum FunctionCatalogParts {
    static let truncation: Set<String> = ["year", "quarter", "month", "week", "day", "hour", "minute", "second"]
}

extension DatePart {
    /// The part a calendar function (`year`, `hour`, …) extracts.
    init(_ function: ScalarFunction) {
        switch function {
        case .year: self = .year
        case .quarter: self = .quarter
        case .month: self = .month
        case .week: self = .week
        case .day: self = .day
        case .dayofweek: self = .dayofweek
        case .dayofyear: self = .dayofyear
        case .hour: self = .hour
        case .minute: self = .minute
        case .second: self = .second
        default: preconditionFailure("\(function) extracts no date part")
        }
    }
}
