import PlazaCore

/// The types a column may still have, narrowed by every value it holds (never by a sample alone).
///
/// Each non-NULL value clears the candidates it does not fit; per-chunk guesses merge by
/// intersecting candidates and taking the widest digit counts, so the result does not depend
/// on how the file was cut.
struct ColumnGuess: Sendable {
    static let boolean: UInt32 = 1 << 0
    static let integer: UInt32 = 1 << 1
    static let decimal: UInt32 = 1 << 2
    static let double: UInt32 = 1 << 3
    static let formatted: UInt32 = 1 << 4
    static let isoDate: UInt32 = 1 << 5
    static let dayFirstSlash: UInt32 = 1 << 6
    static let monthFirstSlash: UInt32 = 1 << 7
    static let dayFirstDash: UInt32 = 1 << 8
    static let monthFirstDash: UInt32 = 1 << 9
    static let customDate: UInt32 = 1 << 10
    static let timestamp: UInt32 = 1 << 11
    static let numeric: UInt32 = integer | decimal | double | formatted
    static let dayMonth: UInt32 = dayFirstSlash | monthFirstSlash | dayFirstDash | monthFirstDash
    static let all: UInt32 = (1 << 12) - 1

    /// Candidates still possible.
    var candidates: UInt32
    /// Widest integer part and fraction seen among plain fixed-point values.
    var integerDigits = 0, scale = 0
    /// The same for values with thousands separators or a currency sign.
    var formattedIntegerDigits = 0, formattedScale = 0
    /// Non-NULL values seen.
    var valueCount = 0

    /// A guess before any value, with the candidates the options allow.
    init(hasCustomDate: Bool) {
        candidates = hasCustomDate ? ColumnGuess.all & ~ColumnGuess.dayMonth : ColumnGuess.all & ~ColumnGuess.customDate
    }

    /// Narrows the guess by one non-NULL value.
    @inline(__always)
    mutating func observe(_ p: UnsafePointer<UInt8>, _ n: Int, syntax: TextParseOptions, dateFormat: TextDateFormat?) {
        let text = UnsafeBufferPointer(start: p, count: n)
        valueCount &+= 1
        let c = candidates
        if c == 0 { return }
        var keep: UInt32 = 0
        if c & ColumnGuess.boolean != 0 && TextValueParser.boolean(text, options: syntax) != nil {
            keep |= ColumnGuess.boolean
        }
        if c & ColumnGuess.numeric != 0 && n > 0 {
            // Integer ⊂ plain fixed-point ⊂ DOUBLE and ⊂ formatted syntax: one plain parse settles most values.
            if let d = TextValueParser.scanDecimal(text, point: syntax.point) {
                keep |= c & (ColumnGuess.decimal | ColumnGuess.formatted)
                // Beyond ~308 digits a Double overflows; only then is a second parse needed.
                if c & ColumnGuess.double != 0
                    && (d.integerDigits < 300
                        || TextValueParser.parseDouble(text, point: syntax.point, exact: true) != nil)
                {
                    keep |= ColumnGuess.double
                }
                integerDigits = max(integerDigits, d.integerDigits)
                scale = max(scale, d.scale)
                formattedIntegerDigits = max(formattedIntegerDigits, d.integerDigits)
                formattedScale = max(formattedScale, d.scale)
                if c & ColumnGuess.integer != 0 && d.scale == 0 && TextValueParser.exactInteger(text) != nil {
                    keep |= ColumnGuess.integer
                }
            } else {
                if c & ColumnGuess.double != 0
                    && TextValueParser.parseDouble(text, point: syntax.point, exact: true) != nil
                {
                    keep |= ColumnGuess.double
                }
                if c & ColumnGuess.formatted != 0,
                    let d = TextValueParser.scanFormatted(text, point: syntax.point, group: syntax.group)
                {
                    keep |= ColumnGuess.formatted
                    formattedIntegerDigits = max(formattedIntegerDigits, d.integerDigits)
                    formattedScale = max(formattedScale, d.scale)
                }
            }
        }
        if c & ColumnGuess.isoDate != 0 && n >= 8 && TextValueParser.isoDate(text, exact: true) != nil {
            keep |= c & (ColumnGuess.isoDate | ColumnGuess.timestamp)
        } else if c & ColumnGuess.timestamp != 0 && n >= 8 && TextValueParser.timestamp(text, options: syntax) != nil {
            keep |= ColumnGuess.timestamp
        }
        if c & ColumnGuess.dayMonth != 0, let s = TextValueParser.scanDayMonth(text) {
            let dayFirst = TextValueParser.dayNumber(year: s.year, month: s.second, day: s.first) != nil
            let monthFirst = TextValueParser.dayNumber(year: s.year, month: s.first, day: s.second) != nil
            if s.separator == UInt8(ascii: "/") {
                if dayFirst { keep |= ColumnGuess.dayFirstSlash }
                if monthFirst { keep |= ColumnGuess.monthFirstSlash }
            } else {
                if dayFirst { keep |= ColumnGuess.dayFirstDash }
                if monthFirst { keep |= ColumnGuess.monthFirstDash }
            }
        }
        if c & ColumnGuess.customDate != 0, let dateFormat, dateFormat.parse(text) != nil {
            keep |= ColumnGuess.customDate
        }
        candidates = c & keep
    }

    /// Combines the guesses of two parts of the same column.
    mutating func merge(_ other: ColumnGuess) {
        candidates &= other.candidates
        integerDigits = max(integerDigits, other.integerDigits)
        scale = max(scale, other.scale)
        formattedIntegerDigits = max(formattedIntegerDigits, other.formattedIntegerDigits)
        formattedScale = max(formattedScale, other.formattedScale)
        valueCount += other.valueCount
    }

    /// The narrowest type every value fits, and for dates the day/month order (nil when it
    /// does not apply) and whether every value was ambiguous.
    func decide(customDateIsCompact: Bool) -> (type: DataType, order: DateOrder?, isAmbiguous: Bool) {
        let c = candidates
        guard valueCount > 0 else { return (.varchar, nil, false) }
        if c & ColumnGuess.boolean != 0 { return (.boolean, nil, false) }
        // An explicit `%Y%m%d` wins over the integer reading of the same digits.
        if customDateIsCompact && c & ColumnGuess.customDate != 0 { return (.date, nil, false) }
        if c & ColumnGuess.integer != 0 { return (.bigint, nil, false) }
        if c & ColumnGuess.decimal != 0 {
            if integerDigits + scale <= DataType.maxNarrowDecimalPrecision {
                return (.decimal(precision: max(1, integerDigits + scale), scale: scale), nil, false)
            }
            // Wider than 18 digits: a fraction goes to DOUBLE; a whole number (an identifier) would lose digits.
            if scale > 0 && c & ColumnGuess.double != 0 { return (.double, nil, false) }
            return (.varchar, nil, false)
        }
        if c & ColumnGuess.double != 0 { return (.double, nil, false) }
        if c & ColumnGuess.formatted != 0
            && formattedIntegerDigits + formattedScale <= DataType.maxNarrowDecimalPrecision
        {
            if formattedScale == 0 { return (.bigint, nil, false) }
            return (
                .decimal(precision: max(1, formattedIntegerDigits + formattedScale), scale: formattedScale), nil, false
            )
        }
        if c & ColumnGuess.isoDate != 0 || c & ColumnGuess.customDate != 0 { return (.date, nil, false) }
        for (dayBit, monthBit) in [
            (ColumnGuess.dayFirstSlash, ColumnGuess.monthFirstSlash),
            (ColumnGuess.dayFirstDash, ColumnGuess.monthFirstDash),
        ] {
            let dayFirst = c & dayBit != 0, monthFirst = c & monthBit != 0
            if dayFirst { return (.date, .dayFirst, monthFirst) }
            if monthFirst { return (.date, .monthFirst, false) }
        }
        if c & ColumnGuess.timestamp != 0 { return (.timestamp, nil, false) }
        return (.varchar, nil, false)
    }
}
