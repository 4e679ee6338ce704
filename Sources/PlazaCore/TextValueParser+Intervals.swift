extension TextValueParser {
    /// One interval unit: how many months, days or microseconds one of it adds (exactly one is set).
    @usableFromInline package struct IntervalUnit: Sendable {
        /// Months per unit.
        package let months: Int64
        /// Days per unit.
        package let days: Int64
        /// Microseconds per unit.
        package let micros: Int64
    }

    /// Unit names (ASCII, any case), as DuckDB spells them.
    static let intervalUnits: [(names: [StaticString], unit: IntervalUnit)] = [
        (["millennium", "millennia", "millenniums"], IntervalUnit(months: 12_000, days: 0, micros: 0)),
        (["century", "centuries"], IntervalUnit(months: 1200, days: 0, micros: 0)),
        (["decade", "decades"], IntervalUnit(months: 120, days: 0, micros: 0)),
        (["year", "years", "y", "yr", "yrs"], IntervalUnit(months: 12, days: 0, micros: 0)),
        (["quarter", "quarters"], IntervalUnit(months: 3, days: 0, micros: 0)),
        (["month", "months", "mon", "mons"], IntervalUnit(months: 1, days: 0, micros: 0)),
        (["week", "weeks", "w"], IntervalUnit(months: 0, days: 7, micros: 0)),
        (["day", "days", "d"], IntervalUnit(months: 0, days: 1, micros: 0)),
        (["hour", "hours", "h", "hr", "hrs"], IntervalUnit(months: 0, days: 0, micros: 3_600_000_000)),
        (["minute", "minutes", "min", "mins", "m"], IntervalUnit(months: 0, days: 0, micros: 60_000_000)),
        (["second", "seconds", "s", "sec", "secs"], IntervalUnit(months: 0, days: 0, micros: 1_000_000)),
        (["millisecond", "milliseconds", "ms", "msec", "msecs"], IntervalUnit(months: 0, days: 0, micros: 1000)),
        (["microsecond", "microseconds", "us", "usec", "usecs", "u"], IntervalUnit(months: 0, days: 0, micros: 1)),
    ]

    /// The unit a word names (ASCII, any case), or nil.
    package static func intervalUnit(_ word: UnsafeBufferPointer<UInt8>) -> IntervalUnit? {
        for (names, unit) in intervalUnits {
            for name in names where name.utf8CodeUnitCount == word.count {
                var same = true
                for i in 0..<word.count where name.utf8Start[i] != word[i] | 0x20 {
                    same = false
                    break
                }
                if same { return unit }
            }
        }
        return nil
    }

    /// Adds `amount` units named `unit` to `interval`; false for an unknown unit or overflow.
    package static func add(_ amount: Int64, unit: String, to interval: inout Interval) -> Bool {
        guard let found = withBytes(unit, { intervalUnit($0) }) else { return false }
        return add(amount, found, to: &interval)
    }

    /// Adds `amount` of `unit`; false on overflow of any field.
    static func add(_ amount: Int64, _ unit: IntervalUnit, to interval: inout Interval) -> Bool {
        let (months, o1) = amount.multipliedReportingOverflow(by: unit.months)
        let (days, o2) = amount.multipliedReportingOverflow(by: unit.days)
        let (micros, o3) = amount.multipliedReportingOverflow(by: unit.micros)
        let (monthSum, o4) = Int64(interval.months).addingReportingOverflow(months)
        let (daySum, o5) = Int64(interval.days).addingReportingOverflow(days)
        guard !o1, !o2, !o3, !o4, !o5, let newMonths = Int32(exactly: monthSum), let newDays = Int32(exactly: daySum)
        else { return false }
        let (newMicros, o6) = interval.micros.addingReportingOverflow(micros)
        guard !o6 else { return false }
        interval = Interval(months: newMonths, days: newDays, micros: newMicros)
        return true
    }

    /// An INTERVAL: words separated by spaces, each `[+-]digits unit` or a clock `[+-]h…:mm[:ss[.f…]]`
    /// (fraction past microseconds truncated); at least one word. Nil on overflow or anything else.
    package static func interval(_ raw: UnsafeBufferPointer<UInt8>, options: TextParseOptions) -> Interval? {
        let text = trimmed(raw, options)
        var result = Interval()
        var i = 0
        var words = 0
        func word() -> UnsafeBufferPointer<UInt8>? {
            while i < text.count && isSpace(text[i]) { i += 1 }
            guard i < text.count else { return nil }
            let start = i
            while i < text.count && !isSpace(text[i]) { i += 1 }
            return UnsafeBufferPointer(rebasing: text[start..<i])
        }
        while let amount = word() {
            words += 1
            if amount.contains(UInt8(ascii: ":")) {
                guard let micros = clock(amount) else { return nil }
                let (sum, overflow) = result.micros.addingReportingOverflow(micros)
                guard !overflow else { return nil }
                result.micros = sum
                continue
            }
            guard let count = lenientInteger(amount), let name = word(), let unit = intervalUnit(name),
                add(count, unit, to: &result)
            else { return nil }
        }
        return words > 0 ? result : nil
    }

    /// `[+-]h…:mm[:ss[.f…]]` as microseconds.
    static func clock(_ text: UnsafeBufferPointer<UInt8>) -> Int64? {
        let n = text.count
        var i = 0
        let negative = readSign(text, &i)
        guard let hours = digits(text, &i, min: 1, max: 9), i < n, text[i] == UInt8(ascii: ":") else { return nil }
        i += 1
        guard let minutes = twoDigits(text, &i), minutes < 60 else { return nil }
        var micros = Int64(hours * 3600 + minutes * 60) * 1_000_000
        if i < n && text[i] == UInt8(ascii: ":") {
            i += 1
            guard let seconds = twoDigits(text, &i), seconds < 60 else { return nil }
            micros += Int64(seconds) * 1_000_000
            if i < n && text[i] == UInt8(ascii: ".") {
                i += 1
                let start = i
                guard var fraction = digits(text, &i, min: 1, max: 6) else { return nil }
                for _ in (i - start)..<6 { fraction *= 10 }
                while i < n && isDigit(text[i]) { i += 1 }
                micros += Int64(fraction)
            }
        }
        guard i == n else { return nil }
        return negative ? -micros : micros
    }
}
