import PlazaCore
import Testing

@testable import PlazaCSV

@Suite struct ValueParserTests {
    func withBytes<R>(_ text: String, _ body: (UnsafePointer<UInt8>, Int) -> R) -> R {
        var copy = Array(text.utf8)
        copy.append(0)
        return copy.withUnsafeBufferPointer { body($0.baseAddress!, $0.count - 1) }
    }

    @Test(arguments: [
        ("0", Int64?(0)), ("-7", -7), ("9223372036854775807", .max), ("-9223372036854775808", .min),
        ("9223372036854775808", nil), ("06700", nil), ("-0", nil), ("+5", nil), (" 5", nil), ("5 ", nil), ("", nil),
        ("-", nil),
        ("1e3", nil),
    ])
    func integers(text: String, expected: Int64?) {
        #expect(withBytes(text) { NumberParser.parseInteger($0, $1) } == expected)
    }

    @Test(arguments: [
        ("1234.50", "123450/2"), ("0.25", "25/2"), ("-12.5", "-125/1"), ("7", "7/0"), ("01.5", "nil"), ("1.", "nil"),
        (".5", "nil"), ("1.2.3", "nil"),
    ])
    func decimals(text: String, expected: String) {
        let digits = withBytes(text) { NumberParser.scanDecimal($0, $1, point: UInt8(ascii: ".")) }
        #expect(digits.map { "\($0.unscaled)/\($0.scale)" } ?? "nil" == expected)
    }

    @Test(arguments: [
        ("$202,098,298.00", "20209829800/2"), ("1,500", "1500/0"), ("-$5.25", "-525/2"), ("$-5", "-5/0"),
        ("12,34", "nil"),
        ("1234,567", "nil"), ("1,2345", "nil"), ("$", "nil"), (",123", "nil"),
    ])
    func formattedNumbers(text: String, expected: String) {
        let digits = withBytes(text) {
            NumberParser.scanFormatted($0, $1, point: UInt8(ascii: "."), group: UInt8(ascii: ","))
        }
        #expect(digits.map { "\($0.unscaled)/\($0.scale)" } ?? "nil" == expected)
    }

    @Test(arguments: [
        "0", "1.5", "-0.001", "1e10", "2.5E-3", "123456789012345678901234", "0.1", "3.141592653589793238", "1e-320",
        "19.379657", "-98.976220", "4.9e-324", "1.7976931348623157e308",
    ])
    func doublesRoundCorrectly(text: String) {
        #expect(withBytes(text) { NumberParser.parseDouble($0, $1, point: UInt8(ascii: ".")) } == Double(text)!)
    }

    @Test(arguments: [
        "1e400", "1,5", "01.5", "1.", "e5", "1e", "--1", "infinit", "infinityy", "in", "nana", "+inf", "--inf", "i nf",
    ])
    func notDoubles(text: String) {
        #expect(withBytes(text) { NumberParser.parseDouble($0, $1, point: UInt8(ascii: ".")) } == nil)
    }

    /// The specials Plaza prints for DOUBLE (`inf`, `-inf`, `nan`) read back, as DuckDB reads them.
    @Test(arguments: [
        ("inf", Double.infinity), ("-inf", -Double.infinity), ("INF", Double.infinity), ("Infinity", Double.infinity),
        ("-infinity", -Double.infinity), ("nan", Double.nan), ("NaN", Double.nan), ("-nan", Double.nan),
    ])
    func specialDoubles(text: String, expected: Double) {
        let value = withBytes(text) { NumberParser.parseDouble($0, $1, point: UInt8(ascii: ".")) }
        #expect(value.map { expected.isNaN ? $0.isNaN : $0 == expected } == true)
    }

    @Test(arguments: [
        ("true", true), ("FALSE", false), ("Yes", true), ("no", false), ("sí", true), ("SÍ", true), ("si", true),
        ("t", true),
        ("F", false),
    ])
    func booleans(text: String, expected: Bool) {
        #expect(withBytes(text) { NumberParser.parseBoolean($0, $1) } == expected)
    }

    @Test(arguments: ["1", "0", "yess", "", "verdadero"])
    func notBooleans(text: String) {
        #expect(withBytes(text) { NumberParser.parseBoolean($0, $1) } == nil)
    }

    @Test(arguments: [
        ("2024-01-31T10:15:30Z", "2024-01-31 10:15:30"), ("2024-01-31 10:15", "2024-01-31 10:15:00"),
        ("2024-06-01T12:00:00.5-06:00", "2024-06-01 18:00:00.500000"),
        ("2024-06-01T12:00:00+0530", "2024-06-01 06:30:00"),
        ("2024-02-29", "2024-02-29 00:00:00"), ("2023-02-29 10:00", "nil"), ("2024-01-01 24:00", "nil"),
        ("2024-01-01T10:00:00.1234567", "nil"), ("2024-01-01T10:00Zx", "nil"),
    ])
    func timestamps(text: String, expected: String) {
        let micros = withBytes(text) { DateParser.parseTimestamp($0, $1) }
        #expect(micros.map { formatTimestamp($0) } ?? "nil" == expected)
    }

    @Test(arguments: [
        ("%Y%m%d", "20240131", "2024-01-31"), ("%d/%m/%Y", "5/3/2024", "2024-03-05"),
        ("%d.%m.%Y", "31.12.1999", "1999-12-31"),
        ("%Y%m%d", "2024131", "nil"), ("%d/%m/%Y", "31/02/2024", "nil"),
    ])
    func dateFormats(format: String, text: String, expected: String) throws {
        let parsed = try #require(DateFormat(format))
        #expect(withBytes(text) { parsed.parse($0, $1) }.map { formatDate($0) } ?? "nil" == expected)
    }

    @Test func utf8Validation() {
        let valid = Array("año ñ € 😀".utf8)
        #expect(valid.withUnsafeBytes { TextEncoding.firstInvalidUTF8($0, threads: 2) } == nil)
        let invalid: [UInt8] = [0x61, 0x0A, 0x62, 0xF1, 0x6F]  // "b\xF1o": Latin-1 ñ
        #expect(invalid.withUnsafeBytes { TextEncoding.firstInvalidUTF8($0, threads: 2) } == 3)
        let overlong: [UInt8] = [0xC0, 0xAF]
        #expect(overlong.withUnsafeBytes { TextEncoding.firstInvalidUTF8($0, threads: 1) } == 0)
        let surrogate: [UInt8] = [0xED, 0xA0, 0x80]
        #expect(surrogate.withUnsafeBytes { TextEncoding.firstInvalidUTF8($0, threads: 1) } == 0)
    }

    @Test func dayNumbersMatchTheCalendar() {
        for year in [1, 2, 399, 400, 1600, 1899, 1900, 1970, 1999, 2000, 2024, 2100, 9999] {
            for month in 1...12 {
                for day in [1, 15, CivilCalendar.daysInMonth(year: year, month: month)] {
                    let expected = Int32(CivilCalendar.days(year: year, month: month, day: day))
                    #expect(DateParser.dayNumber(year: year, month: month, day: day) == expected)
                }
            }
        }
        #expect(DateParser.dayNumber(year: 2023, month: 2, day: 29) == nil)
        #expect(DateParser.dayNumber(year: 2024, month: 13, day: 1) == nil)
    }
}
