import Testing

@testable import PlazaCore

@Suite struct WideDecimalTests {
    @Test(arguments: [
        (Int128(1250), 2, "12.50"), (-5, 2, "-0.05"), (0, 2, "0.00"), (7, 0, "7"),
        (Int128(Int64.max) + 1, 2, "92233720368547758.08"),
        (Int128("99999999999999999999999999999999999999")!, 2, "999999999999999999999999999999999999.99"),
        (Int128("-99999999999999999999999999999999999999")!, 38, "-0.99999999999999999999999999999999999999"),
        (Int128(123), 38, "0.00000000000000000000000000000000000123"),
    ])
    func formatting(unscaled: Int128, scale: Int, text: String) {
        #expect(formatDecimal(unscaled, scale: scale) == text)
    }

    @Test(arguments: [
        ("12345678901234567890.12", 38, 2, Int128("1234567890123456789012")),
        (" -1.5 ", 38, 2, Int128(-150)),
        ("+0.005", 20, 2, Int128(1)),
        ("-0.005", 20, 2, Int128(-1)),
        ("0.004", 20, 2, Int128(0)),
        (".5", 20, 0, Int128(1)),
        ("5.", 20, 1, Int128(50)),
        ("99999999999999999999999999999999999999", 38, 0, Int128("99999999999999999999999999999999999999")),
        ("0000000000000000000000000000000000000000001", 38, 0, Int128(1)),
    ])
    func parsing(text: String, precision: Int, scale: Int, expected: Int128?) {
        #expect(TextValueParser.wideDecimal(text, precision: precision, scale: scale) == expected)
    }

    @Test(arguments: [
        ("100000000000000000000000000000000000000", 38, 0),  // 39 digits
        ("123.45", 20, 19),  // two integer digits, room for one
        ("99.995", 4, 2),  // rounds up to 100.00: five digits
        ("", 38, 2), ("-", 38, 2), (".", 38, 2), ("1.2.3", 38, 2), ("1e5", 38, 2), ("12a", 38, 2),
        ("1", 39, 0),  // precision past 38
    ])
    func parsingRejects(text: String, precision: Int, scale: Int) {
        #expect(TextValueParser.wideDecimal(text, precision: precision, scale: scale) == nil)
    }

    @Test func maximaAndTypes() {
        #expect(maxUnscaled(precision: 38) == Int128("99999999999999999999999999999999999999")!)
        #expect(maxUnscaled(precision: 19) == Int128(9_999_999_999_999_999_999 as UInt64))
        #expect(DataType.decimal(precision: 18, scale: 2).physicalType == .int64)
        #expect(DataType.decimal(precision: 19, scale: 2).physicalType == .int128)
        #expect(DataType.decimal(precision: 38, scale: 2).isWideDecimal)
        #expect(!DataType.decimal(precision: 18, scale: 2).isWideDecimal)
        #expect(Value.wideDecimal(-150, scale: 2).description == "-1.50")
        #expect(Value.wideDecimal(5, scale: 0).dataType == .decimal(precision: 38, scale: 0))
    }
}
