import Foundation
import Testing
@testable import Plaza

/// The optimizer pre-aggregates the large side of a join exactly when the stored statistics show
/// few key values (results of every shape: Tests/SQL/join/eager_aggregation.test).
@Suite struct EagerAggregationTests {
    /// `facts(k VARCHAR, id BIGINT, n BIGINT)`: 400 rows, 4 keys, unique ids; `lookup(k, id, region)`: 8 rows.
    static func database(_ directory: TestDirectory) throws -> Database {
        let db = try Database(path: directory.database)
        let keys = ["a", "b", "c", "d"]
        try db.createTable(
            "facts",
            schema: Schema([
                Field(name: "k", type: .varchar), Field(name: "id", type: .bigint), Field(name: "n", type: .bigint),
            ]),
            rows: (0..<400).map { [.varchar(keys[$0 % 4]), .bigint(Int64($0)), .bigint(Int64($0 % 7))] })
        try db.createTable(
            "lookup",
            schema: Schema([
                Field(name: "k", type: .varchar), Field(name: "id", type: .bigint),
                Field(name: "region", type: .varchar),
            ]),
            rows: (0..<8).map { [.varchar(keys[$0 % 4]), .bigint(Int64($0 * 50)), .varchar($0 < 4 ? "norte" : "sur")] })
        return db
    }

    /// Every value of a result as text, row by row.
    func texts(_ result: QueryResult) -> [[String]] {
        (0..<result.count).map { row in result.fields.indices.map { result.value(row: row, column: $0).description } }
    }

    func plan(_ db: Database, _ sql: String) throws -> String {
        texts(try db.query("EXPLAIN " + sql)).map { $0.joined() }.joined(separator: "\n")
    }

    @Test func fewKeyValuesAggregateBelowTheJoin() throws {
        let directory = TestDirectory()
        let db = try Self.database(directory)
        let sql =
            "SELECT l.region, count(*) AS c, sum(f.n) AS s FROM facts f JOIN lookup l ON f.k = l.k GROUP BY l.region ORDER BY 1"
        let explained = try plan(db, sql)
        #expect(explained.contains("Aggregate groups=[k] aggregates=[count_star(), sum(n)]"), "\(explained)")
        // Every fact row matches one lookup row of each region.
        let total = (0..<400).reduce(0) { $0 + $1 % 7 }
        #expect(texts(try db.query(sql)) == [["norte", "400", String(total)], ["sur", "400", String(total)]])
    }

    @Test func manyKeyValuesJoinFirst() throws {
        let directory = TestDirectory()
        let db = try Self.database(directory)
        // `id` is unique in `facts`: pre-aggregating by it would not shrink anything.
        let sql = "SELECT l.region, count(*) FROM facts f JOIN lookup l ON f.id = l.id GROUP BY l.region"
        let explained = try plan(db, sql)
        #expect(!explained.contains("Aggregate groups=[id]"), "\(explained)")
        #expect(explained.contains("Join INNER"), "\(explained)")
        // Aggregates that do not combine from partial results are never pushed below the join.
        let distinct = try plan(
            db, "SELECT l.region, count(DISTINCT f.n) FROM facts f JOIN lookup l ON f.k = l.k GROUP BY 1")
        #expect(!distinct.contains("Aggregate groups=[k]"), "\(distinct)")
        let average = try plan(db, "SELECT l.region, avg(f.n) FROM facts f JOIN lookup l ON f.k = l.k GROUP BY 1")
        #expect(!average.contains("Aggregate groups=[k]"), "\(average)")
    }
}
