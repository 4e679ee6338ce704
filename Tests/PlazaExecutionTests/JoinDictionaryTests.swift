import PlazaCore
import PlazaExecution
import PlazaPlanner
import PlazaVector
import Testing

/// Joins whose probe key arrives dictionary-encoded, with a different dictionary in every row
/// group (the per-entry answers must be recomputed per dictionary), checked against a nested-loop
/// join of the same rows, with 1 and 2 threads.
@Suite struct JoinDictionaryTests {
    /// Per row group of the probe table: its dictionary ("zz" and "y" are missing from the build).
    static let dictionaries: [[String]] = [["a", "b", "zz"], ["c", "b", "a"], ["zz", "y"], ["b"]]
    static let rowsPerGroup = 2_100

    /// The probe table's rows: (k, v), k NULL every few rows.
    static let probeRows: [[Value]] = {
        var rows: [[Value]] = []
        var v: Int64 = 0
        for (group, words) in dictionaries.enumerated() {
            for i in 0..<rowsPerGroup {
                let pick = (i * 7 + group) % (words.count + 1)
                rows.append([pick == words.count ? .null : .varchar(words[pick]), .bigint(v)])
                v += 1
            }
        }
        return rows
    }()

    /// The probe table, its key column dictionary-encoded with one dictionary per row group.
    static let probe: InMemoryTable = {
        let schema = Schema([Field(name: "k", type: .varchar), Field(name: "v", type: .bigint)])
        var groups: [[Batch]] = []
        for (group, words) in dictionaries.enumerated() {
            let dictionary = ColumnVector(type: .varchar)
            for word in words { dictionary.appendString(word) }
            var batches: [Batch] = []
            var start = 0
            while start < rowsPerGroup {
                let n = Swift.min(ColumnVector.batchCapacity, rowsPerGroup - start)
                let keys = ColumnVector(type: .varchar, capacity: n)
                keys.makeDictionary(dictionary, count: n)
                let codes = keys.values(as: UInt32.self)
                let values = ColumnVector(type: .bigint, capacity: n)
                for i in 0..<n {
                    let row = probeRows[group * rowsPerGroup + start + i]
                    if case .varchar(let word) = row[0] {
                        codes[i] = UInt32(words.firstIndex(of: word)!)
                    } else {
                        codes[i] = 0
                        keys.setValid(false, at: i)
                    }
                    values.append(value: row[1])
                }
                batches.append(Batch(columns: [keys, values], count: n))
                start += n
            }
            groups.append(batches)
        }
        return InMemoryTable(schema: schema, rowGroups: groups)
    }()

    /// Unique build keys: "d" matches no probe row, a NULL key never matches; NULL values too.
    static let uniqueRows: [[Value]] = [
        [.varchar("a"), .varchar("A"), .bigint(1)],
        [.varchar("b"), .varchar("B"), .null],
        [.varchar("c"), .null, .bigint(3)],
        [.varchar("d"), .varchar("D"), .bigint(4)],
        [.null, .varchar("X"), .bigint(5)],
    ]
    /// Duplicate build keys (many-to-many with the probe's repeated keys).
    static let duplicateRows: [[Value]] = [
        [.varchar("a"), .varchar("A1"), .bigint(1)],
        [.varchar("a"), .varchar("A2"), .bigint(2)],
        [.varchar("b"), .varchar("B"), .bigint(3)],
        [.null, .varchar("X"), .bigint(5)],
    ]
    static let buildSchema = Schema([
        Field(name: "k", type: .varchar), Field(name: "name", type: .varchar), Field(name: "n", type: .bigint),
    ])

    let tables: [String: InMemoryTable] = [
        "r": JoinDictionaryTests.probe,
        "u": InMemoryTable(
            schema: JoinDictionaryTests.buildSchema, rows: JoinDictionaryTests.uniqueRows, rowGroupSize: 2),
        "d": InMemoryTable(
            schema: JoinDictionaryTests.buildSchema, rows: JoinDictionaryTests.duplicateRows, rowGroupSize: 3),
    ]

    func join(_ left: String, _ right: String, _ kind: Join.Kind) -> LogicalPlan {
        let leftKey = T.col(0, .varchar), rightKey = T.col(0, .varchar)
        return .join(
            Join(
                left: T.scan(left, tables[left]!), right: T.scan(right, tables[right]!), kind: kind,
                leftKeys: [leftKey], rightKeys: [rightKey], residual: nil))
    }

    /// The rows of a nested-loop join: NULL keys never match; LEFT, RIGHT and FULL pad with NULLs.
    static func expected(_ left: [[Value]], _ right: [[Value]], _ kind: Join.Kind) -> [[Value]] {
        var rows: [[Value]] = []
        let nulls = [Value](repeating: .null, count: right.first?.count ?? 0)
        func matches(_ l: [Value], _ r: [Value]) -> Bool { !l[0].isNull && !r[0].isNull && r[0] == l[0] }
        for l in left {
            let found = right.filter { matches(l, $0) }
            switch kind {
            case .inner, .right: rows += found.map { l + $0 }
            case .left, .full: rows += found.isEmpty ? [l + nulls] : found.map { l + $0 }
            case .semi: if !found.isEmpty { rows.append(l) }
            case .anti: if found.isEmpty && !l[0].isNull { rows.append(l) }
            case .notExists: if found.isEmpty { rows.append(l) }
            }
        }
        if kind == .right || kind == .full {
            let leftNulls = [Value](repeating: .null, count: left.first?.count ?? 0)
            for r in right where !left.contains(where: { matches($0, r) }) { rows.append(leftNulls + r) }
        }
        return T.sortRows(rows)
    }

    @Test(arguments: [Join.Kind.inner, .left, .right, .full, .semi, .notExists])
    func probeByDictionaryEntryMatchesNestedLoop(_ kind: Join.Kind) throws {
        let rows = T.sortRows(try T.runBoth(join("r", "u", kind), tables))
        #expect(rows == Self.expected(Self.probeRows, Self.uniqueRows, kind))
        #expect(rows.count > Self.rowsPerGroup)
    }

    @Test(arguments: [Join.Kind.semi, .notExists])
    func smallLeftSideIsBuiltAndMarkedByTheLargeRightSide(_ kind: Join.Kind) throws {
        // EXISTS over a large table from a small one: the small left side is the hash table, the
        // right side probes it and marks; the marked (SEMI) or unmarked (NOT EXISTS) rows come out
        // once each, duplicates kept, NULL keys never marked.
        for (name, rows) in [("u", Self.uniqueRows), ("d", Self.duplicateRows)] {
            let plan = join(name, "r", kind)
            #expect(T.sortRows(try T.runBoth(plan, tables)) == Self.expected(rows, Self.probeRows, kind))
            let executor = QueryExecutor(tables: InMemoryTables(tables), options: ExecutionOptions(threads: 2))
            let text = try executor.explainAnalyze(plan)
            #expect(text.contains("(build: left)"), "\(text)")
        }
    }

    @Test func buildSideIsTheOneWithFewerRowsLeftAfterItsFilters() throws {
        // As stored, "r" (8,400 rows) is larger than "m" (2,001 rows), but a filter keeping one
        // key leaves it an estimated tenth, 840 rows of 2 columns against 2,001 of 3: it is built.
        let other: [[Value]] = (0..<2_000).map { [.varchar("z\($0)"), .varchar("Z"), .bigint(Int64($0))] }
        let many = InMemoryTable(
            schema: Self.buildSchema, rows: other + [[.varchar("b"), .varchar("B"), .bigint(-1)]], rowGroupSize: 2_048)
        let filtered = LogicalPlan.filter(
            input: T.scan("r", tables["r"]!),
            predicate: T.call(.equal, [T.col(0, .varchar), T.lit(.varchar("b"))], .boolean))
        let plan = LogicalPlan.join(
            Join(
                left: filtered, right: T.scan("m", many), kind: .inner, leftKeys: [T.col(0, .varchar)],
                rightKeys: [T.col(0, .varchar)], residual: nil))
        var all = tables
        all["m"] = many
        let executor = QueryExecutor(tables: InMemoryTables(all), options: ExecutionOptions(threads: 2))
        let text = try executor.explainAnalyze(plan)
        #expect(text.contains("HASH_JOIN INNER (build: left)"), "\(text)")
        let rows = try T.runBoth(plan, all)
        #expect(rows.count == Self.probeRows.filter { $0[0] == .varchar("b") }.count)
    }

    @Test func antiJoinAgainstBuildWithoutNullKeys() throws {
        let build = Array(Self.uniqueRows.dropLast())
        let tables = ["r": Self.probe, "n": InMemoryTable(schema: Self.buildSchema, rows: build, rowGroupSize: 2)]
        let plan = LogicalPlan.join(
            Join(
                left: T.scan("r", Self.probe), right: T.scan("n", tables["n"]!), kind: .anti,
                leftKeys: [T.col(0, .varchar)], rightKeys: [T.col(0, .varchar)], residual: nil))
        let rows = T.sortRows(try T.runBoth(plan, tables))
        #expect(rows == Self.expected(Self.probeRows, build, .anti))
        #expect(rows.allSatisfy { $0[0] == .varchar("zz") || $0[0] == .varchar("y") })
    }

    @Test(arguments: [Join.Kind.inner, .left])
    func duplicateBuildKeysExpandEveryPair(_ kind: Join.Kind) throws {
        let rows = T.sortRows(try T.runBoth(join("r", "d", kind), tables))
        #expect(rows == Self.expected(Self.probeRows, Self.duplicateRows, kind))
    }

    @Test func leftJoinBuiltOnTheLeftAddsUnmatchedBuildRows() throws {
        // The small left side builds; the dictionary-encoded right side probes.
        let rows = T.sortRows(try T.runBoth(join("u", "r", .left), tables))
        #expect(rows == Self.expected(Self.uniqueRows, Self.probeRows, .left))
        #expect(rows.contains { $0[0] == .varchar("d") && $0[3].isNull })
        #expect(rows.contains { $0[0].isNull && $0[1] == .varchar("X") && $0[3].isNull })
    }

    @Test func groupByBuildColumnAfterDictionaryProbe() throws {
        // GROUP BY the build side's name (NULL for "c") over the join: counts per name.
        let plan = T.aggregate(
            join("r", "u", .inner), groups: [T.col(3, .varchar)],
            [AggregateCall(function: .countStar, arguments: [], isDistinct: false, type: .bigint)])
        let rows = T.sortRows(try T.runBoth(plan, tables))
        var counts: [Value: Int64] = [:]
        for row in Self.expected(Self.probeRows, Self.uniqueRows, .inner) { counts[row[3], default: 0] += 1 }
        #expect(rows == T.sortRows(counts.map { [$0.key, .bigint($0.value)] }))
        #expect(counts[.null] != nil)
    }
}
