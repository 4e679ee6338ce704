import PlazaCore

/// `strftime` / `strptime` with the C-style specifiers of the catalogue:
/// `%Y %m %d %H %M %S %f %y %b %B %a %A %j %%`.
enum DateFormatting {
    static let monthNames = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
        "December",
    ]
    static let dayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

    static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// `strftime` with a format known when the kernel is built: parsed once, each value written as bytes.
    struct Pattern: Sendable {
        /// The format in order: a specifier byte (`Y`, `m`, …) below 256, a literal byte `b` as 256 + b.
        let items: [UInt16]

        /// The parsed `format`, or nil when it has a lone or unknown `%` (left to `format`, whose
        /// error comes only when a row is formatted).
        init?(_ format: String) {
            var items: [UInt16] = []
            var bytes = Array(format.utf8).makeIterator()
            while let c = bytes.next() {
                guard c == UInt8(ascii: "%") else {
                    items.append(256 + UInt16(c))
                    continue
                }
                guard let spec = bytes.next(), Array("YymdHMSfbBaAj%".utf8).contains(spec) else { return nil }
                items.append(spec == UInt8(ascii: "%") ? 256 + UInt16(spec) : UInt16(spec))
            }
            self.items = items
        }

        /// Appends the text of `micros` in the format `items` to `out`, as `DateFormatting.format` writes it.
        @inline(__always)
        static func write(_ micros: Int64, _ items: UnsafeBufferPointer<UInt16>, into out: inout [UInt8]) {
            let (days, time) = CivilCalendar.split(micros: micros)
            let (y, m, d) = CivilCalendar.civil(fromDays: Int(days))
            for item in items {
                switch item {
                case 256...: out.append(UInt8(truncatingIfNeeded: item &- 256))
                case UInt16(UInt8(ascii: "Y")): pad(y, 4, &out)
                case UInt16(UInt8(ascii: "y")): pad(((y % 100) + 100) % 100, 2, &out)
                case UInt16(UInt8(ascii: "m")): pad(m, 2, &out)
                case UInt16(UInt8(ascii: "d")): pad(d, 2, &out)
                case UInt16(UInt8(ascii: "H")): pad(Int(time / 3_600_000_000), 2, &out)
                case UInt16(UInt8(ascii: "M")): pad(Int(time / 60_000_000 % 60), 2, &out)
                case UInt16(UInt8(ascii: "S")): pad(Int(time / 1_000_000 % 60), 2, &out)
                case UInt16(UInt8(ascii: "f")): pad(Int(time % 1_000_000), 6, &out)
                case UInt16(UInt8(ascii: "b")): out.append(contentsOf: monthNames[m - 1].utf8.prefix(3))
                case UInt16(UInt8(ascii: "B")): out.append(contentsOf: monthNames[m - 1].utf8)
                case UInt16(UInt8(ascii: "a")):
                    out.append(contentsOf: dayNames[CivilCalendar.dayOfWeek(days: Int(days))].utf8.prefix(3))
                case UInt16(UInt8(ascii: "A")):
                    out.append(contentsOf: dayNames[CivilCalendar.dayOfWeek(days: Int(days))].utf8)
                default: pad(Int(days) - CivilCalendar.days(year: y, month: 1, day: 1) + 1, 3, &out)  // j
                }
            }
        }

        /// `v` in decimal, zero-padded to `width` digits, as `DateFormatting.pad` writes it.
        @inline(__always)
        static func pad(_ v: Int, _ width: Int, _ out: inout [UInt8]) {
            guard v >= 0 else {
                out.append(contentsOf: DateFormatting.pad(v, width).utf8)
                return
            }
            var digits: (UInt64, UInt64) = (0, 0)  // up to 16 digits, last digit first
            var n = v, count = 0
            withUnsafeMutableBytes(of: &digits) { buffer in
                repeat {
                    buffer[count] = UInt8(truncatingIfNeeded: n % 10) &+ 0x30
                    n /= 10
                    count += 1
                } while n > 0 && count < 16
            }
            for _ in count..<Swift.max(width, count) { out.append(0x30) }
            withUnsafeBytes(of: &digits) { buffer in
                for index in stride(from: count - 1, through: 0, by: -1) { out.append(buffer[index]) }
            }
        }
    }

    static func format(_ micros: Int64, _ format: String) throws(ExecutionError) -> String {
        let (days, time) = CivilCalendar.split(micros: micros)
        let (y, m, d) = CivilCalendar.civil(fromDays: Int(days))
        var out = ""
        var iterator = format.makeIterator()
        while let c = iterator.next() {
            guard c == "%" else {
                out.append(c)
                continue
            }
            guard let spec = iterator.next() else {
                throw ExecutionError(.invalidArgument, "strftime format \"\(format)\" ends with a lone %")
            }
            switch spec {
            case "Y": out += pad(y, 4)
            case "y": out += pad(((y % 100) + 100) % 100, 2)
            case "m": out += pad(m, 2)
            case "d": out += pad(d, 2)
            case "H": out += pad(Int(time / 3_600_000_000), 2)
            case "M": out += pad(Int(time / 60_000_000 % 60), 2)
            case "S": out += pad(Int(time / 1_000_000 % 60), 2)
            case "f": out += pad(Int(time % 1_000_000), 6)
            case "b": out += String(monthNames[m - 1].prefix(3))
            case "B": out += monthNames[m - 1]
            case "a": out += String(dayNames[CivilCalendar.dayOfWeek(days: Int(days))].prefix(3))
            case "A": out += dayNames[CivilCalendar.dayOfWeek(days: Int(days))]
            case "j": out += pad(Int(days) - CivilCalendar.days(year: y, month: 1, day: 1) + 1, 3)
            case "%": out += "%"
            default:
                throw ExecutionError(.invalidArgument, "strftime format \"\(format)\" has unknown specifier %\(spec)")
            }
        }
        return out
    }

    static func parse(_ text: String, _ format: String) throws(ExecutionError) -> Int64 {
        let input = Array(text.utf8), pattern = Array(format.utf8)
        var i = 0, p = 0
        // Parts the format leaves out default as in DuckDB: 1900-01-01 00:00:00.
        var year = 1900, month = 1, day = 1, hour = 0, minute = 0, second = 0, fraction = 0
        var dayOfYear: Int?
        func fail() -> ExecutionError {
            ExecutionError(.conversion, "could not parse \"\(text)\" with format \"\(format)\"")
        }
        func number(_ maxDigits: Int) -> Int? {
            var value = 0, digits = 0
            var negative = false
            if i < input.count && input[i] == 0x2D && maxDigits > 4 {
                negative = true
                i += 1
            }
            while i < input.count && digits < maxDigits && input[i] >= 0x30 && input[i] <= 0x39 {
                value = value * 10 + Int(input[i] - 0x30)
                digits += 1
                i += 1
            }
            return digits > 0 ? (negative ? -value : value) : nil
        }
        func name(_ names: [String], abbreviated: Bool) -> Int? {
            for (index, full) in names.enumerated() {
                let candidate = Array((abbreviated ? String(full.prefix(3)) : full).lowercased().utf8)
                if i + candidate.count <= input.count,
                    zip(input[i..<(i + candidate.count)], candidate).allSatisfy({ ($0 | 0x20) == $1 | 0x20 })
                {
                    i += candidate.count
                    return index
                }
            }
            return nil
        }
        while p < pattern.count {
            let c = pattern[p]
            if c != 0x25 {
                guard i < input.count, input[i] == c else { throw fail() }
                i += 1
                p += 1
                continue
            }
            guard p + 1 < pattern.count else { throw fail() }
            let spec = pattern[p + 1]
            p += 2
            switch spec {
            // Y: at most 4 digits, so %Y%m%d reads 20240229
            case 0x59: guard let v = number(4) else { throw fail() }; year = v
            case 0x79: guard let v = number(2) else { throw fail() }; year = v < 69 ? 2000 + v : 1900 + v  // y
            case 0x6D: guard let v = number(2) else { throw fail() }; month = v  // m
            case 0x64: guard let v = number(2) else { throw fail() }; day = v  // d
            case 0x48: guard let v = number(2) else { throw fail() }; hour = v  // H
            case 0x4D: guard let v = number(2) else { throw fail() }; minute = v  // M
            case 0x53: guard let v = number(2) else { throw fail() }; second = v  // S
            case 0x66:  // f
                let start = i
                guard var v = number(6) else { throw fail() }
                for _ in 0..<(6 - (i - start)) { v *= 10 }
                fraction = v
            case 0x6A: guard let v = number(3) else { throw fail() }; dayOfYear = v  // j
            case 0x62, 0x42:
                guard let v = name(monthNames, abbreviated: spec == 0x62) else { throw fail() }; month = v + 1  // b B
            case 0x61, 0x41: guard name(dayNames, abbreviated: spec == 0x61) != nil else { throw fail() }  // a A
            case 0x25: guard i < input.count, input[i] == 0x25 else { throw fail() }; i += 1
            default: throw ExecutionError(.invalidArgument, "strptime format \"\(format)\" has an unknown specifier")
            }
        }
        guard i == input.count, month >= 1, month <= 12, day >= 1,
            day <= CivilCalendar.daysInMonth(year: year, month: month),
            hour < 24, minute < 60, second < 60
        else { throw fail() }
        var days = CivilCalendar.days(year: year, month: month, day: day)
        if let dayOfYear { days = CivilCalendar.days(year: year, month: 1, day: 1) + dayOfYear - 1 }
        return Int64(days) * CivilCalendar.microsPerDay + Int64(hour * 3600 + minute * 60 + second) * 1_000_000
            + Int64(fraction)
    }
}
