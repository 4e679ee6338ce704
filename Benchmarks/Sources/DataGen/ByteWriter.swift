/// Appends CSV text as bytes: integers, fixed-point decimals, dates and timestamps are formatted by
/// hand (no `String` per value, no locale, no floating-point printing), so output is reproducible.
struct ByteWriter {
    /// The bytes written so far.
    var bytes: [UInt8] = []

    /// Creates an empty writer with room for `capacity` bytes.
    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    @inline(__always) mutating func byte(_ value: UInt8) { bytes.append(value) }

    /// Appends UTF-8 bytes verbatim (the caller guarantees no delimiter, quote or line break).
    @inline(__always) mutating func raw(_ value: [UInt8]) { bytes.append(contentsOf: value) }

    /// Appends a string field, quoted (with doubled quotes) when it holds a comma, quote or line break.
    mutating func field(_ text: String) { bytes.append(contentsOf: Self.encode(text)) }

    /// The CSV form of a text field: its UTF-8 bytes, quoted (with doubled quotes) when it holds a
    /// comma, quote or line break. Precompute it for values written many times.
    static func encode(_ text: String) -> [UInt8] {
        let utf8 = Array(text.utf8)
        let needsQuotes = utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }
        if !needsQuotes { return utf8 }
        var result: [UInt8] = [UInt8(ascii: "\"")]
        for b in utf8 {
            if b == UInt8(ascii: "\"") { result.append(b) }
            result.append(b)
        }
        result.append(UInt8(ascii: "\""))
        return result
    }

    @inline(__always) mutating func comma() { bytes.append(UInt8(ascii: ",")) }
    @inline(__always) mutating func newline() { bytes.append(10) }

    /// Appends a signed decimal integer.
    mutating func int(_ value: Int) {
        var v = value
        if v < 0 {
            bytes.append(UInt8(ascii: "-"))
            v = -v
        }
        if v < 10 { bytes.append(UInt8(48 + v)); return }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            while v > 0 {
                buffer[count] = UInt8(48 + v % 10)
                v /= 10
                count += 1
            }
            for index in stride(from: count - 1, through: 0, by: -1) { bytes.append(buffer[index]) }
        }
    }

    /// Appends `value` zero-padded to `width` digits (value must be non-negative).
    mutating func padded(_ value: Int, width: Int) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var v = value
        while divisor > 0 {
            bytes.append(UInt8(48 + (v / divisor) % 10))
            v %= divisor
            divisor /= 10
        }
    }

    /// Appends a fixed-point number given in units of 10^-scale, e.g. `fixed(123450, scale: 2)` → `1234.50`.
    mutating func fixed(_ units: Int, scale: Int) {
        var power = 1
        for _ in 0..<scale { power *= 10 }
        if units < 0 { bytes.append(UInt8(ascii: "-")) }
        let magnitude = units.magnitude
        int(Int(magnitude / UInt(power)))
        bytes.append(UInt8(ascii: "."))
        padded(Int(magnitude % UInt(power)), width: scale)
    }

    /// Appends `yyyy-mm-dd` for a day count since 1970-01-01.
    mutating func date(days: Int) {
        let (year, month, day) = civil(fromDays: days)
        padded(year, width: 4)
        bytes.append(UInt8(ascii: "-"))
        padded(month, width: 2)
        bytes.append(UInt8(ascii: "-"))
        padded(day, width: 2)
    }

    /// Appends `yyyy-mm-dd hh:mm:ss` for seconds since the epoch (UTC).
    mutating func timestamp(seconds: Int) {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        date(days: days)
        bytes.append(UInt8(ascii: " "))
        padded(secondOfDay / 3600, width: 2)
        bytes.append(UInt8(ascii: ":"))
        padded(secondOfDay / 60 % 60, width: 2)
        bytes.append(UInt8(ascii: ":"))
        padded(secondOfDay % 60, width: 2)
    }
}

/// Converts days since 1970-01-01 to a proleptic Gregorian (year, month, day) (Hinnant's algorithm).
func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let mp = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
}

/// Converts a proleptic Gregorian date to days since 1970-01-01.
func days(year: Int, month: Int, day: Int) -> Int {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yearOfEra = y - era * 400
    let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    return era * 146_097 + dayOfEra - 719_468
}
