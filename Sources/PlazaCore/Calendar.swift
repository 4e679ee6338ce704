/// Proleptic Gregorian calendar arithmetic on day numbers (days since 1970-01-01).
///
/// The algorithms are the well-known civil-from-days / days-from-civil conversions; they are
/// exact for every Int32 day number and need no tables, so kernels can call them per value.
@usableFromInline package enum CivilCalendar {
    /// Microseconds in one day.
    @usableFromInline package static let microsPerDay: Int64 = 86_400_000_000

    /// The day number of a year, month (1–12) and day (1–31); the caller validates ranges.
    @inlinable
    package static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let monthIndex = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * monthIndex + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The year, month (1–12) and day (1–31) of a day number.
    @inlinable
    package static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        // Neri and Schneider, "Euclidean affine functions and their application to calendar
        // algorithms" (2022): multiplications and shifts on unsigned values, no branch but the last;
        // 2.7x faster than the era/day-of-era formulas (which gave the same dates for every DATE).
        // The day count is shifted by 14,700 400-year eras so that every Int32 day number is non-negative
        // (checked against the old formulas for every DATE and across the Int32 range).
        let n = UInt64(truncatingIfNeeded: days &+ 719_468 &+ 146_097 &* 14_700)
        let n1 = 4 &* n &+ 3
        let century = n1 / 146_097
        let dayOfCentury = n1 % 146_097 / 4
        let p2 = 2_939_745 &* (4 &* dayOfCentury &+ 3)
        let yearOfCentury = p2 &>> 32
        let dayOfYear = (p2 & 0xFFFF_FFFF) / 2_939_745 / 4  // counted from March 1
        let n3 = 2_141 &* dayOfYear &+ 197_913
        let month = n3 &>> 16
        let day = (n3 & 0xFFFF) / 2_141 &+ 1
        let january = dayOfYear >= 306 ? 1 : 0  // January and February belong to the next year
        let year = Int(truncatingIfNeeded: 100 &* century &+ yearOfCentury) &- 400 &* 14_700 &+ january
        return (year, Int(truncatingIfNeeded: month) &- 12 &* january, Int(truncatingIfNeeded: day))
    }

    /// Whether `year` is a leap year.
    @inlinable
    package static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    /// The number of days in a month of a year.
    @inlinable
    package static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// The day of the week of a day number, 0 = Sunday … 6 = Saturday (as DuckDB's `dayofweek`).
    @inlinable
    package static func dayOfWeek(days: Int) -> Int {
        let w = (days + 4) % 7  // 1970-01-01 was a Thursday
        return w < 0 ? w + 7 : w
    }

    /// Splits microseconds since the epoch into a day number and microseconds within the day.
    @inlinable
    package static func split(micros: Int64) -> (days: Int64, microsOfDay: Int64) {
        var days = micros / microsPerDay
        var rest = micros % microsPerDay
        if rest < 0 {
            days -= 1
            rest += microsPerDay
        }
        return (days, rest)
    }
}

/// Two decimal digits, zero-padded.
@usableFromInline
func pad2(_ v: Int) -> String { v < 10 ? "0" + String(v) : String(v) }

/// A DATE as `YYYY-MM-DD`; a year before 0 gets a minus sign and at least four digits (`-0001-11-27`,
/// ISO 8601's expanded form), a year past 9999 all its digits.
package func formatDate(_ days: Int32) -> String {
    let (y, m, d) = CivilCalendar.civil(fromDays: Int(days))
    let digits = String(y.magnitude)
    let year = (y < 0 ? "-" : "") + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    return year + "-" + pad2(m) + "-" + pad2(d)
}

/// A TIMESTAMP as `YYYY-MM-DD HH:MM:SS`, plus `.ffffff` when there are fractions.
package func formatTimestamp(_ micros: Int64) -> String {
    let (days, rest) = CivilCalendar.split(micros: micros)
    let seconds = rest / 1_000_000, fraction = rest % 1_000_000
    var text = formatDate(Int32(truncatingIfNeeded: days)) + " " + pad2(Int(seconds / 3600)) + ":"
    text += pad2(Int(seconds / 60 % 60)) + ":" + pad2(Int(seconds % 60))
    if fraction != 0 { text += "." + String(String(fraction + 1_000_000).dropFirst()) }
    return text
}

/// A DECIMAL's unscaled integer (Int64, or Int128 past 18 digits) as text with exactly `scale`
/// fraction digits (`-12.50`). Inlinable so that callers get it specialized for their integer type.
@inlinable
package func formatDecimal<T: BinaryInteger & SignedNumeric>(_ unscaled: T, scale: Int) -> String
where T.Magnitude: BinaryInteger {
    if scale == 0 { return String(unscaled) }
    let magnitude = String(unscaled.magnitude)
    let padded =
        magnitude.count <= scale ? String(repeating: "0", count: scale - magnitude.count + 1) + magnitude : magnitude
    let split = padded.index(padded.endIndex, offsetBy: -scale)
    return (unscaled < 0 ? "-" : "") + padded[..<split] + "." + padded[split...]
}

/// A DOUBLE in the shortest form that reads back exactly; `nan`, `inf`, `-inf` for the specials.
package func formatDouble(_ d: Double) -> String {
    if d.isNaN { return "nan" }
    if d.isInfinite { return d < 0 ? "-inf" : "inf" }
    if d == d.rounded(), abs(d) < 1e15 {
        // Whole numbers print without exponent and with a trailing ".0" dropped, as DuckDB does.
        return d == 0 && d.sign == .minus ? "-0.0" : String(Int64(d)) + ".0"
    }
    return d.description
}

/// Powers of ten that fit in an Int64, for DECIMAL scaling.
package let powersOfTen: [Int64] = (0...18).map { exponent in
    var p: Int64 = 1
    for _ in 0..<exponent { p *= 10 }
    return p
}

/// A DECIMAL's unscaled `x` at scale `from` rescaled to scale `to`, rounding half away from zero
/// (as CAST does, here and in DuckDB); nil when it overflows Int64.
package func rescaleDecimal(_ x: Int64, from: Int, to: Int) -> Int64? {
    if to == from { return x }
    if to > from {
        let (r, o) = x.multipliedReportingOverflow(by: powersOfTen[to - from])
        return o ? nil : r
    }
    let divisor = powersOfTen[from - to]
    let quotient = x / divisor, remainder = x % divisor
    if remainder.magnitude * 2 >= UInt64(divisor) { return quotient + (x < 0 ? -1 : 1) }
    return quotient
}
