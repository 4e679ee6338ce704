import Foundation
import PlazaVector
import Testing
@testable import Plaza
@testable import PlazaCLI

/// The output formats, over results built by hand.
@Suite struct OutputFormatTests {
    static func result(rows: Int = 2) -> QueryResult {
        let fields = [
            Field(name: "name", type: .varchar), Field(name: "n", type: .bigint), Field(name: "x", type: .double),
            Field(name: "amount", type: .decimal(precision: 10, scale: 2)), Field(name: "day", type: .date),
            Field(name: "at", type: .timestamp), Field(name: "ok", type: .boolean),
        ]
        let batch = Batch(types: fields.map(\.type))
        let sample: [[Value]] = [
            [
                .varchar("a,\"b\"\nc"), .bigint(-3), .double(0.1), .decimal(1250, scale: 2), .date(19_753),
                .timestamp(1_500_000), .boolean(true),
            ],
            [.varchar(""), .null, .double(2), .null, .null, .timestamp(86_400_000_000), .boolean(false)],
        ]
        for row in 0..<rows {
            for (position, value) in sample[row % 2].enumerated() { batch.columns[position].append(value: value) }
        }
        batch.count = rows
        let builder = ResultBuilder(fields: fields)
        builder.append(batch)
        return builder.finish()
    }

    /// Renders through a pipe and returns the text.
    static func render(_ format: OutputFormat, _ result: QueryResult, width: Int? = nil) throws -> String {
        var descriptors: [Int32] = [0, 0]
        #expect(pipe(&descriptors) == 0)
        let output = PlazaCLI.OutputStream(descriptor: descriptors[1])
        try ResultPrinter(format: format, output: output, maxWidth: width).print(result)
        close(descriptors[1])
        let data = FileHandle(fileDescriptor: descriptors[0], closeOnDealloc: true).readDataToEndOfFile()
        return String(decoding: data, as: UTF8.self)
    }

    @Test func csvQuotesAndPrintsNullAsEmpty() throws {
        let text = try Self.render(.csv, Self.result())
        #expect(
            text == """
                name,n,x,amount,day,at,ok
                "a,""b""
                c",-3,0.1,12.50,2024-01-31,1970-01-01 00:00:01.500000,true
                "",,2.0,,,1970-01-02 00:00:00,false

                """)
    }

    @Test func jsonAndJsonLines() throws {
        let json = try Self.render(.json, Self.result())
        #expect(
            json == """
                [
                {"name":"a,\\"b\\"\\nc","n":-3,"x":0.1,"amount":12.50,"day":"2024-01-31","at":"1970-01-01 00:00:01.500000","ok":true},
                {"name":"","n":null,"x":2.0,"amount":null,"day":null,"at":"1970-01-02 00:00:00","ok":false}
                ]

                """)
        let lines = try Self.render(.jsonl, Self.result()).split(separator: "\n")
        #expect(lines.count == 2)
        #expect(
            lines[1] == #"{"name":"","n":null,"x":2.0,"amount":null,"day":null,"at":"1970-01-02 00:00:00","ok":false}"#)
        #expect(try Self.render(.json, Self.result(rows: 0)) == "[]\n")
    }

    @Test func markdownAlignsNumbersRight() throws {
        let text = try Self.render(.markdown, Self.result())
        let lines = text.split(separator: "\n")
        #expect(lines[0] == "| name | n | x | amount | day | at | ok |")
        #expect(lines[1] == "| --- | ---: | ---: | ---: | --- | --- | --- |")
        #expect(lines[2] == "| a,\"b\"<br>c | -3 | 0.1 | 12.50 | 2024-01-31 | 1970-01-01 00:00:01.500000 | true |")
        #expect(lines[3] == "|  | NULL | 2.0 | NULL | NULL | 1970-01-02 00:00:00 | false |")
    }

    @Test func tableAlignsAndShowsNull() throws {
        let text = try Self.render(.table, Self.result())
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[1].hasPrefix("│   name   │   n    │"))
        #expect(lines[2].hasPrefix("│ varchar  │ bigint │"))
        #expect(lines[4].hasPrefix("│ a,\"b\"\\nc │     -3 │    0.1 │         12.50 │ 2024-01-31 │"))
        #expect(lines[5].hasPrefix("│          │   NULL │    2.0 │          NULL │ NULL       │"))
        #expect(lines.count == 7)
    }

    @Test func longTablesAreShortenedInTheMiddle() throws {
        let text = try Self.render(.table, Self.result(rows: 100))
        #expect(text.hasSuffix("100 rows (40 shown)\n"))
        #expect(text.contains("│ · "))
        #expect(text.split(separator: "\n").count == 4 + 40 + 1 + 1 + 1)
    }

    @Test func wideTablesFitTheTerminal() throws {
        let text = try Self.render(.table, Self.result(), width: 60)
        for line in text.split(separator: "\n").dropLast() { #expect(line.count <= 60) }
        #expect(text.contains("…"))
        #expect(text.contains("columns ("))
    }

    @Test func statementSplittingRespectsQuotesAndComments() {
        let (statements, rest) = splitStatements("SELECT ';' AS a; -- c;\nSELECT \"x;y\" /* ; */ FROM t;\nSELECT 3")
        #expect(statements == ["SELECT ';' AS a", " -- c;\nSELECT \"x;y\" /* ; */ FROM t"])
        #expect(rest == "\nSELECT 3")
        #expect(shellWords(".import 'my file.csv' t") == [".import", "my file.csv", "t"])
    }

    @Test func parametersFromTheCommandLine() {
        #expect(parseParameter("2024") == .bigint(2024))
        #expect(parseParameter("-12.50") == .decimal(-1250, scale: 2))
        #expect(parseParameter("Agua y Drenaje") == .varchar("Agua y Drenaje"))
        #expect(parseParameter("1.2.3") == .varchar("1.2.3"))
        #expect(parseParameter("06700") == .varchar("06700"))
        #expect(parseParameter("0") == .bigint(0))
        #expect(parseParameter("0.5") == .decimal(5, scale: 1))
        #expect(parseSize("4GB") == 4_000_000_000)
        #expect(parseSize("512MiB") == 536_870_912)
        #expect(parseSize("lots") == nil)
    }
}
