import PlazaCore
import Testing

@testable import PlazaSQL

/// COPY and files in FROM: trees, printing that reparses to the same print, and errors at the spot.
@Suite struct CopyParserTests {
    @Test(arguments: [
        "COPY reportes TO 'reportes.csv'",
        "COPY (SELECT a, count(*) AS n FROM t GROUP BY a) TO 'n.parquet' (FORMAT 'parquet', COMPRESSION 'zstd')",
        "COPY t TO 'dir' (FORMAT 'parquet', PARTITION_BY (anio, agencia), OVERWRITE)",
        "COPY t TO 'x.csv' (DELIMITER ';', HEADER false)",
        "COPY t TO 'it''s.csv'",
    ])
    func printedCopyParsesToTheSamePrint(_ sql: String) throws {
        let first = try Parser.parse(sql)
        guard first.count == 1, case .copy = first[0] else {
            Issue.record("\(sql) did not parse as COPY")
            return
        }
        let printed = first[0].sql
        #expect(try Parser.parse(printed).map(\.sql) == [printed])
    }

    @Test func bareWordsAndFlagsBecomeOptions() throws {
        guard case .copy(let copy) = try Parser.parse("COPY t TO 'x' (FORMAT parquet, HEADER, PARTITION_BY (a, b))")[0]
        else {
            Issue.record("not a COPY")
            return
        }
        #expect(copy.path == "x")
        #expect(copy.options.map(\.name.name) == ["FORMAT", "HEADER", "PARTITION_BY"])
        #expect(copy.options[0].value?.kind == .literal(.string("parquet")))
        #expect(copy.options[1].value == nil)
        #expect(copy.options[2].columns?.map(\.name) == ["a", "b"])
    }

    @Test func copyFromIsAnInsertOfTheFileReader() throws {
        let statement = try Parser.parse("COPY t FROM 'data/r.csv' (HEADER, DELIMITER ';')")[0]
        #expect(statement.sql == "INSERT INTO t SELECT * FROM read_csv('data/r.csv', (header = TRUE), (delim = ';'))")
        let parquet = try Parser.parse("COPY t FROM 'r.parquet'")[0]
        #expect(parquet.sql == "INSERT INTO t SELECT * FROM read_parquet('r.parquet')")
    }

    @Test(arguments: [
        ("r.parquet", "read_parquet"), ("R.PARQUET", "read_parquet"), ("r.csv", "read_csv"), ("r.tsv", "read_csv"),
        ("r.jsonl", "read_json"), ("r.ndjson", "read_json"), ("r.json.gz", "read_json"), ("r", "read_csv"),
    ])
    func aQuotedPathInFromReadsByItsExtension(_ path: String, _ reader: String) throws {
        guard case .select(let query) = try Parser.parse("SELECT * FROM '\(path)' AS x")[0],
            case .function(let name, let arguments, let alias, _)? = query.select.from
        else {
            Issue.record("no table function for \(path)")
            return
        }
        #expect(name.name == reader)
        #expect(arguments.first?.kind == .literal(.string(path)))
        #expect(alias?.name == "x")
    }

    @Test(arguments: [
        ("COPY t 'x.csv'", "expected TO or FROM", 8),
        ("COPY t TO x", "expected a quoted file path", 11),
        ("COPY (SELECT 1) FROM 'x.csv'", "name the table, not a query", 1),
        ("COPY t TO 'x' (FORMAT", "expected", 22),
        ("COPY t TO 'x' (PARTITION_BY (a,))", "expected a column name", 32),
        ("COPY t FROM 'x' (FORMAT xml)", "FORMAT of COPY … FROM is csv, parquet, json or xlsx", 25),
    ])
    func mistakesAreReportedAtTheirPlace(_ sql: String, _ fragment: String, _ column: Int) {
        do {
            _ = try Parser.parse(sql)
            Issue.record("expected an error for \(sql)")
        } catch {
            #expect(error.message.contains(fragment), "\(error.message)")
            #expect(error.span.column == column, "\(sql): column \(error.span.column)")
        }
    }
}
