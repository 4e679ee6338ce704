extension TextValueParser {
    /// The day number of a valid civil date, or nil.
    @inlinable @inline(__always)
    package static func dayNumber(year: Int, month: Int, day: Int) -> Int32? {
        guard month >= 1 && month <= 12 && day >= 1 && day <= CivilCalendar.daysInMonth(year: year, month: month) else {
            return nil
        }
        guard year >= 1 else {
            return Int32(truncatingIfNeeded: CivilCalendar.days(year: year, month: month, day: day))
        }
        // The same days-from-civil formula on non-negative values, where division by constants is cheap.
        let y = UInt(month <= 2 ? year - 1 : year)
        let era = y / 400
        let yearOfEra = y &- era &* 400
        let monthIndex = UInt(month > 2 ? month - 3 : month + 9)
        let dayOfYear = (153 &* monthIndex &+ 2) / 5 &+ UInt(day) &- 1
        let dayOfEra = yearOfEra &* 365 &+ yearOfEra / 4 &- yearOfEra / 100 &+ dayOfYear
        return Int32(truncatingIfNeeded: Int(era &* 146_097 &+ dayOfEra) &- 719_468)
    }

    /// `year-m-d` at `i` (month and day one or two digits), advancing it; nil if not a valid date.
    /// The year has four digits when `exact`, else one to six after an optional `-`.
    @inlinable @inline(__always)
    package static func isoDate(_ text: UnsafeBufferPointer<UInt8>, _ i: inout Int, exact: Bool) -> Int32? {
        let n = text.count
        // Fast path for the usual zero-padded `yyyy-mm-dd`: fixed positions, no loops.
        if i + 10 <= n && text[i + 4] == UInt8(ascii: "-") && text[i + 7] == UInt8(ascii: "-") {
            let y0 = text[i] &- 48, y1 = text[i + 1] &- 48, y2 = text[i + 2] &- 48, y3 = text[i + 3] &- 48
            let m0 = text[i + 5] &- 48, m1 = text[i + 6] &- 48, d0 = text[i + 8] &- 48, d1 = text[i + 9] &- 48
            if y0 < 10 && y1 < 10 && y2 < 10 && y3 < 10 && m0 < 10 && m1 < 10 && d0 < 10 && d1 < 10
                && (i + 10 == n || !isDigit(text[i + 10]))
            {
                i &+= 10
                let year = Int(y0) &* 1000 &+ Int(y1) &* 100 &+ Int(y2) &* 10 &+ Int(y3)
                return dayNumber(year: year, month: Int(m0) &* 10 &+ Int(m1), day: Int(d0) &* 10 &+ Int(d1))
            }
        }
        var negative = false
        if !exact && i < n && text[i] == UInt8(ascii: "-") {
            negative = true
            i &+= 1
        }
        guard let year = digits(text, &i, min: exact ? 4 : 1, max: exact ? 4 : 6), i < n, text[i] == UInt8(ascii: "-")
        else { return nil }
        i &+= 1
        guard let month = digits(text, &i, min: 1, max: 2), i < n, text[i] == UInt8(ascii: "-") else { return nil }
        i &+= 1
        guard let day = digits(text, &i, min: 1, max: 2) else { return nil }
        return dayNumber(year: negative ? -year : year, month: month, day: day)
    }

    /// A whole text that is an ISO date (`isoDate` with nothing after it).
    @inlinable @inline(__always)
    package static func isoDate(_ text: UnsafeBufferPointer<UInt8>, exact: Bool) -> Int32? {
        var i = 0
        guard let days = isoDate(text, &i, exact: exact), i == text.count else { return nil }
        return days
    }

    /// A DATE: the options' date format if any, an ISO date, then `a/b/yyyy` in the options' day/month
    /// order if any. Lenient options also take a timestamp and keep its (UTC) date, as DuckDB does.
    @inlinable
    package static func date(_ raw: UnsafeBufferPointer<UInt8>, options: TextParseOptions) -> Int32? {
        let text = trimmed(raw, options)
        if let format = options.dateFormat, let days = format.parse(text) { return days }
        var i = 0
        if let days = isoDate(text, &i, exact: options.isExact) {
            if i == text.count { return days }
            if !options.isExact, let micros = timestamp(text, options: options) {
                return Int32(truncatingIfNeeded: CivilCalendar.split(micros: micros).days)
            }
            return nil
        }
        guard let order = options.dayMonthOrder else { return nil }
        return dayMonth(text, order: order)
    }

    /// `a<sep>b<sep>yyyy` with `a`, `b` of one or two digits and `sep` `/` or `-`.
    @inlinable @inline(__always)
    package static func scanDayMonth(_ text: UnsafeBufferPointer<UInt8>) -> (
        first: Int, second: Int, year: Int, separator: UInt8
    )? {
        let n = text.count
        var i = 0
        guard let first = digits(text, &i, min: 1, max: 2), i < n else { return nil }
        let separator = text[i]
        guard separator == UInt8(ascii: "/") || separator == UInt8(ascii: "-") else { return nil }
        i &+= 1
        guard let second = digits(text, &i, min: 1, max: 2), i < n, text[i] == separator else { return nil }
        i &+= 1
        guard let year = digits(text, &i, min: 4, max: 4), i == n else { return nil }
        return (first, second, year, separator)
    }

    /// A `dd/mm/yyyy`-shaped text read in `order`.
    @inlinable @inline(__always)
    package static func dayMonth(_ text: UnsafeBufferPointer<UInt8>, order: DateOrder) -> Int32? {
        guard let s = scanDayMonth(text) else { return nil }
        return order == .dayFirst
            ? dayNumber(year: s.year, month: s.second, day: s.first)
            : dayNumber(year: s.year, month: s.first, day: s.second)
    }

    /// A TIMESTAMP in microseconds since the epoch: an ISO date, then `T` or a space, `h[h]:mm`, optional
    /// `:ss` and `.f…`, then optional `Z`, ` UTC` or `±hh[[:]mm]` (converted to UTC); a bare date is midnight.
    /// More than six fraction digits are truncated, or rejected when exact.
    @inlinable
    package static func timestamp(_ raw: UnsafeBufferPointer<UInt8>, options: TextParseOptions) -> Int64? {
        let text = trimmed(raw, options)
        let n = text.count
        var i = 0
        guard let days = isoDate(text, &i, exact: options.isExact) else { return nil }
        let (midnight, overflow) = Int64(days).multipliedReportingOverflow(by: CivilCalendar.microsPerDay)
        guard !overflow else { return nil }
        if i == n { return midnight }
        guard text[i] == UInt8(ascii: "T") || text[i] == UInt8(ascii: " ") else { return nil }
        i &+= 1
        guard let hour = digits(text, &i, min: 1, max: 2), hour < 24, i < n, text[i] == UInt8(ascii: ":") else {
            return nil
        }
        i &+= 1
        guard let minute = twoDigits(text, &i), minute < 60 else { return nil }
        var second = 0, fraction = 0
        if i < n && text[i] == UInt8(ascii: ":") {
            i &+= 1
            guard let s = twoDigits(text, &i), s < 60 else { return nil }
            second = s
            if i < n && text[i] == UInt8(ascii: ".") {
                i &+= 1
                let start = i
                guard let f = digits(text, &i, min: 1, max: 6) else { return nil }
                fraction = f
                for _ in (i - start)..<6 { fraction &*= 10 }
                if i < n && isDigit(text[i]) {
                    if options.isExact { return nil }  // finer than microseconds would be lost
                    while i < n && isDigit(text[i]) { i &+= 1 }
                }
            }
        }
        let clock = Int64(hour &* 3600 &+ minute &* 60 &+ second) &* 1_000_000 &+ Int64(fraction)
        let (micros, late) = midnight.addingReportingOverflow(clock)
        guard !late else { return nil }
        if i == n { return micros }
        return zoned(micros, UnsafeBufferPointer(rebasing: text[i...]))
    }

    /// Applies a zone suffix (`Z`, ` UTC`, `±hh[[:]mm]`, hours ≤ 18) to a local time; nil for anything else.
    @usableFromInline
    static func zoned(_ micros: Int64, _ zone: UnsafeBufferPointer<UInt8>) -> Int64? {
        let n = zone.count
        if n == 1 && zone[0] == UInt8(ascii: "Z") { return micros }
        if n == 4 && zone[0] == UInt8(ascii: " ") && zone[1] | 0x20 == UInt8(ascii: "u")
            && zone[2] | 0x20 == UInt8(ascii: "t") && zone[3] | 0x20 == UInt8(ascii: "c")
        {
            return micros
        }
        guard n >= 3, zone[0] == UInt8(ascii: "+") || zone[0] == UInt8(ascii: "-") else { return nil }
        let sign: Int64 = zone[0] == UInt8(ascii: "+") ? 1 : -1
        var i = 1
        guard let hours = twoDigits(zone, &i), hours <= 18 else { return nil }
        var minutes = 0
        if i < n {
            if zone[i] == UInt8(ascii: ":") { i += 1 }
            guard let m = twoDigits(zone, &i), m < 60, i == n else { return nil }
            minutes = m
        }
        let (utc, overflow) = micros.subtractingReportingOverflow(sign * Int64(hours * 60 + minutes) * 60_000_000)
        return overflow ? nil : utc
    }
}
