import Foundation
import PlazaCore
import Testing

@testable import PlazaCSV

@Suite struct CSVCorpusTests {
    @Test func utf8WithByteOrderMarkKeepsAccentedHeaders() throws {
        let result = try readCorpus("utf8_bom.csv")
        #expect(result.columns == ["Año BIGINT", "Colonia VARCHAR", "Población BIGINT"])
        #expect(result.texts == [["2020", "Juárez", "1200"], ["2021", "Condesa", "NULL"]])
        #expect(result.inference.encoding == .utf8)
    }

    @Test func windows1252IsDetectedAndTranscoded() throws {
        let result = try readCorpus("windows1252.csv")
        #expect(result.inference.encoding == .windows1252)
        #expect(result.inference.delimiter == UInt8(ascii: ";"))
        #expect(result.columns == ["municipio VARCHAR", "año BIGINT", "descripción VARCHAR"])
        #expect(
            result.texts == [
                ["Peñón de los Baños", "2019", "Señalización vial"], ["Álvaro Obregón", "2020", "Iluminación €"],
            ])
        #expect(result.inference.notes.contains { $0.contains("Windows-1252") })
    }

    @Test func invalidUTF8InADeclaredUTF8FileNamesTheLine() {
        var options = CSVOptions()
        options.encoding = .utf8
        let error = csvError { _ = try CSVFile(path: corpusPath("windows1252.csv"), options: options) }
        #expect(error?.kind == .invalidEncoding)
        #expect(error?.location.line == 1)  // "año" in the header
        #expect(error?.description.contains("windows1252.csv, line 1") == true)
    }

    @Test(arguments: [
        ("semicolon.csv", UInt8(ascii: ";"), ["id BIGINT", "nombre VARCHAR", "monto DECIMAL(4,2)"]),
        ("pipe.csv", UInt8(ascii: "|"), ["id BIGINT", "ciudad VARCHAR"]),
        ("tab.tsv", UInt8(ascii: "\t"), ["id BIGINT", "nota VARCHAR"]),
    ])
    func delimiterIsDetected(name: String, delimiter: UInt8, columns: [String]) throws {
        let result = try readCorpus(name)
        #expect(result.inference.delimiter == delimiter)
        #expect(result.columns == columns)
        #expect(result.rows.count == 2)
    }

    @Test func quotedFieldsKeepDelimitersQuotesAndLineBreaks() throws {
        let result = try readCorpus("quoted_fields.csv")
        #expect(result.columns == ["id BIGINT", "texto VARCHAR", "monto BIGINT"])
        #expect(result.texts.map { $0[1] } == ["con, coma", "dijo \"hola\"", "línea uno\nlínea dos", ""])
        #expect(result.rows[3][1] == .varchar(""))  // a quoted empty string is not NULL
    }

    @Test func quotedLineBreakInsideAHeader() throws {
        let result = try readCorpus("header_linebreak.csv")
        #expect(result.columns == ["id BIGINT", "nombre\ncompleto VARCHAR", "edad BIGINT"])
        #expect(result.texts == [["1", "Ana", "30"], ["2", "Luis", "41"]])
    }

    @Test func crlfLineEndings() throws {
        let result = try readCorpus("crlf.csv")
        #expect(result.columns == ["id BIGINT", "nombre VARCHAR", "activo BOOLEAN"])
        #expect(result.texts == [["1", "Ana", "true"], ["2", "Luis\r\nPérez", "false"]])
    }

    @Test func trailingDelimiterIsIgnored() throws {
        let result = try readCorpus("trailing_delimiter.csv")
        #expect(result.columns == ["a BIGINT", "b BIGINT", "c BIGINT"])
        #expect(result.texts == [["1", "2", "3"], ["4", "5", "6"]])
    }

    @Test func blankLinesAreSkippedAndLinesStillCount() throws {
        let result = try readCorpus("blank_lines.csv")
        #expect(result.columns == ["id BIGINT", "valor BIGINT"])
        #expect(result.texts == [["1", "10"], ["2", "20"]])
        var options = CSVOptions()
        options.onError = .skip
        let typed = try readFile(
            corpusPath("blank_lines.csv"), options: options,
            schema: Schema([Field(name: "id", type: .bigint), Field(name: "valor", type: .boolean)]))
        #expect(typed.summary.rejected.map(\.line) == [4, 7])
        #expect(typed.summary.rejected.first?.reason == "column \"valor\": \"10\" is not a valid BOOLEAN")
        #expect(typed.summary.rejected.first?.text == "1,10")
    }

    @Test func missingHeaderIsDetected() throws {
        let result = try readCorpus("no_header.csv")
        #expect(!result.inference.hasHeader)
        #expect(result.columns == ["column1 BIGINT", "column2 VARCHAR", "column3 DATE"])
        #expect(result.rows.count == 3)
        #expect(result.texts[0] == ["1", "Ana", "2024-01-15"])
    }

    @Test func emptyAndDuplicateHeadersAreMadeUniqueAndReported() throws {
        let result = try readCorpus("duplicate_headers.csv")
        #expect(result.inference.schema.fields.map(\.name) == ["monto", "column2", "Monto_2", "monto_3"])
        #expect(result.inference.notes.filter { $0.contains("renamed") || $0.contains("empty") }.count == 3)
    }

    @Test func everyTypeIsRecognised() throws {
        let result = try readCorpus("types.csv")
        #expect(
            result.columns == [
                "flag BOOLEAN", "si_no BOOLEAN", "entero BIGINT", "decimal DECIMAL(6,2)", "doble DOUBLE", "fecha DATE",
                "momento TIMESTAMP",
            ])
        #expect(result.texts[0] == ["true", "true", "42", "1234.50", "1500.0", "2024-01-31", "2024-01-31 10:15:30"])
        #expect(result.texts[1] == ["false", "false", "-7", "0.25", "-0.001", "2024-02-29", "2024-01-31 23:59:00"])
        #expect(
            result.texts[2] == [
                "true", "true", "9223372036854775807", "-12.50", "2.5", "1999-12-31", "2024-06-01 18:00:00.123456",
            ])
    }

    @Test func moneyWithCurrencySignAndThousands() throws {
        let result = try readCorpus("money.csv")
        #expect(result.columns == ["partida VARCHAR", "monto DECIMAL(11,2)"])
        #expect(
            result.rows.map { $0[1] } == [
                .decimal(20_209_829_800, scale: 2), .decimal(150_050, scale: 2), .decimal(7525, scale: 2),
            ])
    }

    @Test func decimalCommaNumbers() throws {
        var options = CSVOptions()
        options.decimalComma = true
        let result = try readCorpus("decimal_comma.csv", options: options)
        #expect(result.columns == ["concepto VARCHAR", "importe DECIMAL(6,2)", "cantidad BIGINT"])
        #expect(result.texts.map { $0[1] } == ["1234.50", "99.99", "0.50"])
        #expect(result.texts.map { $0[2] } == ["1000", "12", "7"])
        let plain = try readCorpus("decimal_comma.csv")
        #expect(plain.columns[1] == "importe VARCHAR")
    }

    @Test(arguments: [
        ("dates_dmy.csv", ["2024-02-01", "2024-03-15", "2023-02-28"], "day-first"),
        ("dates_mdy.csv", ["2024-01-02", "2024-03-15", "2023-12-31"], "month-first"),
        ("dates_dash.csv", ["2024-01-31", "2024-06-05"], "day-first"),
    ])
    func dateOrderIsDecidedFromTheValues(name: String, dates: [String], order: String) throws {
        let result = try readCorpus(name)
        #expect(result.columns == ["folio BIGINT", "fecha DATE"])
        #expect(result.texts.map { $0[1] } == dates)
        #expect(result.inference.notes.contains { $0.contains(order) })
    }

    @Test func tenThousandAmbiguousDatesThenOneThatDecides() throws {
        // Rows 0–9999 all have day and month ≤ 12; only the last, 25/12/2024, says day-first.
        let result = try readCorpus("dates_ambiguous_10k.csv")
        #expect(result.columns == ["folio BIGINT", "fecha DATE"])
        #expect(result.texts.count == 10_001)
        #expect(result.texts[30][1] == "2005-03-07")  // written 07/03/2005
        #expect(result.texts.last?[1] == "2024-12-25")
        #expect(result.inference.notes.contains { $0.contains("day-first") })
        #expect(!result.inference.notes.contains { $0.contains("every date has day ≤ 12") })
    }

    @Test func compactDatesNeedADateFormat() throws {
        #expect(try readCorpus("compact_dates.csv").columns == ["folio BIGINT", "fecha BIGINT"])
        var options = CSVOptions()
        options.dateFormat = "%Y%m%d"
        let result = try readCorpus("compact_dates.csv", options: options)
        #expect(result.columns == ["folio BIGINT", "fecha DATE"])
        #expect(result.texts.map { $0[1] } == ["2024-01-31", "2023-12-25"])
    }

    @Test func leadingZeroCodesStayText() throws {
        let result = try readCorpus("leading_zeros.csv")
        #expect(result.columns == ["cp VARCHAR", "municipio VARCHAR", "clave VARCHAR"])
        #expect(result.texts[0] == ["06700", "Cuauhtémoc", "01001"])
    }

    @Test func nullTokensAndQuotedEmptyStrings() throws {
        let result = try readCorpus("nulls.csv")
        #expect(result.columns == ["id BIGINT", "texto VARCHAR", "numero BIGINT"])
        #expect(result.rows.map { $0[1] } == [.null, .varchar(""), .null, .varchar("hola")])
        #expect(result.rows.map { $0[2] } == [.null, .null, .null, .bigint(5)])
        var options = CSVOptions()
        options.nullTokens = ["-"]
        let replaced = try readCorpus("nulls.csv", options: options)
        #expect(replaced.rows.map { $0[1] } == [.varchar("NULL"), .varchar(""), .null, .varchar("hola")])
    }

    @Test func numericColumnWhoseLastRowIsND() throws {
        let result = try readCorpus("nd_last_row.csv")
        #expect(result.columns == ["id BIGINT", "valor VARCHAR"])
        #expect(result.texts.map { $0[1] } == ["10", "20.5", "30", "N/D"])
    }

    @Test func wideningGoesBigintDecimalDoubleVarchar() throws {
        let result = try readCorpus("widening.csv")
        #expect(result.columns == ["enteros BIGINT", "decimales DECIMAL(4,3)", "dobles DOUBLE", "textos VARCHAR"])
        #expect(result.texts[2] == ["3", "3.125", "300.0", "abc"])
    }

    @Test func raggedRowFailsWithFileLineAndText() {
        let error = csvError { _ = try readCorpus("ragged.csv") }
        #expect(error?.kind == .raggedRow)
        #expect(error?.location.line == 3)
        #expect(error?.description.contains("ragged.csv, line 3") == true)
        #expect(error?.message.contains("\"4,5\"") == true)
    }

    @Test func raggedRowsAreRejectedUnderSkip() throws {
        var options = CSVOptions()
        options.onError = .skip
        let result = try readCorpus("ragged.csv", options: options)
        #expect(result.texts == [["1", "2", "3"], ["6", "7", "8"]])
        #expect(result.summary.rowsRead == 4)
        #expect(result.summary.rowsImported == 2)
        #expect(result.summary.rejected.map(\.line) == [3, 5])
        #expect(result.summary.rejected.map(\.text) == ["4,5", "9,10,11,12"])
    }

    @Test func unterminatedQuoteIsAnError() {
        let error = csvError { _ = try readCorpus("unterminated_quote.csv") }
        #expect(error?.kind == .malformedQuote)
        #expect(error?.location.line == 3)
    }

    @Test func textAfterAClosingQuoteIsAnError() throws {
        let error = csvError { _ = try readCorpus("bad_quote.csv") }
        #expect(error?.kind == .malformedQuote)
        #expect(error?.location.line == 2)
        var options = CSVOptions()
        options.onError = .skip
        let result = try readCorpus("bad_quote.csv", options: options)
        #expect(result.texts == [["2", "ok"]])
    }
}

extension CSVCorpusTests {
    /// DOUBLE specials as Plaza prints them (`inf`, `-inf`, `nan`) infer and read as DOUBLE, so an
    /// exported table re-imports with its type.
    @Test func doubleSpecialsInferAsDouble() throws {
        let path = try temporaryFile("specials.csv", "f,n\n1.5e0,1\ninf,2\n-inf,3\nnan,4\n")
        defer { unlink(path) }
        let result = try readFile(path)
        #expect(result.columns == ["f DOUBLE", "n BIGINT"])
        #expect(result.texts.map { $0[0] } == ["1.5", "inf", "-inf", "nan"])
    }
}
