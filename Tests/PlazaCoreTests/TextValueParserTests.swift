import Testing

@testable import PlazaCore

/// The one text → value grammar (docs/SQL.md, "Text to values"), in its SQL profile and its exact
/// CSV profile: a matrix of accepted and rejected texts, rendered as Plaza prints the value.
@Suite struct TextValueParserTests {
    static let csv = TextParseOptions.csv(decimalComma: false, dayMonthOrder: .dayFirst, dateFormat: nil)

    func sql(_ text: String, _ type: DataType) -> String {
        TextValueParser.parse(text, as: type, options: .sql).map(\.description) ?? "nil"
    }

    func csv(_ text: String, _ type: DataType) -> String {
        TextValueParser.parse(text, as: type, options: Self.csv).map(\.description) ?? "nil"
    }

    @Test(arguments: [
        ("0", "0", "0"), ("-7", "-7", "-7"), ("9223372036854775807", "9223372036854775807", "9223372036854775807"),
        ("-9223372036854775808", "-9223372036854775808", "-9223372036854775808"),
        ("9223372036854775808", "nil", "nil"), ("-9223372036854775809", "nil", "nil"), ("06700", "6700", "nil"),
        ("-0", "0", "0"), ("+5", "5", "nil"), (" 5 ", "5", "nil"), ("", "nil", "nil"), ("-", "nil", "nil"),
        ("1e3", "1000", "nil"), ("1.0", "1", "nil"), ("2.5", "3", "nil"), ("-2.5", "-3", "nil"), ("1.49e0", "1", "nil"),
        ("1,500", "nil", "1500"), ("$1,500", "nil", "1500"),
        ("0x10", "nil", "nil"), ("5 5", "nil", "nil"),
    ])
    func integers(text: String, sql: String, csv: String) {
        #expect(self.sql(text, .bigint) == sql)
        #expect(self.csv(text, .bigint) == csv)
    }

    @Test(arguments: [
        ("12.345", "12.35", "nil"), ("-12.345", "-12.35", "nil"), ("12.344", "12.34", "nil"), ("7", "7.00", "7.00"),
        ("700", "nil", "nil"), ("99.99", "99.99", "99.99"), ("99.995", "nil", "nil"), ("1.2.3", "nil", "nil"),
        (".", "nil", "nil"), (".5", "0.50", "nil"), ("5.", "5.00", "nil"), ("01.5", "1.50", "nil"),
        ("+1.5", "1.50", "nil"), ("1.5e0", "1.50", "nil"), ("25e-2", "0.25", "nil"), ("$1.50", "nil", "1.50"),
        (" 1.5", "1.50", "nil"), ("1,5", "nil", "nil"), ("", "nil", "nil"), ("e5", "nil", "nil"),
    ])
    func decimals(text: String, sql: String, csv: String) {
        #expect(self.sql(text, .decimal(precision: 4, scale: 2)) == sql)
        #expect(self.csv(text, .decimal(precision: 4, scale: 2)) == csv)
    }

    @Test func decimalPrecisionIsChecked() {
        #expect(sql("99999999999999999999", .decimal(precision: 18, scale: 0)) == "nil")
        #expect(sql("999999999999999999", .decimal(precision: 18, scale: 0)) == "999999999999999999")
        #expect(sql("-0.000001", .decimal(precision: 18, scale: 6)) == "-0.000001")
        #expect(sql("$202,098,298.00", .decimal(precision: 18, scale: 2)) == "nil")
        #expect(csv("$202,098,298.00", .decimal(precision: 18, scale: 2)) == "202098298.00")
        #expect(csv("-$5.25", .decimal(precision: 10, scale: 2)) == "-5.25")
    }

    @Test(arguments: [
        "0", "1.5", "-0.001", "1e10", "2.5E-3", "123456789012345678901234", "0.1", "3.141592653589793238", "1e-320",
        "19.379657", "-98.976220", "4.9e-324", "1.7976931348623157e308",
    ])
    func doublesRoundCorrectlyInBothProfiles(text: String) {
        let expected = Double(text)!
        let exact = TextValueParser.withBytes(text) { TextValueParser.double($0, options: Self.csv) }
        let lenient = TextValueParser.withBytes(text) { TextValueParser.double($0, options: .sql) }
        #expect(exact == expected)
        #expect(lenient == expected)
    }

    @Test(arguments: [
        ("1e400", "nil", "nil"), ("01.5", "1.5", "nil"), ("1.", "1.0", "nil"), (".5", "0.5", "nil"),
        ("+2", "2.0", "nil"), (" 2 ", "2.0", "nil"), ("e5", "nil", "nil"), ("1e", "nil", "nil"), ("--1", "nil", "nil"),
        ("infinit", "nil", "nil"), ("infinityy", "nil", "nil"), ("+inf", "inf", "nil"), ("-Infinity", "-inf", "-inf"),
        ("NaN", "nan", "nan"), ("i nf", "nil", "nil"), ("0x10", "nil", "nil"), ("1,5", "nil", "nil"),
        ("$1,234.50", "nil", "1234.5"), ("00000000000000000000000000001", "1.0", "nil"), (".", "nil", "nil"),
    ])
    func doubles(text: String, sql: String, csv: String) {
        #expect(self.sql(text, .double) == sql)
        #expect(self.csv(text, .double) == csv)
    }

    @Test func decimalCommaSwapsPointAndGroup() {
        let options = TextParseOptions.csv(decimalComma: true, dayMonthOrder: nil, dateFormat: nil)
        let value = TextValueParser.parse("1.234,5", as: .double, options: options)
        #expect(value == .double(1234.5))
        #expect(
            TextValueParser.parse("2,25", as: .decimal(precision: 5, scale: 2), options: options)
                == .decimal(225, scale: 2))
    }

    @Test(arguments: [
        ("true", "true", "true"), ("FALSE", "false", "false"), ("Yes", "true", "true"), ("no", "false", "false"),
        ("sí", "true", "true"), ("SÍ", "true", "true"), ("si", "true", "true"), ("t", "true", "true"),
        ("F", "false", "false"), ("y", "true", "true"), ("N", "false", "false"), ("on", "true", "true"),
        ("OFF", "false", "false"), ("1", "true", "nil"), ("0", "false", "nil"), (" true ", "true", "nil"),
        ("yess", "nil", "nil"), ("", "nil", "nil"), ("verdadero", "nil", "nil"), ("2", "nil", "nil"),
    ])
    func booleans(text: String, sql: String, csv: String) {
        #expect(self.sql(text, .boolean) == sql)
        #expect(self.csv(text, .boolean) == csv)
    }

    @Test(arguments: [
        ("1970-01-01", "1970-01-01", "1970-01-01"), (" 2024-02-29 ", "2024-02-29", "nil"),
        ("2023-02-29", "nil", "nil"), ("2024-1-5", "2024-01-05", "2024-01-05"), ("2024-001-05", "nil", "nil"),
        ("2024-01-01x", "nil", "nil"), ("", "nil", "nil"), ("24-01-05", "0024-01-05", "nil"),
        ("2024-02-29 08:30:00", "2024-02-29", "nil"), ("2024-02-29T23:30:00-02:00", "2024-03-01", "nil"),
        ("05/03/2024", "nil", "2024-03-05"), ("31-12-1999", "nil", "1999-12-31"), ("2024/01/05", "nil", "nil"),
        ("2024-13-01", "nil", "nil"), ("2024-00-10", "nil", "nil"), ("2024-04-31", "nil", "nil"),
    ])
    func dates(text: String, sql: String, csv: String) {
        #expect(self.sql(text, .date) == sql)
        #expect(self.csv(text, .date) == csv)
    }

    @Test(arguments: [
        ("2024-01-31T10:15:30Z", "2024-01-31 10:15:30", "2024-01-31 10:15:30"),
        ("2024-01-31 10:15", "2024-01-31 10:15:00", "2024-01-31 10:15:00"),
        ("2024-01-31 9:15", "2024-01-31 09:15:00", "2024-01-31 09:15:00"),
        ("2024-06-01T12:00:00.5-06:00", "2024-06-01 18:00:00.500000", "2024-06-01 18:00:00.500000"),
        ("2024-06-01T12:00:00+0530", "2024-06-01 06:30:00", "2024-06-01 06:30:00"),
        ("1970-01-01 01:00:00+02", "1969-12-31 23:00:00", "1969-12-31 23:00:00"),
        ("2024-01-01 10:00:00 UTC", "2024-01-01 10:00:00", "2024-01-01 10:00:00"),
        ("2024-02-29", "2024-02-29 00:00:00", "2024-02-29 00:00:00"), ("2023-02-29 10:00", "nil", "nil"),
        ("2024-01-01 24:00", "nil", "nil"), ("2024-01-01 10:60", "nil", "nil"), ("2024-01-01 10:00:60", "nil", "nil"),
        ("2024-01-01T10:00:00.1234567", "2024-01-01 10:00:00.123456", "nil"), ("2024-01-01T10:00Zx", "nil", "nil"),
        ("1970-01-01 00:00:00.", "nil", "nil"), ("2024-01-01 10", "nil", "nil"), ("2024-01-01 10:00+19", "nil", "nil"),
        (" 2024-01-01 10:00 ", "2024-01-01 10:00:00", "nil"), ("2024-01-01 10:5", "nil", "nil"),
    ])
    func timestamps(text: String, sql: String, csv: String) {
        #expect(self.sql(text, .timestamp) == sql)
        #expect(self.csv(text, .timestamp) == csv)
    }

    @Test func hugeYearsDoNotOverflow() {
        #expect(sql("999999-12-31", .date) != "nil")
        #expect(sql("999999-12-31 10:00", .timestamp) == "nil")
        #expect(sql("-44-03-15", .date) == TextValueParser.parse("-44-03-15", as: .date).map(\.description))
    }

    @Test(arguments: [
        ("3 days", "3 days"), ("1 year 2 months", "1 year 2 months"), ("2 hours 30 minutes", "02:30:00"),
        ("01:00:00", "01:00:00"), ("1 week", "7 days"), ("5 ms", "00:00:00.005000"), ("5 m", "00:05:00"),
        ("-1 DAY", "-1 day"), ("1 day 02:03:04.5", "1 day 02:03:04.500000"), ("100:00", "100:00:00"),
        ("2 quarters", "6 months"), ("3 us", "00:00:00.000003"), ("3 fortnights", "nil"), ("days", "nil"),
        ("3", "nil"), ("", "nil"), ("1:60:00", "nil"), ("9223372036854775807 years", "nil"),
        ("-9223372036854775808 days", "nil"), ("3 days x", "nil"),
    ])
    func intervals(text: String, expected: String) {
        #expect(sql(text, .interval) == expected)
    }

    @Test(arguments: [
        ("%Y%m%d", "20240131", "2024-01-31"), ("%d/%m/%Y", "5/3/2024", "2024-03-05"),
        ("%d.%m.%Y", "31.12.1999", "1999-12-31"), ("%Y%m%d", "2024131", "nil"), ("%d/%m/%Y", "31/02/2024", "nil"),
    ])
    func dateFormats(format: String, text: String, expected: String) throws {
        let parsed = try #require(TextDateFormat(format))
        let options = TextParseOptions.csv(decimalComma: false, dayMonthOrder: nil, dateFormat: parsed)
        #expect(TextValueParser.parse(text, as: .date, options: options).map(\.description) ?? "nil" == expected)
    }

    @Test func unsupportedDateFormatsAreRejected() {
        #expect(TextDateFormat("%Y-%m") == nil)
        #expect(TextDateFormat("%Y-%m-%H") == nil)
    }

    @Test func dayNumbersMatchTheCalendar() {
        for year in [-400, -1, 0, 1, 2, 399, 400, 1600, 1899, 1900, 1970, 1999, 2000, 2024, 2100, 9999] {
            for month in 1...12 {
                for day in [1, 15, CivilCalendar.daysInMonth(year: year, month: month)] {
                    let expected = Int32(CivilCalendar.days(year: year, month: month, day: day))
                    #expect(TextValueParser.dayNumber(year: year, month: month, day: day) == expected)
                }
            }
        }
        #expect(TextValueParser.dayNumber(year: 2023, month: 2, day: 29) == nil)
        #expect(TextValueParser.dayNumber(year: 2024, month: 13, day: 1) == nil)
    }

    @Test func varcharKeepsTextAndIntervalUnitsAddUp() {
        #expect(sql(" a b ", .varchar) == " a b ")
        var interval = Interval()
        #expect(TextValueParser.add(2, unit: "Hours", to: &interval))
        #expect(interval == Interval(micros: 7_200_000_000))
        #expect(!TextValueParser.add(1, unit: "fortnight", to: &interval))
        #expect(!TextValueParser.add(Int64.max, unit: "days", to: &interval))
    }
}
