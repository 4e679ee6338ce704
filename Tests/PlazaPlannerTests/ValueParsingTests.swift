import PlazaCore
import Testing

@testable import PlazaPlanner

/// Typed-literal parsing: strict formats, exact values, nil on anything malformed.
@Suite struct ValueParsingTests {
    @Test func datesParseAndRejectImpossibleDays() {
        #expect(ValueParsing.date("1970-01-01") == 0)
        #expect(ValueParsing.date(" 2024-02-29 ") == 19782)
        #expect(ValueParsing.date("1969-12-31") == -1)
        #expect(ValueParsing.date("2023-02-29") == nil)
        #expect(ValueParsing.date("2024-1-5") == 19727)
        #expect(ValueParsing.date("2024-001-05") == nil)
        #expect(ValueParsing.date("2024-01-01x") == nil)
        #expect(ValueParsing.date("") == nil)
    }

    @Test func timestampsTakeSpaceOrTAndFractions() {
        #expect(ValueParsing.timestamp("1970-01-01 00:00:01") == 1_000_000)
        #expect(ValueParsing.timestamp("1970-01-01T00:01") == 60_000_000)
        #expect(ValueParsing.timestamp("1970-01-01 00:00:00.5") == 500_000)
        #expect(ValueParsing.timestamp("1970-01-02") == 86_400_000_000)
        #expect(ValueParsing.timestamp("1970-01-01 24:00:00") == nil)
        #expect(ValueParsing.timestamp("1970-01-01 1:00Z") == 3_600_000_000)
        #expect(ValueParsing.timestamp("1970-01-01 01:00:00+02") == nil)
        #expect(ValueParsing.timestamp("1970-01-01 00:00:00.") == nil)
    }

    @Test func decimalsRoundHalfAwayFromZeroAndCheckPrecision() {
        #expect(ValueParsing.decimal("12.345", precision: 10, scale: 2) == 1235)
        #expect(ValueParsing.decimal("-12.345", precision: 10, scale: 2) == -1235)
        #expect(ValueParsing.decimal("7", precision: 3, scale: 2) == 700)
        #expect(ValueParsing.decimal("70", precision: 3, scale: 2) == nil)
        #expect(ValueParsing.decimal("1.2.3", precision: 10, scale: 2) == nil)
        #expect(ValueParsing.decimal(".", precision: 10, scale: 2) == nil)
        #expect(ValueParsing.decimal("99999999999999999999", precision: 18, scale: 0) == nil)
    }

    @Test func intervalsAddUnits() {
        #expect(ValueParsing.interval("3 days") == Interval(days: 3))
        #expect(ValueParsing.interval("1 year 2 months") == Interval(months: 14))
        #expect(ValueParsing.interval("2 hours 30 minutes") == Interval(micros: 9_000_000_000))
        #expect(ValueParsing.interval("01:00:00") == Interval(micros: 3_600_000_000))
        #expect(ValueParsing.interval("1 week") == Interval(days: 7))
        #expect(ValueParsing.interval("3 fortnights") == nil)
        #expect(ValueParsing.interval("days") == nil)
        #expect(ValueParsing.interval("9223372036854775807 years") == nil)
        #expect(ValueParsing.interval("-9223372036854775808 days") == nil)
    }

    @Test func numbersAndBooleans() {
        #expect(ValueParsing.bigint(" 42 ") == 42)
        #expect(ValueParsing.bigint("9223372036854775808") == nil)
        #expect(ValueParsing.double("1e3") == 1000)
        #expect(ValueParsing.double("-inf") == -.infinity)
        #expect(ValueParsing.double("0x10") == nil)
        #expect(ValueParsing.boolean("TRUE") == true)
        #expect(ValueParsing.boolean("no") == false)
        #expect(ValueParsing.boolean("maybe") == nil)
    }
}
