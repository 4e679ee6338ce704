import Foundation
import Plaza
import Testing

/// Runs the README's "Five minutes for a Swift service" code on the bundled example, so the tour
/// stays true: if an API it shows changes, this stops compiling or fails.
@Suite struct ReadmeTourTests {
    struct ColoniaCount: Decodable, Equatable {
        let colonia: String
        let n: Int64
    }

    /// The repository's `Examples/reportes.csv`, found from this file's path.
    static let example = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Examples/reportes.csv").path

    @Test func serviceTourRunsOnTheExample() async throws {
        let scratch = TestDirectory()
        let db = try Database(path: scratch.database)
        try db.importCSV(from: Self.example, into: "reportes")
        let result = try db.query(
            "SELECT colonia, count(*) AS n FROM reportes WHERE year(creado) = ? GROUP BY 1 ORDER BY n DESC, colonia LIMIT 10",
            parameters: [2024])
        var seen: [String] = []
        for row in result.rows {
            let colonia: String = try row["colonia"]
            let n: Int64 = try row["n"]
            seen.append("\(colonia)=\(n)")
        }
        #expect(seen == ["Centro=3", "Condesa=2", "Roma Norte=2", "Doctores=1"])
        let top = try result.decode([ColoniaCount].self)
        #expect(top.first == ColoniaCount(colonia: "Centro", n: 3))
        #expect(try result.column("n", as: Int64.self) == [3, 2, 2, 1])

        let byAgency = try db.prepare("SELECT count(*) AS c FROM reportes WHERE agencia = $1")
        let agua = try byAgency.query(parameters: ["Agua y Drenaje"])
        #expect(try agua.column("c", as: Int64.self) == [4])

        var streamed = 0
        for try await batch in db.stream("SELECT * FROM reportes") { streamed += batch.count }
        #expect(streamed == 8)

        do {
            _ = try db.query("SELECT nope FROM reportes")
            Issue.record("an unknown column must throw")
        } catch {
            #expect(error.kind == .binding)
            #expect(error.message.hasPrefix("unknown column \"nope\""))
        }

        // The tour's transaction: three statements over two tables, one commit.
        let csv = scratch.database + "-presupuesto_2024.csv"
        try "anio,monto\n2024,10\n2024,5\n".write(toFile: csv, atomically: true, encoding: .utf8)
        try db.execute("CREATE TABLE presupuesto AS SELECT 2024 AS anio, 1 AS monto UNION ALL SELECT 2023, 7")
        try db.transaction { tx in
            try tx.execute("DELETE FROM presupuesto WHERE anio = ?", parameters: [2024])
            try tx.execute("INSERT INTO presupuesto SELECT * FROM read_csv('\(csv)')")
            try tx.execute(
                "CREATE OR REPLACE TABLE resumen AS SELECT anio, sum(monto) AS total FROM presupuesto GROUP BY anio")
        }
        let totals = try db.query("SELECT total FROM resumen ORDER BY anio")
        #expect(try totals.column("total", as: Int64.self) == [7, 15])
    }
}
