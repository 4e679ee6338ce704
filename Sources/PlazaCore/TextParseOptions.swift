/// Which number comes first in a `dd/mm/yyyy`-shaped date.
@usableFromInline package enum DateOrder: Sendable, Hashable {
    /// `dd/mm/yyyy`, `dd-mm-yyyy` (Mexico, Latin America, most of the world).
    case dayFirst
    /// `mm/dd/yyyy` (United States).
    case monthFirst
}

/// How `TextValueParser` reads text: one grammar (docs/SQL.md, "Text to values") with a strict,
/// lossless profile for CSV import and the lenient extras CSV files need.
@usableFromInline package struct TextParseOptions: Sendable, Hashable {
    /// Accepts only text a value writes back unchanged: no surrounding spaces, no `+`, no leading zeros,
    /// digits on both sides of a point, four-digit years, at most six fraction-of-second digits and no
    /// `0`/`1` booleans. CSV import uses it so that `06700` stays text and nothing is silently rounded.
    @usableFromInline package var isExact: Bool
    /// The decimal point: `.`, or `,` with a decimal comma.
    @usableFromInline package var point: UInt8
    /// The thousands separator allowed with `allowsFormattedNumbers`.
    @usableFromInline package var group: UInt8
    /// Whether `$1,234.50`-style numbers (a currency sign and/or thousands separators) are read.
    @usableFromInline package var allowsFormattedNumbers: Bool
    /// Where set, `a/b/yyyy` and `a-b-yyyy` dates are read in this order after ISO dates fail.
    @usableFromInline package var dayMonthOrder: DateOrder?
    /// Where set, a user date format tried before the ISO form.
    @usableFromInline package var dateFormat: TextDateFormat?

    /// Creates options; the defaults are the SQL profile.
    package init(
        isExact: Bool = false, decimalComma: Bool = false, allowsFormattedNumbers: Bool = false,
        dayMonthOrder: DateOrder? = nil, dateFormat: TextDateFormat? = nil
    ) {
        self.isExact = isExact
        self.point = decimalComma ? UInt8(ascii: ",") : UInt8(ascii: ".")
        self.group = decimalComma ? UInt8(ascii: ".") : UInt8(ascii: ",")
        self.allowsFormattedNumbers = allowsFormattedNumbers
        self.dayMonthOrder = dayMonthOrder
        self.dateFormat = dateFormat
    }

    /// SQL literals, CAST and TRY_CAST: surrounding spaces ignored, `+`, leading zeros, 1–6 digit years,
    /// extra fraction digits rounded (numbers) or truncated (seconds), a date followed by a time.
    package static let sql = TextParseOptions()

    /// CSV import: exact text, money and grouped numbers, day/month dates in `order`, a user date format.
    package static func csv(decimalComma: Bool, dayMonthOrder: DateOrder?, dateFormat: TextDateFormat?)
        -> TextParseOptions
    {
        TextParseOptions(
            isExact: true, decimalComma: decimalComma, allowsFormattedNumbers: true, dayMonthOrder: dayMonthOrder,
            dateFormat: dateFormat)
    }
}
