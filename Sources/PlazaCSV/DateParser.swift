import PlazaCore

/// Which number comes first in a `dd/mm/yyyy`-shaped date.
enum DateOrder: Sendable, Hashable {
    /// `dd/mm/yyyy`, `dd-mm-yyyy` (Mexico, Latin America, most of the world).
    case dayFirst
    /// `mm/dd/yyyy` (United States).
    case monthFirst
}

/// A user date format: `%Y`, `%m`, `%d` and literal bytes, e.g. `%d/%m/%Y` or `%Y%m%d`.
struct DateFormat: Sendable, Hashable {
    /// One piece of a format.
    enum Piece: Sendable, Hashable {
        case year, month, day
        case literal(UInt8)
    }

    /// The pieces in order.
    let pieces: [Piece]
    /// Whether the format has no literal between fields (`%Y%m%d`), so it can look like an integer.
    let isCompact: Bool

    /// Parses `text`; nil if it uses anything but `%Y`, `%m`, `%d` and single-byte literals, or lacks one of them.
    init?(_ text: String) {
        var pieces: [Piece] = []
        var bytes = Array(text.utf8)[...]
        while let byte = bytes.popFirst() {
            if byte == UInt8(ascii: "%") {
                switch bytes.popFirst() {
                case UInt8(ascii: "Y"): pieces.append(.year)
                case UInt8(ascii: "m"): pieces.append(.month)
                case UInt8(ascii: "d"): pieces.append(.day)
                default: return nil
                }
            } else {
                pieces.append(.literal(byte))
            }
        }
        let fields = pieces.filter { if case .literal = $0 { return false } else { return true } }
        guard fields.count == 3, Set(fields).count == 3 else { return nil }
        self.pieces = pieces
        self.isCompact = fields.count == pieces.count
    }

    /// The day number of `p[0..<n]` written in this format, or nil.
    func parse(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int32? {
        var i = 0
        var year = -1, month = -1, day = -1
        for (index, piece) in pieces.enumerated() {
            let nextIsField: Bool
            if index + 1 < pieces.count, case .literal = pieces[index + 1] {
                nextIsField = false
            } else {
                nextIsField = index + 1 < pieces.count
            }
            switch piece {
            case .literal(let byte):
                guard i < n, p[i] == byte else { return nil }
                i += 1
            case .year:
                guard let v = DateParser.digits(p, n, &i, min: 4, max: 4) else { return nil }
                year = v
            case .month:
                guard let v = DateParser.digits(p, n, &i, min: nextIsField ? 2 : 1, max: 2) else { return nil }
                month = v
            case .day:
                guard let v = DateParser.digits(p, n, &i, min: nextIsField ? 2 : 1, max: 2) else { return nil }
                day = v
            }
        }
        guard i == n else { return nil }
        return DateParser.dayNumber(year: year, month: month, day: day)
    }
}

/// Hand-written date and timestamp parsers over a field's bytes.
enum DateParser {
    /// Reads `min…max` digits at `i`, advancing it.
    @inline(__always)
    static func digits(_ p: UnsafePointer<UInt8>, _ n: Int, _ i: inout Int, min: Int, max: Int) -> Int? {
        var value = 0
        var count = 0
        while count < max && i < n && NumberParser.isDigit(p[i]) {
            value = value &* 10 &+ Int(p[i] &- UInt8(ascii: "0"))
            count &+= 1
            i &+= 1
        }
        return count >= min ? value : nil
    }

    /// Exactly two digits at `i`, advancing it.
    @inline(__always)
    static func twoDigits(_ p: UnsafePointer<UInt8>, _ n: Int, _ i: inout Int) -> Int? {
        guard i + 2 <= n else { return nil }
        let high = p[i] &- 48, low = p[i + 1] &- 48
        guard high < 10 && low < 10 else { return nil }
        i &+= 2
        return Int(high) &* 10 &+ Int(low)
    }

    /// The day number of a valid civil date, or nil.
    @inline(__always)
    static func dayNumber(year: Int, month: Int, day: Int) -> Int32? {
        guard month >= 1 && month <= 12 && day >= 1 && day <= CivilCalendar.daysInMonth(year: year, month: month) else {
            return nil
        }
        guard year >= 1 else { return Int32(CivilCalendar.days(year: year, month: month, day: day)) }
        // The same days-from-civil formula on non-negative values, where division by constants is cheap.
        let y = UInt(month <= 2 ? year - 1 : year)
        let era = y / 400
        let yearOfEra = y &- era &* 400
        let monthIndex = UInt(month > 2 ? month - 3 : month + 9)
        let dayOfYear = (153 &* monthIndex &+ 2) / 5 &+ UInt(day) &- 1
        let dayOfEra = yearOfEra &* 365 &+ yearOfEra / 4 &- yearOfEra / 100 &+ dayOfYear
        return Int32(truncatingIfNeeded: Int(era &* 146_097 &+ dayOfEra) &- 719_468)
    }

    /// `yyyy-m-d` (month and day one or two digits) at `i`, advancing it; nil if not a valid date.
    @inline(__always)
    static func isoDate(_ p: UnsafePointer<UInt8>, _ n: Int, _ i: inout Int) -> Int32? {
        // Fast path for the usual zero-padded `yyyy-mm-dd`: fixed positions, no loops.
        if i + 10 <= n && p[i + 4] == UInt8(ascii: "-") && p[i + 7] == UInt8(ascii: "-") {
            let q = p + i
            let y0 = q[0] &- 48, y1 = q[1] &- 48, y2 = q[2] &- 48, y3 = q[3] &- 48
            let m0 = q[5] &- 48, m1 = q[6] &- 48, d0 = q[8] &- 48, d1 = q[9] &- 48
            if y0 < 10 && y1 < 10 && y2 < 10 && y3 < 10 && m0 < 10 && m1 < 10 && d0 < 10 && d1 < 10
                && (i + 10 == n || !NumberParser.isDigit(q[10]))
            {
                i &+= 10
                let year = Int(y0) &* 1000 &+ Int(y1) &* 100 &+ Int(y2) &* 10 &+ Int(y3)
                return dayNumber(year: year, month: Int(m0) &* 10 &+ Int(m1), day: Int(d0) &* 10 &+ Int(d1))
            }
        }
        guard let year = digits(p, n, &i, min: 4, max: 4), i < n, p[i] == UInt8(ascii: "-") else { return nil }
        i &+= 1
        guard let month = digits(p, n, &i, min: 1, max: 2), i < n, p[i] == UInt8(ascii: "-") else { return nil }
        i &+= 1
        guard let day = digits(p, n, &i, min: 1, max: 2) else { return nil }
        return dayNumber(year: year, month: month, day: day)
    }

    /// A whole field that is an ISO date.
    @inline(__always)
    static func parseISODate(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int32? {
        var i = 0
        guard let days = isoDate(p, n, &i), i == n else { return nil }
        return days
    }

    /// `a<sep>b<sep>yyyy` with `a`, `b` of one or two digits and `sep` `/` or `-`.
    @inline(__always)
    static func scanDayMonth(_ p: UnsafePointer<UInt8>, _ n: Int) -> (
        first: Int, second: Int, year: Int, separator: UInt8
    )? {
        var i = 0
        guard let first = digits(p, n, &i, min: 1, max: 2), i < n else { return nil }
        let separator = p[i]
        guard separator == UInt8(ascii: "/") || separator == UInt8(ascii: "-") else { return nil }
        i &+= 1
        guard let second = digits(p, n, &i, min: 1, max: 2), i < n, p[i] == separator else { return nil }
        i &+= 1
        guard let year = digits(p, n, &i, min: 4, max: 4), i == n else { return nil }
        return (first, second, year, separator)
    }

    /// A `dd/mm/yyyy`-shaped field read in `order`.
    @inline(__always)
    static func parseDayMonth(_ p: UnsafePointer<UInt8>, _ n: Int, order: DateOrder) -> Int32? {
        guard let s = scanDayMonth(p, n) else { return nil }
        return order == .dayFirst
            ? dayNumber(year: s.year, month: s.second, day: s.first)
            : dayNumber(year: s.year, month: s.first, day: s.second)
    }

    /// An ISO timestamp: date, then `T` or a space, `hh:mm`, optional `:ss` and `.f{1,6}`, optional
    /// `Z` or `±hh[[:]mm]` (converted to UTC); a bare ISO date is midnight. Microseconds since the epoch.
    static func parseTimestamp(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int64? {
        var i = 0
        guard let days = isoDate(p, n, &i) else { return nil }
        var micros = Int64(days) * CivilCalendar.microsPerDay
        if i == n { return micros }
        guard p[i] == UInt8(ascii: "T") || p[i] == UInt8(ascii: " ") else { return nil }
        i &+= 1
        guard let hour = twoDigits(p, n, &i), hour < 24, i < n, p[i] == UInt8(ascii: ":") else {
            return nil
        }
        i &+= 1
        guard let minute = twoDigits(p, n, &i), minute < 60 else { return nil }
        var second = 0, fraction = 0
        if i < n && p[i] == UInt8(ascii: ":") {
            i &+= 1
            guard let s = twoDigits(p, n, &i), s < 60 else { return nil }
            second = s
            if i < n && p[i] == UInt8(ascii: ".") {
                i &+= 1
                let start = i
                guard let f = digits(p, n, &i, min: 1, max: 6) else { return nil }
                fraction = f
                for _ in (i - start)..<6 { fraction &*= 10 }
                if i < n && NumberParser.isDigit(p[i]) { return nil }  // finer than microseconds would be lost
            }
        }
        micros += Int64(hour * 3600 + minute * 60 + second) * 1_000_000 + Int64(fraction)
        if i == n { return micros }
        if p[i] == UInt8(ascii: "Z") {
            return i + 1 == n ? micros : nil
        }
        guard p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-") else { return nil }
        let sign: Int64 = p[i] == UInt8(ascii: "+") ? 1 : -1
        i &+= 1
        guard let offsetHours = twoDigits(p, n, &i), offsetHours <= 18 else { return nil }
        var offsetMinutes = 0
        if i < n {
            if p[i] == UInt8(ascii: ":") { i &+= 1 }
            guard let m = twoDigits(p, n, &i), m < 60, i == n else { return nil }
            offsetMinutes = m
        }
        return micros - sign * Int64(offsetHours * 60 + offsetMinutes) * 60_000_000
    }
}
