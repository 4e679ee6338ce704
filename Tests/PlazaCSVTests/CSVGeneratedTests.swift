import Foundation
import PlazaCore
import Testing

@testable import PlazaCSV

/// Files generated at test time: too big to commit, or built to cross chunk boundaries.
@Suite struct CSVGeneratedTests {
    /// Ten thousand ambiguous `dd/mm/yyyy` dates, then `last`.
    func ambiguousDates(last: String?) -> String {
        var text = "folio,fecha\n"
        for row in 0..<10_000 {
            text += "\(row),\(String(format: "%02d/%02d/%04d", row % 12 + 1, row % 28 % 12 + 1, 2000 + row % 25))\n"
        }
        if let last { text += "10000,\(last)\n" }
        return text
    }

    @Test(arguments: [
        ("25/12/2024", DateOrder.dayFirst, "2024-12-25", false),
        ("12/25/2024", DateOrder.monthFirst, "2024-12-25", false),
        (nil, DateOrder.dayFirst, nil, true),
    ])
    func dateOrderComesFromEveryRowNotTheFirstTenThousand(
        last: String?, order: DateOrder, lastDate: String?, isAmbiguous: Bool
    ) throws {
        let path = try temporaryFile("dates-\(last?.hashValue ?? 0).csv", ambiguousDates(last: last))
        defer { unlink(path) }
        let result = try readFile(path, chunkSize: 16 << 10)
        #expect(result.columns == ["folio BIGINT", "fecha DATE"])
        #expect(result.inference.dateOrders[1] == order)
        #expect(result.rows.count == (last == nil ? 10_000 : 10_001))
        // Row 1 is "02/02/2001" either way; row 12 is "01/01/2012"; row 13 is "02/02/2013" → check an asymmetric one.
        let row5 = result.texts[5][1]  // written "06/06/2005"
        #expect(row5 == "2005-06-06")
        let row13 = result.texts[13][1]  // written "02/02/2013"
        #expect(row13 == "2013-02-02")
        let row30 = result.texts[30][1]  // written "07/03/2005": 7 March day-first, 3 July month-first
        #expect(row30 == (order == .dayFirst ? "2005-03-07" : "2005-07-03"))
        if let lastDate { #expect(result.texts.last?[1] == lastDate) }
        #expect(result.inference.notes.contains { $0.contains("every date has day ≤ 12") } == isAmbiguous)
        #expect(result.batchSizes.allSatisfy { $0 <= 2048 })
    }

    @Test func explicitDateFormatOverridesAmbiguousDefault() throws {
        let path = try temporaryFile("dates-format.csv", ambiguousDates(last: nil))
        defer { unlink(path) }
        var options = CSVOptions()
        options.dateFormat = "%m/%d/%Y"
        let result = try readFile(path, options: options)
        #expect(result.columns == ["folio BIGINT", "fecha DATE"])
        #expect(result.texts[30][1] == "2005-07-03")
    }

    /// Rows with quoted line breaks, delimiters and doubled quotes, a few bad ones, across many chunks.
    func hostileRows(count: Int) -> String {
        var text = "id,nota,monto,dia\r\n"
        for row in 0..<count {
            switch row % 7 {
            case 0: text += "\(row),\"dos\nlíneas, y \"\"comillas\"\"\",\(row).25,2024-01-\(row % 28 + 1)\r\n"
            case 3: text += "\(row),\"\",,\r\n"
            case 5 where row % 1000 == 5: text += "\(row),ragged\r\n"
            default: text += "\(row),plain \(row),\(row),2023-12-\(row % 31 + 1)\r\n"
            }
        }
        return text
    }

    @Test func chunkBoundariesDoNotChangeTheResult() throws {
        let path = try temporaryFile("hostile.csv", hostileRows(count: 6000))
        defer { unlink(path) }
        var options = CSVOptions()
        options.onError = .skip
        let whole = try readFile(path, options: options)
        let chunked = try readFile(path, options: options, chunkSize: 3000)
        #expect(whole.columns == ["id BIGINT", "nota VARCHAR", "monto DECIMAL(6,2)", "dia DATE"])
        #expect(chunked.columns == whole.columns)
        #expect(chunked.rows == whole.rows)
        #expect(whole.summary.rowsRead == 6000)
        #expect(whole.summary.rowsImported == 5999)  // only row 5 is ragged
        #expect(chunked.summary.rejected == whole.summary.rejected)
        // Row 5 sits after rows 0 (two lines) and 1–4, below the header: line 1 + 1 + 2 + 4 + 1 = 8.
        #expect(whole.summary.rejected.first?.line == 8)
        #expect(whole.summary.rejected.first?.text == "5,ragged")
        #expect(whole.rows[0][1] == .varchar("dos\nlíneas, y \"comillas\""))
        #expect(whole.rows[3][1] == .varchar(""))
        #expect(whole.rows[3][2] == .null)
        #expect(whole.batchSizes.allSatisfy { $0 <= 2048 })
        #expect(chunked.rows.map { $0[0] } == whole.rows.map { $0[0] })
    }

    @Test func splitterCutsOnlyAtRecordBoundaries() throws {
        let text = hostileRows(count: 500)
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBufferPointer { buffer in
            let base = UnsafePointer(buffer.baseAddress!)
            let starts = ChunkSplitter.split(
                base, start: 0, end: buffer.count, delimiter: UInt8(ascii: ","), chunkSize: 100)
            #expect(starts.count > 50)
            for start in starts.dropFirst() {
                #expect(base[start - 1] == UInt8(ascii: "\n"))
                let digit = base[start]
                #expect(digit >= UInt8(ascii: "0") && digit <= UInt8(ascii: "9"), "chunk starts inside a quoted field")
            }
        }
    }

    @Test func wideningToAnExistingTableSchema() throws {
        let path = try temporaryFile("append.csv", "a,b,c\n1,2.5,x\n2,3,y\n")
        defer { unlink(path) }
        let schema = Schema([
            Field(name: "a", type: .decimal(precision: 10, scale: 2)), Field(name: "b", type: .double),
            Field(name: "c", type: .varchar),
        ])
        let result = try readFile(path, schema: schema)
        #expect(result.texts == [["1.00", "2.5", "x"], ["2.00", "3.0", "y"]])
        let narrow = Schema([
            Field(name: "a", type: .bigint), Field(name: "b", type: .bigint), Field(name: "c", type: .varchar),
        ])
        let error = csvError { _ = try readFile(path, schema: narrow) }
        #expect(error?.kind == .badValue)
        #expect(error?.location == FileLocation(path: path, line: 2, column: "b"))
        #expect(error?.message == "\"2.5\" is not a valid BIGINT")
        let short = Schema([Field(name: "a", type: .bigint)])
        #expect(csvError { _ = try readFile(path, schema: short) }?.kind == .schemaMismatch)
    }

    @Test func tooManyDecimalDigitsDoNotFit() throws {
        let path = try temporaryFile("precision.csv", "v\n123.456\n")
        defer { unlink(path) }
        let schema = Schema([Field(name: "v", type: .decimal(precision: 5, scale: 2))])
        #expect(csvError { _ = try readFile(path, schema: schema) }?.kind == .badValue)
        let wide = Schema([Field(name: "v", type: .decimal(precision: 6, scale: 3))])
        #expect(try readFile(path, schema: wide).rows == [[.decimal(123_456, scale: 3)]])
    }

    @Test func sinkErrorsStopTheRead() throws {
        struct Stop: Error {}
        let path = try temporaryFile("sink.csv", "n\n" + (0..<10_000).map(String.init).joined(separator: "\n"))
        defer { unlink(path) }
        let file = try CSVFile(path: path, options: CSVOptions())
        file.chunkSize = 1000
        let schema = try file.inferSchema().schema
        var calls = 0
        #expect(throws: Stop.self) {
            _ = try file.read(schema: schema) { _ in
                calls += 1
                throw Stop()
            }
        }
        #expect(calls == 1)
    }

    @Test func batchesArriveInFileOrder() throws {
        let path = try temporaryFile("order.csv", "n,s\n" + (0..<20_000).map { "\($0),v\($0)" }.joined(separator: "\n"))
        defer { unlink(path) }
        var options = CSVOptions()
        options.threads = 2
        let result = try readFile(path, options: options, chunkSize: 7000)
        #expect(result.rows.map { $0[0] } == (0..<20_000).map { .bigint(Int64($0)) })
        #expect(result.batchSizes.allSatisfy { $0 <= 2048 })
        #expect(result.inference.dataRowCount == 20_000)
    }

    @Test func emptyMissingAndHeaderOnlyFiles() throws {
        let empty = try temporaryFile("empty.csv", "\n\n")
        defer { unlink(empty) }
        #expect(csvError { _ = try CSVFile(path: empty, options: CSVOptions()) }?.kind == .emptyFile)
        #expect(csvError { _ = try CSVFile(path: "/nonexistent/x.csv", options: CSVOptions()) }?.kind == .io)
        let headerOnly = try temporaryFile("header.csv", "uno,dos\n")
        defer { unlink(headerOnly) }
        let result = try readFile(headerOnly)
        #expect(result.columns == ["uno VARCHAR", "dos VARCHAR"])
        #expect(result.rows.isEmpty)
    }

    @Test func badOptionsAreRejected() {
        var options = CSVOptions()
        options.dateFormat = "%d/%B/%Y"
        #expect(
            csvError { _ = try CSVFile(path: corpusPath("dates_dmy.csv"), options: options) }?.kind == .invalidOption)
        options = CSVOptions()
        options.delimiter = UInt8(ascii: "\"")
        #expect(
            csvError { _ = try CSVFile(path: corpusPath("dates_dmy.csv"), options: options) }?.kind == .invalidOption)
    }

    @Test func explicitHeaderAndDelimiterOptions() throws {
        var options = CSVOptions()
        options.hasHeader = false
        options.delimiter = UInt8(ascii: ";")
        let result = try readCorpus("semicolon.csv", options: options)
        #expect(result.columns == ["column1 VARCHAR", "column2 VARCHAR", "column3 VARCHAR"])
        #expect(result.rows.count == 3)
    }

    @Test func trailingDelimiterOnlyOnDataRows() throws {
        let path = try temporaryFile("trailing-data.csv", "a;b\n1;x;\n2;y;\n")
        defer { unlink(path) }
        let result = try readFile(path)
        #expect(result.columns == ["a BIGINT", "b VARCHAR"])
        #expect(result.texts == [["1", "x"], ["2", "y"]])
    }

    @Test func readWithoutInferenceStillLearnsTheDateOrder() throws {
        let file = try CSVFile(path: corpusPath("dates_mdy.csv"), options: CSVOptions())
        var dates: [String] = []
        let schema = Schema([Field(name: "folio", type: .bigint), Field(name: "fecha", type: .date)])
        _ = try file.read(schema: schema) { batch in
            for row in 0..<batch.count { dates.append(batch.columns[1].value(at: row).description) }
        }
        #expect(dates == ["2024-01-02", "2024-03-15", "2023-12-31"])
    }

    @Test func progressReportsBytesInOrder() throws {
        let path = try temporaryFile("progress.csv", "n\n" + (0..<5000).map(String.init).joined(separator: "\n"))
        defer { unlink(path) }
        let file = try CSVFile(path: path, options: CSVOptions())
        file.chunkSize = 4000
        var inferReports: [(Int, Int)] = []
        let schema = try file.inferSchema(progress: { inferReports.append(($0, $1)) }).schema
        #expect(inferReports.count > 3)
        #expect(inferReports.last.map { $0.0 == $0.1 } == true)
        var reports: [(Int, Int)] = []
        _ = try file.read(schema: schema, progress: { reports.append(($0, $1)) }) { _ in }
        #expect(reports.count > 3)
        #expect(zip(reports, reports.dropFirst()).allSatisfy { $0.0 < $1.0 })
        #expect(reports.last.map { $0.0 == $0.1 } == true)
    }

    @Test func absurdlyWideRecordsAreAnError() throws {
        let path = try temporaryFile("wide.csv", String(repeating: "x,", count: 20_000) + "x\n")
        defer { unlink(path) }
        #expect(csvError { _ = try CSVFile(path: path, options: CSVOptions()) }?.kind == .tooManyColumns)
    }

    @Test func wideFilesUseSmallerBatches() throws {
        let header = (1...2000).map { "c\($0)" }.joined(separator: ",")
        let row = (1...2000).map(String.init).joined(separator: ",")
        let path = try temporaryFile(
            "wide-ok.csv", header + "\n" + Array(repeating: row, count: 600).joined(separator: "\n"))
        defer { unlink(path) }
        let file = try CSVFile(path: path, options: CSVOptions())
        let schema = try file.inferSchema().schema
        #expect(schema.count == 2000)
        var sizes: [Int] = []
        var last: Value = .null
        let summary = try file.read(schema: schema) { batch in
            sizes.append(batch.count)
            last = batch.columns[1999].value(at: batch.count - 1)
        }
        #expect(summary.rowsImported == 600)
        #expect(sizes.allSatisfy { $0 <= 524 })
        #expect(last == .bigint(2000))
    }

    @Test func valuesAreNeverBentToFitAType() throws {
        let text = """
            padded,mixed_time,huge_id,long_fraction,plus
            " 12",2024-01-31,123456789012345678901,0.12345678901234567890,+5
            7,2024-01-31 08:30:00,5,1.5,6

            """
        let path = try temporaryFile("bent.csv", text)
        defer { unlink(path) }
        let result = try readFile(path)
        #expect(
            result.columns == [
                "padded VARCHAR", "mixed_time TIMESTAMP", "huge_id VARCHAR", "long_fraction DOUBLE", "plus VARCHAR",
            ])
        #expect(
            result.texts[0] == [" 12", "2024-01-31 00:00:00", "123456789012345678901", "0.12345678901234568", "+5"])
    }

    @Test func shortRowsInTextColumnsAreRejectedNotRead() throws {
        let path = try temporaryFile("short-text.csv", "a,b\nx,y\nz\nu,v\n")
        defer { unlink(path) }
        var options = CSVOptions()
        options.onError = .skip
        let result = try readFile(path, options: options)
        #expect(result.texts == [["x", "y"], ["u", "v"]])
        #expect(result.summary.rejected.map(\.line) == [3])
    }

    @Test func guessedCutsInsideQuotedFieldsAreCaught() throws {
        // Every record is a long quoted field of many lines, so cuts at "the next line feed" land inside quotes.
        let field = "\"" + Array(repeating: "línea, con coma", count: 40).joined(separator: "\n") + "\""
        let text = "id,texto\n" + (0..<300).map { "\($0),\(field)" }.joined(separator: "\n") + "\n"
        let path = try temporaryFile("multiline.csv", text)
        defer { unlink(path) }
        let file = try CSVFile(path: path, options: CSVOptions())
        file.chunkSize = 5000
        let guessed = file.text.withMemoryRebound(to: UInt8.self) {
            ChunkSplitter.guess($0.baseAddress!, start: file.bodyStart, end: $0.count, chunkSize: 5000)
        }
        let inference = try file.inferSchema()
        #expect(inference.schema.fields.map(\.type) == [.bigint, .varchar])
        #expect(file.cachedChunkStarts != guessed)
        #expect(
            file.cachedChunkStarts
                == file.text.withMemoryRebound(to: UInt8.self) {
                    ChunkSplitter.split(
                        $0.baseAddress!, start: file.bodyStart, end: $0.count, delimiter: 44, chunkSize: 5000)
                })
        var rows = 0
        let summary = try file.read(schema: inference.schema) { batch in
            for row in 0..<batch.count { #expect(batch.columns[0].value(at: row) == .bigint(Int64(rows + row))) }
            rows += batch.count
        }
        #expect(rows == 300 && summary.rejected.isEmpty)
    }

    @Test func guessedCutsAreKeptWhenRight() throws {
        let path = try temporaryFile("plain-cuts.csv", "n\n" + (0..<5000).map(String.init).joined(separator: "\n"))
        defer { unlink(path) }
        let file = try CSVFile(path: path, options: CSVOptions())
        file.chunkSize = 1000
        _ = try file.inferSchema()
        #expect((file.cachedChunkStarts?.count ?? 0) > 10)
    }
}
