import Testing

@testable import PlazaCore

@Suite struct CalendarTests {
    @Test(arguments: [
        (1970, 1, 1, 0), (1969, 12, 31, -1), (2000, 2, 29, 11_016), (2024, 1, 31, 19_753),
        (1900, 3, 1, -25_508), (1, 1, 1, -719_162), (9999, 12, 31, 2_932_896),
    ])
    func daysRoundTrip(year: Int, month: Int, day: Int, expected: Int) {
        #expect(CivilCalendar.days(year: year, month: month, day: day) == expected)
        let civil = CivilCalendar.civil(fromDays: expected)
        #expect(civil.year == year && civil.month == month && civil.day == day)
    }

    @Test func everyDayOfFourCenturiesRoundTrips() {
        var expected = CivilCalendar.days(year: 1800, month: 1, day: 1)
        for year in 1800..<2200 {
            for month in 1...12 {
                for day in 1...CivilCalendar.daysInMonth(year: year, month: month) {
                    #expect(CivilCalendar.days(year: year, month: month, day: day) == expected)
                    expected += 1
                }
            }
        }
    }

    /// civil(fromDays:) (Neri–Schneider) against days(year:month:day:) (era formulas), across the
    /// Int32 day numbers, a stride apart, and every day around the ends of the DATE range.
    @Test func civilInvertsDaysAcrossTheInt32Range() {
        var failures: [Int] = []
        func check(_ day: Int) {
            let (y, m, d) = CivilCalendar.civil(fromDays: day)
            let valid = m >= 1 && m <= 12 && d >= 1 && d <= CivilCalendar.daysInMonth(year: y, month: m)
            if !valid || CivilCalendar.days(year: y, month: m, day: d) != day { failures.append(day) }
        }
        for day in stride(from: Int(Int32.min), through: Int(Int32.max), by: 9_973) { check(day) }
        for year in [-999_999, 999_999] {
            let first = CivilCalendar.days(year: year, month: 1, day: 1)
            for day in (first - 400)...(first + 400) { check(day) }
        }
        for day in (Int(Int32.max) - 400)...Int(Int32.max) { check(day) }
        for day in Int(Int32.min)...(Int(Int32.min) + 400) { check(day) }
        #expect(failures.isEmpty, "first wrong day numbers: \(failures.prefix(5))")
    }

    @Test func leapYears() {
        #expect(CivilCalendar.isLeapYear(2000))
        #expect(!CivilCalendar.isLeapYear(1900))
        #expect(CivilCalendar.isLeapYear(2024))
        #expect(CivilCalendar.daysInMonth(year: 2023, month: 2) == 28)
    }

    @Test func dayOfWeekCountsFromSunday() {
        #expect(CivilCalendar.dayOfWeek(days: 0) == 4)  // 1970-01-01 was a Thursday
        #expect(CivilCalendar.dayOfWeek(days: -1) == 3)
        #expect(CivilCalendar.dayOfWeek(days: CivilCalendar.days(year: 2024, month: 11, day: 24)) == 0)
    }

    @Test func splitMicrosBeforeEpoch() {
        let (days, rest) = CivilCalendar.split(micros: -1)
        #expect(days == -1 && rest == CivilCalendar.microsPerDay - 1)
    }
}

@Suite struct FormattingTests {
    @Test func dates() {
        #expect(formatDate(0) == "1970-01-01")
        #expect(formatDate(-1) == "1969-12-31")
        #expect(formatDate(Int32(CivilCalendar.days(year: 2024, month: 2, day: 29))) == "2024-02-29")
        #expect(formatDate(Int32(CivilCalendar.days(year: 12, month: 3, day: 4))) == "0012-03-04")
    }

    @Test func timestamps() {
        #expect(formatTimestamp(0) == "1970-01-01 00:00:00")
        #expect(formatTimestamp(1_500_000) == "1970-01-01 00:00:01.500000")
        #expect(formatTimestamp(-1) == "1969-12-31 23:59:59.999999")
    }

    @Test(arguments: [
        (Int64(1250), 2, "12.50"), (-5, 2, "-0.05"), (0, 2, "0.00"), (7, 0, "7"),
        (Int64.min, 4, "-922337203685477.5808"), (123, 3, "0.123"),
    ])
    func decimals(unscaled: Int64, scale: Int, text: String) {
        #expect(formatDecimal(unscaled, scale: scale) == text)
    }

    @Test func doubles() {
        #expect(formatDouble(1) == "1.0")
        #expect(formatDouble(-0.0) == "-0.0")
        #expect(formatDouble(0.1) == "0.1")
        #expect(formatDouble(.nan) == "nan")
        #expect(formatDouble(-.infinity) == "-inf")
        #expect(Double(formatDouble(1.0 / 3.0)) == 1.0 / 3.0)
    }

    @Test func intervals() {
        #expect(Interval(months: 14, days: 3).description == "1 year 2 months 3 days")
        #expect(Interval(micros: 3_723_000_000).description == "01:02:03")
        #expect(Interval().description == "00:00:00")
    }

    @Test func caretPointsAtColumn() {
        let span = SourceSpan(offset: 7, length: 7, line: 1, column: 8)
        let diagram = span.caretDiagram(in: "SELECT colonai FROM t")
        #expect(diagram == "LINE 1: SELECT colonai FROM t\n" + String(repeating: " ", count: 15) + "^")
        #expect(span.description == "line 1, column 8")
    }

    @Test func schemaLookupPrefersExactCase() {
        let schema = Schema([Field(name: "Monto", type: .bigint), Field(name: "monto", type: .double)])
        #expect(schema.index(of: "monto") == 1)
        #expect(schema.index(of: "MONTO") == 0)
        #expect(schema.index(of: "nada") == nil)
    }
}
