import PlazaCore

/// Text → value conversions used for typed literals, string literals compared with typed
/// columns, and constant folding of casts. Strict: surrounding spaces are allowed, nothing else.
public enum ValueParsing {
    /// Parses `YYYY-MM-DD` into days since 1970-01-01, or nil.
    public static func date(_ text: String) -> Int32? {
        let bytes = Array(trimmed(text).utf8)
        guard let (days, end) = dateBytes(bytes, 0), end == bytes.count else { return nil }
        return days
    }

    /// Parses `YYYY-MM-DD[( |T)HH:MM[:SS[.ffffff]]]` into microseconds since the epoch, or nil.
    public static func timestamp(_ text: String) -> Int64? {
        let bytes = Array(trimmed(text).utf8)
        guard let (days, end) = dateBytes(bytes, 0) else { return nil }
        var micros = Int64(days) * CivilCalendar.microsPerDay
        if end == bytes.count { return micros }
        guard bytes[end] == UInt8(ascii: " ") || bytes[end] == UInt8(ascii: "T") else { return nil }
        guard let (time, timeEnd) = timeBytes(bytes, end + 1) else { return nil }
        // A UTC designator is accepted (timestamps carry no zone), as the executor's parser does.
        let rest = String(decoding: bytes[timeEnd...], as: UTF8.self)
        guard ["", "Z", "+00", "+00:00", " UTC"].contains(rest) else { return nil }
        micros += time
        return micros
    }

    /// Parses a 64-bit integer with an optional sign, or nil (also on overflow).
    public static func bigint(_ text: String) -> Int64? { Int64(trimmed(text)) }

    /// Parses a floating-point number (also `inf`, `-inf`, `nan`), or nil.
    public static func double(_ text: String) -> Double? {
        let t = trimmed(text)
        switch t.lowercased() {
        case "inf", "infinity", "+inf": return .infinity
        case "-inf", "-infinity": return -.infinity
        case "nan": return .nan
        default: break
        }
        let allowed: Set<UInt8> = Set("0123456789.+-eE".utf8)
        guard !t.isEmpty, t.utf8.allSatisfy({ allowed.contains($0) }) else { return nil }
        return Double(t)
    }

    /// Parses a decimal number into an unscaled Int64 at `scale`, rounding half away from zero; nil if
    /// malformed or if it needs more than `precision` digits.
    public static func decimal(_ text: String, precision: Int, scale: Int) -> Int64? {
        let bytes = Array(trimmed(text).utf8)
        var index = 0
        var negative = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        var unscaled: Int64 = 0
        var fractionDigits = 0
        var sawDigit = false, sawPoint = false
        var roundUp = false
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: ".") {
                if sawPoint { return nil }
                sawPoint = true
            } else if byte >= 48 && byte <= 57 {
                sawDigit = true
                if sawPoint && fractionDigits >= scale {
                    if fractionDigits == scale { roundUp = byte >= 53 }
                    fractionDigits += 1
                    index += 1
                    continue
                }
                let (m, o1) = unscaled.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int64(byte - 48))
                if o1 || o2 { return nil }
                unscaled = a
                if sawPoint { fractionDigits += 1 }
            } else {
                return nil
            }
            index += 1
        }
        guard sawDigit else { return nil }
        var places = min(fractionDigits, scale)
        while places < scale {
            let (m, o) = unscaled.multipliedReportingOverflow(by: 10)
            if o { return nil }
            unscaled = m
            places += 1
        }
        if roundUp { unscaled += 1 }
        guard precision >= 18 || unscaled < powersOfTen[precision] else { return nil }
        return negative ? -unscaled : unscaled
    }

    /// Parses `true/false/t/f/yes/no/1/0` (any case), or nil.
    public static func boolean(_ text: String) -> Bool? {
        switch trimmed(text).lowercased() {
        case "true", "t", "yes", "y", "1", "on": return true
        case "false", "f", "no", "n", "0", "off": return false
        default: return nil
        }
    }

    /// Parses an interval: `n unit [n unit]…` (units year, month, week, day, hour, minute, second,
    /// millisecond, microsecond, singular or plural) and optionally `HH:MM:SS`; nil if malformed.
    public static func interval(_ text: String) -> Interval? {
        let lowered: String = trimmed(text).lowercased()
        let words = lowered.split(separator: " ", omittingEmptySubsequences: true)
        guard !words.isEmpty else { return nil }
        var result = Interval()
        var index = 0
        while index < words.count {
            let word = String(words[index])
            if word.contains(":") {
                let negative = word.hasPrefix("-")
                guard let (micros, end) = timeBytes(Array(word.utf8.dropFirst(negative ? 1 : 0)), 0),
                    end == word.utf8.count - (negative ? 1 : 0)
                else { return nil }
                result.micros += negative ? -micros : micros
                index += 1
                continue
            }
            guard let amount = Int64(word), index + 1 < words.count else { return nil }
            guard add(amount, unit: String(words[index + 1]), to: &result) else { return nil }
            index += 2
        }
        return result
    }

    /// Adds `amount` of a unit to an interval; false for an unknown unit or overflow.
    public static func add(_ amount: Int64, unit: String, to interval: inout Interval) -> Bool {
        var name = unit.lowercased()
        if name.hasSuffix("s") { name.removeLast() }
        func months(_ factor: Int64) -> Bool {
            let (value, overflow) = amount.multipliedReportingOverflow(by: factor)
            guard !overflow, value.magnitude < UInt64(Int32.max) * 2,
                let total = Int32(exactly: Int64(interval.months) + value)
            else { return false }
            interval.months = total
            return true
        }
        func micros(_ factor: Int64) -> Bool {
            let (value, overflow) = amount.multipliedReportingOverflow(by: factor)
            let (total, overflow2) = interval.micros.addingReportingOverflow(value)
            guard !overflow, !overflow2 else { return false }
            interval.micros = total
            return true
        }
        switch name {
        case "year", "y": return months(12)
        case "month", "mon": return months(1)
        case "week", "w":
            let (weeks, overflow) = amount.multipliedReportingOverflow(by: 7)
            guard !overflow,
                let total = Int32(exactly: Int64(interval.days).addingReportingOverflow(weeks).partialValue),
                weeks.magnitude < UInt64(Int32.max) * 2
            else { return false }
            interval.days = total
            return true
        case "day", "d":
            guard amount.magnitude < UInt64(Int32.max) * 2, let total = Int32(exactly: Int64(interval.days) + amount)
            else { return false }
            interval.days = total
            return true
        case "hour", "h": return micros(3_600_000_000)
        case "minute", "min": return micros(60_000_000)
        case "second", "sec": return micros(1_000_000)
        case "millisecond", "ms": return micros(1000)
        case "microsecond", "u": return micros(1)
        default: return false
        }
    }

    static func trimmedSlice(_ text: String) -> Substring {
        var t = text[...]
        while let first = t.first, first == " " || first == "\t" || first == "\n" || first == "\r" { t.removeFirst() }
        while let last = t.last, last == " " || last == "\t" || last == "\n" || last == "\r" { t.removeLast() }
        return t
    }

    static func trimmed(_ text: String) -> String { String(trimmedSlice(text)) }

    /// One or two digits as a number, and the offset after them.
    private static func run(_ bytes: [UInt8], _ start: Int) -> (Int, Int)? {
        guard let first = digits(bytes, start, 1) else { return nil }
        if let both = digits(bytes, start, 2) { return (both, start + 2) }
        return (first, start + 1)
    }

    /// Reads `n` digits as a number.
    private static func digits(_ bytes: [UInt8], _ start: Int, _ count: Int) -> Int? {
        guard start + count <= bytes.count else { return nil }
        var value = 0
        for index in start..<(start + count) {
            let byte = bytes[index]
            guard byte >= 48 && byte <= 57 else { return nil }
            value = value * 10 + Int(byte - 48)
        }
        return value
    }

    /// `YYYY-MM-DD` (the year may have 1–6 digits and a leading `-`), returning days and the end offset.
    private static func dateBytes(_ bytes: [UInt8], _ start: Int) -> (Int32, Int)? {
        var index = start
        var negative = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        var yearDigits = 0
        while index + yearDigits < bytes.count, bytes[index + yearDigits] >= 48, bytes[index + yearDigits] <= 57 {
            yearDigits += 1
        }
        guard yearDigits >= 1, yearDigits <= 6, var year = digits(bytes, index, yearDigits) else { return nil }
        if negative { year = -year }
        index += yearDigits
        guard index < bytes.count, bytes[index] == UInt8(ascii: "-"), let (month, monthEnd) = run(bytes, index + 1),
            monthEnd < bytes.count, bytes[monthEnd] == UInt8(ascii: "-"), let (day, dayEnd) = run(bytes, monthEnd + 1)
        else { return nil }
        guard month >= 1, month <= 12, day >= 1, day <= CivilCalendar.daysInMonth(year: year, month: month) else {
            return nil
        }
        let days = CivilCalendar.days(year: year, month: month, day: day)
        guard let narrow = Int32(exactly: days) else { return nil }
        return (narrow, dayEnd)
    }

    /// `HH:MM[:SS[.ffffff]]` as microseconds, and the end offset.
    private static func timeBytes(_ bytes: [UInt8], _ start: Int) -> (Int64, Int)? {
        guard let (hour, hourEnd) = run(bytes, start), hourEnd < bytes.count, bytes[hourEnd] == UInt8(ascii: ":"),
            let minute = digits(bytes, hourEnd + 1, 2), hour < 24, minute < 60
        else { return nil }
        var index = hourEnd + 3
        var micros = Int64(hour * 3600 + minute * 60) * 1_000_000
        if index < bytes.count, bytes[index] == UInt8(ascii: ":") {
            guard let second = digits(bytes, index + 1, 2), second < 60 else { return nil }
            micros += Int64(second) * 1_000_000
            index += 3
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                var fraction: Int64 = 0, count = 0
                while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                    if count < 6 {
                        fraction = fraction * 10 + Int64(bytes[index] - 48)
                        count += 1
                    }
                    index += 1
                }
                guard count > 0 else { return nil }
                while count < 6 {
                    fraction *= 10
                    count += 1
                }
                micros += fraction
            }
        }
        return (micros, index)
    }
}

extension ValueParsing {
    /// Parses text as a value of `type`, or nil when the text is not such a value.
    public static func parse(_ text: String, as type: DataType) -> Value? {
        switch type {
        case .boolean: return boolean(text).map(Value.boolean)
        case .bigint: return bigint(text).map(Value.bigint)
        case .double: return double(text).map(Value.double)
        case .decimal(let p, let s): return decimal(text, precision: p, scale: s).map { Value.decimal($0, scale: s) }
        case .varchar: return .varchar(text)
        case .date: return date(text).map(Value.date)
        case .timestamp: return timestamp(text).map(Value.timestamp)
        case .interval: return interval(text).map(Value.interval)
        case .null: return nil
        }
    }
}
