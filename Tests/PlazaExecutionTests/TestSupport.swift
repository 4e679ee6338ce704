import PlazaCore
import PlazaExecution
import PlazaPlanner
import PlazaVector
import Testing

/// Builders for plans and tables in tests.
enum T {
    static func col(_ index: Int, _ type: DataType) -> BoundExpression { .column(index: index, type: type) }
    static func lit(_ value: Value, _ type: DataType? = nil) -> BoundExpression {
        .literal(value, type: type ?? value.dataType)
    }
    static func call(_ name: ScalarFunction, _ arguments: [BoundExpression], _ type: DataType) -> BoundExpression {
        .call(name: name, arguments: arguments, type: type)
    }

    static func scan(_ name: String, _ table: InMemoryTable, _ columns: [Int]? = nil, pruning: [ScanPredicate] = [])
        -> LogicalPlan
    {
        let cols = columns ?? Array(0..<table.schema.count)
        return .scan(
            TableScan(
                table: name, columns: cols, fields: cols.map { table.schema.fields[$0] }, pruningPredicates: pruning,
                estimatedRows: table.rowCount))
    }

    static func aggregate(_ input: LogicalPlan, groups: [BoundExpression], _ calls: [AggregateCall]) -> LogicalPlan {
        let fields =
            groups.enumerated().map { Field(name: "g\($0.offset)", type: $0.element.type) }
            + calls.enumerated().map { Field(name: "a\($0.offset)", type: $0.element.type) }
        return .aggregate(input: input, groups: groups, aggregates: calls, fields: fields)
    }

    static func project(_ input: LogicalPlan, _ expressions: [BoundExpression]) -> LogicalPlan {
        .project(
            input: input, expressions: expressions,
            fields: expressions.enumerated().map { Field(name: "c\($0.offset)", type: $0.element.type) })
    }

    /// Runs `plan` over `tables` with the given thread count and returns the rows.
    static func run(_ plan: LogicalPlan, _ tables: [String: InMemoryTable], threads: Int = 2, memoryLimit: Int? = nil)
        throws -> [[Value]]
    {
        let executor = QueryExecutor(
            tables: InMemoryTables(tables), options: ExecutionOptions(threads: threads, memoryLimit: memoryLimit))
        let output = try executor.execute(plan)
        for batch in output.batches {
            #expect(batch.selection == nil && batch.count <= ColumnVector.batchCapacity)
            let hasDictionary = batch.columns.contains(where: \.isDictionary)
            #expect(!hasDictionary)
        }
        return output.rows()
    }

    /// Runs with 1 and 2 threads, checks both agree as multisets, and returns the 1-thread rows.
    static func runBoth(_ plan: LogicalPlan, _ tables: [String: InMemoryTable], ordered: Bool = false) throws
        -> [[Value]]
    {
        let one = try run(plan, tables, threads: 1)
        let two = try run(plan, tables, threads: 2)
        if ordered {
            #expect(one == two)
        } else {
            #expect(sortRows(one) == sortRows(two))
        }
        return one
    }

    static func sortRows(_ rows: [[Value]]) -> [[Value]] {
        rows.sorted {
            $0.map(\.description).joined(separator: "\u{1}") < $1.map(\.description).joined(separator: "\u{1}")
        }
    }

    /// A table whose string column is dictionary-encoded per row group (one dictionary per row group).
    static func dictionaryTable(groups: Int, rowsPerGroup: Int, words: [String]) -> InMemoryTable {
        let schema = Schema([Field(name: "word", type: .varchar), Field(name: "n", type: .bigint)])
        var rowGroups: [[Batch]] = []
        var counter: Int64 = 0
        for _ in 0..<groups {
            let dictionary = ColumnVector(type: .varchar)
            for word in words { dictionary.appendString(word) }
            var batches: [Batch] = []
            var remaining = rowsPerGroup
            while remaining > 0 {
                let n = Swift.min(remaining, ColumnVector.batchCapacity)
                let codes = ColumnVector(type: .varchar, capacity: n)
                codes.makeDictionary(dictionary, count: n)
                let numbers = ColumnVector(type: .bigint, capacity: n)
                let raw = codes.values(as: UInt32.self)
                for i in 0..<n {
                    raw[i] = UInt32(
                        Int(counter) % (words.count + 1) == words.count ? 0 : Int(counter) % (words.count + 1))
                    if Int(counter) % (words.count + 1) == words.count { codes.setValid(false, at: i) }
                    numbers.append(counter)
                    counter += 1
                }
                batches.append(Batch(columns: [codes, numbers], count: n))
                remaining -= n
            }
            rowGroups.append(batches)
        }
        return InMemoryTable(schema: schema, rowGroups: rowGroups)
    }
}
