import Foundation
import Testing

/// The `plaza` executable end to end: import, query in every format, errors and exit codes, the shell.
@Suite struct CommandLineTests {
    /// A database with the example `reportes` table imported.
    static func imported() throws -> ScratchDirectory {
        let scratch = ScratchDirectory()
        let output = try PlazaBinary.run([
            "import", "--db", scratch.database, "--quiet", PlazaBinary.examples + "/reportes.csv",
        ])
        #expect(output.status == 0, "\(output.stderr)")
        return scratch
    }

    @Test func importPrintsASummary() throws {
        let scratch = ScratchDirectory()
        let output = try PlazaBinary.run(["import", "--db", scratch.database, PlazaBinary.examples + "/reportes.csv"])
        #expect(output.status == 0)
        #expect(output.stdout.contains("table reportes (create): 8 rows read, 8 imported, 0 rejected"))
        #expect(output.stdout.contains("monto  DECIMAL("))
        #expect(output.stderr.isEmpty)
        let again = try PlazaBinary.run(["import", "--db", scratch.database, PlazaBinary.examples + "/reportes.csv"])
        #expect(again.status == 1)
        #expect(again.stderr.contains("--append"))
        let appended = try PlazaBinary.run([
            "import", "--db", scratch.database, "--append", "--quiet", PlazaBinary.examples + "/reportes.csv",
        ])
        #expect(appended.status == 0 && appended.stdout.isEmpty)
        let count = try PlazaBinary.run([
            "query", "--db", scratch.database, "--format", "csv", "SELECT count(*) AS n FROM reportes",
        ])
        #expect(count.stdout == "n\n16\n")
    }

    @Test func deleteThenCompactAndVerify() throws {
        let scratch = try Self.imported()
        let deleted = try PlazaBinary.run([
            "query", "--db", scratch.database, "DELETE FROM reportes WHERE agencia = 'Limpia'",
        ])
        #expect(deleted.status == 0 && deleted.stdout.contains("2 rows"), "\(deleted.stderr)")
        let compact = try PlazaBinary.run(["compact", "--db", scratch.database])
        #expect(compact.status == 0, "\(compact.stderr)")
        #expect(compact.stdout == "reportes: 1 segments rewritten, 2 deleted rows removed, 6 rows\n")
        let verify = try PlazaBinary.run(["verify", "--db", scratch.database, "reportes", "nope"])
        #expect(verify.status == 1)
        #expect(verify.stdout.hasPrefix("reportes: ok, generation 3, 6 rows, 1 segments"))
        #expect(verify.stderr.contains("1 of 2 tables failed verification: nope"))
    }

    @Test func directoriesTablesAndRejects() throws {
        let scratch = ScratchDirectory()
        try FileManager.default.createDirectory(atPath: scratch.path + "/portal", withIntermediateDirectories: true)
        _ = try scratch.file("portal/Obras 2024.csv", "id,monto\n1,10.5\n2,3\n")
        _ = try scratch.file("portal/luz.csv", "id;kw\n1;7\n2;8;9\n3;4\n")
        let imported = try PlazaBinary.run(
            ["import", "--db", scratch.database, "--on-error", "skip", "portal"], directory: scratch.path)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("table luz (create): 3 rows read, 2 imported, 1 rejected"))
        let rejects = try String(contentsOfFile: scratch.path + "/luz.rejects.csv", encoding: .utf8)
        #expect(rejects.hasPrefix("line,reason,text\n3,"))
        let tables = try PlazaBinary.run(["tables", "--db", scratch.database])
        #expect(tables.stdout == "luz\nobras_2024\n")
        let into = try PlazaBinary.run([
            "import", "--db", scratch.database, "--table", "todas", "--quiet", scratch.path + "/portal/Obras 2024.csv",
            scratch.path + "/portal/Obras 2024.csv",
        ])
        #expect(into.status == 0, "\(into.stderr)")
        let count = try PlazaBinary.run([
            "query", "--db", scratch.database, "--format", "csv", "SELECT count(*) AS n FROM todas",
        ])
        #expect(count.stdout == "n\n4\n")
    }

    @Test func everyFormat() throws {
        let scratch = try Self.imported()
        let sql = "SELECT folio, colonia, monto FROM reportes WHERE folio IN (1001, 1004) ORDER BY folio"
        func run(_ format: String) throws -> String {
            let output = try PlazaBinary.run(["query", "--db", scratch.database, "--format", format, sql])
            #expect(output.status == 0, "\(output.stderr)")
            return output.stdout
        }
        #expect(try run("csv") == "folio,colonia,monto\n1001,Centro,1250.50\n1004,Condesa,\n")
        #expect(
            try run("jsonl")
                == "{\"folio\":1001,\"colonia\":\"Centro\",\"monto\":1250.50}\n{\"folio\":1004,\"colonia\":\"Condesa\",\"monto\":null}\n"
        )
        #expect(
            try run("json")
                == "[\n{\"folio\":1001,\"colonia\":\"Centro\",\"monto\":1250.50},\n{\"folio\":1004,\"colonia\":\"Condesa\",\"monto\":null}\n]\n"
        )
        let markdown = try run("markdown")
        #expect(markdown.hasPrefix("| folio | colonia | monto |\n| ---: | --- | ---: |\n| 1001 | Centro | 1250.50 |\n"))
        let table = try run("table")
        #expect(table.contains("│ 1001 │ Centro  │ 1250.50 │") || table.contains("1250.50"))
        #expect(table.contains("NULL"))
        // `none` computes the whole result (a failing cast still fails) and prints nothing.
        #expect(try run("none") == "")
        let failing = try PlazaBinary.run([
            "query", "--db", scratch.database, "--format", "none", "SELECT CAST(colonia AS BIGINT) FROM reportes",
        ])
        #expect(failing.status == 1 && failing.stdout.isEmpty && failing.stderr.contains("Centro"), "\(failing.stderr)")
    }

    @Test func sqlFromStandardInputAndParameters() throws {
        let scratch = try Self.imported()
        let fromInput = try PlazaBinary.run(
            ["query", "--db", scratch.database, "--format", "csv", "-"], input: "SELECT count(*) AS n FROM reportes;\n")
        #expect(fromInput.stdout == "n\n8\n")
        let implicit = try PlazaBinary.run(
            ["query", "--db", scratch.database, "--format", "csv"], input: "SELECT max(folio) AS m FROM reportes")
        #expect(implicit.stdout == "m\n1008\n")
        let withParameters = try PlazaBinary.run([
            "query", "--db", scratch.database, "--format", "csv", "--param", "Centro", "--param", "300",
            "SELECT count(*) AS n FROM reportes WHERE colonia = ? AND monto > ?",
        ])
        #expect(withParameters.stdout == "n\n2\n", "\(withParameters.stderr)")
        let fromEnvironment = try PlazaBinary.run(
            ["query", "--format", "csv", "SELECT count(*) AS n FROM reportes"],
            environment: ["PLAZA_DB": scratch.database])
        #expect(fromEnvironment.stdout == "n\n8\n")
        // SQL that opens with a comment starts with "--" yet is not an option, before or after the options.
        let commented = "-- How many reports?\nSELECT count(*) AS n FROM reportes"
        for arguments in [
            ["query", "--db", scratch.database, "--format", "csv", commented],
            ["query", commented, "--db", scratch.database, "--format", "csv"],
        ] {
            let result = try PlazaBinary.run(arguments)
            #expect(result.status == 0 && result.stdout == "n\n8\n", "\(result.stderr)")
        }
        let misspelled = try PlazaBinary.run(["query", "--db", scratch.database, "--fromat", "csv", "SELECT 1"])
        #expect(misspelled.status == 2)
    }

    @Test func repeatRunsInOneProcessAndPrintsOnce() throws {
        let scratch = try Self.imported()
        for format in ["csv", "table"] {
            let repeated = try PlazaBinary.run([
                "query", "--db", scratch.database, "--format", format, "--repeat", "3", "--timer",
                "SELECT count(*) AS n FROM reportes",
            ])
            let once = try PlazaBinary.run([
                "query", "--db", scratch.database, "--format", format, "SELECT count(*) AS n FROM reportes",
            ])
            #expect(repeated.status == 0 && repeated.stdout == once.stdout, "\(repeated.stderr)")
            let times = repeated.stderr.split(separator: "\n").filter { $0.hasPrefix("Run Time: ") }
            #expect(times.count == 3, "\(repeated.stderr)")
        }
        let zero = try PlazaBinary.run(["query", "--db", scratch.database, "--repeat", "0", "SELECT 1"])
        #expect(zero.status == 2 && zero.stderr.contains("--repeat must be at least 1"))
    }

    @Test func errorsAndExitCodes() throws {
        let scratch = try Self.imported()
        let bad = try PlazaBinary.run(["query", "--db", scratch.database, "SELECT nope FROM reportes"])
        #expect(bad.status == 1)
        #expect(bad.stdout.isEmpty)
        #expect(bad.stderr.hasPrefix("Error: unknown column \"nope\""), "\(bad.stderr)")
        #expect(bad.stderr.contains("LINE 1: SELECT nope FROM reportes\n               ^"))
        let syntax = try PlazaBinary.run(["query", "--db", scratch.database, "SELEC 1"])
        #expect(syntax.status == 1 && syntax.stderr.contains("^"))
        let usage = try PlazaBinary.run(["query", "--db", scratch.database, "--format", "xml", "SELECT 1"])
        #expect(usage.status == 2)
        let both = try PlazaBinary.run(["import", "--db", scratch.database, "--append", "--replace", "x.csv"])
        #expect(both.status == 2)
        #expect(try PlazaBinary.run(["frobnicate"]).status == 2)
        let missing = try PlazaBinary.run(["import", "--db", scratch.database, scratch.path + "/missing.csv"])
        #expect(missing.status == 1 && missing.stderr.contains("missing.csv"))
        let help = try PlazaBinary.run(["--help"])
        #expect(help.status == 0 && help.stdout.contains("import"))
    }

    @Test func tablesAndDescribe() throws {
        let scratch = try Self.imported()
        let tables = try PlazaBinary.run(["tables", "--db", scratch.database])
        #expect(tables.stdout == "reportes\n")
        let describe = try PlazaBinary.run(["describe", "--db", scratch.database, "--format", "csv", "reportes"])
        #expect(describe.stdout.hasPrefix("column_name,column_type,null\nfolio,BIGINT,YES\ncreado,DATE,YES\n"))
        let unknown = try PlazaBinary.run(["describe", "--db", scratch.database, "nope"])
        #expect(unknown.status == 1)
    }

    @Test func shellReadsStatementsFromStandardInput() throws {
        let scratch = try Self.imported()
        let script = """
            .mode csv
            SELECT count(*) AS n
              FROM reportes;
            SELECT 'a;b' AS s; SELECT 2 AS two;
            .tables
            .schema reportes
            SELECT nope FROM reportes;
            .mode bogus
            .quit
            SELECT 'never' AS s;
            """
        let output = try PlazaBinary.run(["shell", "--db", scratch.database], input: script)
        #expect(output.stdout.hasPrefix("n\n8\ns\na;b\ntwo\n2\nreportes\nCREATE TABLE reportes (\n    folio BIGINT,\n"))
        #expect(!output.stdout.contains("never"))
        #expect(output.stderr.contains("unknown column \"nope\""))
        #expect(output.stderr.contains("usage: .mode"))
        #expect(output.status == 1)
        let clean = try PlazaBinary.run(["shell", "--db", scratch.database], input: ".mode jsonl\nSELECT 1 AS x;\n")
        #expect(clean.status == 0 && clean.stdout == "{\"x\":1}\n")
        let limited = try PlazaBinary.run(
            ["shell", "--db", scratch.database, "--memory-limit", "1GB", "--threads", "1"],
            input: ".mode csv\nSELECT count(*) AS n FROM reportes;\n")
        #expect(limited.status == 0 && limited.stdout == "n\n8\n", "\(limited.stderr)")
        let badLimit = try PlazaBinary.run(["shell", "--db", scratch.database, "--memory-limit", "lots"], input: "")
        #expect(badLimit.status == 2 && badLimit.stderr.contains("--memory-limit"))
    }

    @Test func closedPipeEndsQuietly() throws {
        let scratch = ScratchDirectory()
        let rows = (0..<60_000).map { "\($0),valor \($0)" }.joined(separator: "\n")
        let csv = try scratch.file("big.csv", "id,texto\n" + rows + "\n")
        #expect(try PlazaBinary.run(["import", "--db", scratch.database, "--quiet", csv]).status == 0)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [
            "-c",
            "'\(PlazaBinary.path)' query --db '\(scratch.database)' --format csv 'SELECT * FROM big' | head -n 2; exit ${PIPESTATUS:-0}",
        ]
        let errors = Pipe(), output = Pipe()
        process.standardError = errors
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(text == "id,texto\n0,valor 0\n")
        #expect(String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).isEmpty)
    }
}
