import PlazaCore
import PlazaExecution
import PlazaPlanner
import PlazaVector
import Testing

/// The aggregation strategies chosen by the shape of the keys (distinct sets marked by dictionary
/// code, direct arrays for small integer keys, hash tables past them) give the answers of the
/// plain hash path, with 1 and 2 threads.
@Suite struct AggregateStrategyTests {
    /// Row groups whose text column `w` has its own dictionary each (entries in another order, some
    /// unused, some rows NULL); `n` counts rows; `y` is a small integer key that grows across row groups.
    static func table() -> (InMemoryTable, rows: [(w: String?, n: Int64, y: Int64)]) {
        let schema = Schema([
            Field(name: "w", type: .varchar), Field(name: "n", type: .bigint), Field(name: "y", type: .bigint),
        ])
        let dictionaries = [["a", "b", "c", "unused"], ["c", "zz", "a"], ["d", "b", "never", "a", "e"]]
        var rowGroups: [[Batch]] = []
        var rows: [(w: String?, n: Int64, y: Int64)] = []
        var n: Int64 = 0
        for (index, words) in dictionaries.enumerated() {
            let dictionary = ColumnVector(type: .varchar)
            for word in words { dictionary.appendString(word) }
            var batches: [Batch] = []
            for _ in 0..<3 {
                let count = 1500
                let codes = ColumnVector(type: .varchar, capacity: count)
                codes.makeDictionary(dictionary, count: count)
                let raw = codes.values(as: UInt32.self)
                let numbers = ColumnVector(type: .bigint, capacity: count)
                let years = ColumnVector(type: .bigint, capacity: count)
                for row in 0..<count {
                    // Skip the entries named "unused"/"never": only some codes are used.
                    let usable = words.indices.filter { words[$0] != "unused" && words[$0] != "never" }
                    let code = usable[Int(n) % usable.count]
                    let isNull = n % 11 == 0
                    raw[row] = isNull ? 0 : UInt32(code)
                    if isNull { codes.setValid(false, at: row) }
                    let year = 2019 + Int64(index) * 3 + n % 3
                    numbers.append(n)
                    years.append(year)
                    rows.append((isNull ? nil : words[code], n, year))
                    n += 1
                }
                batches.append(Batch(columns: [codes, numbers, years], count: count))
            }
            rowGroups.append(batches)
        }
        return (InMemoryTable(schema: schema, rowGroups: rowGroups), rows)
    }

    static func text(_ s: String?) -> Value { s.map { .varchar($0) } ?? .null }

    @Test func distinctByCodeMatchesValuesAcrossDictionaries() throws {
        let (t, rows) = Self.table()
        let w = T.col(0, .varchar), n = T.col(1, .bigint)
        let small = T.call(.less, [n, T.lit(.bigint(5000))], .boolean)
        let calls = [
            AggregateCall(function: .count, arguments: [w], isDistinct: true, type: .bigint),
            AggregateCall(function: .count, arguments: [w], isDistinct: true, filter: small, type: .bigint),
            AggregateCall(function: .min, arguments: [w], isDistinct: true, type: .varchar),
        ]
        let ungrouped = try T.runBoth(T.aggregate(T.scan("t", t), groups: [], calls), ["t": t])
        let all = Set(rows.compactMap(\.w)), early = Set(rows.filter { $0.n < 5000 }.compactMap(\.w))
        #expect(ungrouped == [[.bigint(Int64(all.count)), .bigint(Int64(early.count)), .varchar(all.min()!)]])

        let key = T.call(.modulo, [n, T.lit(.bigint(4))], .bigint)
        let grouped = T.sortRows(try T.runBoth(T.aggregate(T.scan("t", t), groups: [key], calls), ["t": t]))
        var expected: [[Value]] = []
        for k in Int64(0)..<4 {
            let mine = rows.filter { $0.n % 4 == k }
            let words = Set(mine.compactMap(\.w)), firstWords = Set(mine.filter { $0.n < 5000 }.compactMap(\.w))
            expected.append([
                .bigint(k), .bigint(Int64(words.count)), .bigint(Int64(firstWords.count)), Self.text(words.min()),
            ])
        }
        #expect(grouped == T.sortRows(expected))
    }

    @Test func distinctByCodeGroupedByDictionaryText() throws {
        let (t, rows) = Self.table()
        let w = T.col(0, .varchar), y = T.col(2, .bigint)
        let plan = T.aggregate(
            T.scan("t", t), groups: [w],
            [AggregateCall(function: .count, arguments: [y], isDistinct: true, type: .bigint)])
        let byWord = Dictionary(grouping: rows, by: \.w).map { word, mine in
            [Self.text(word), .bigint(Int64(Set(mine.map(\.y)).count))]
        }
        #expect(T.sortRows(try T.runBoth(plan, ["t": t])) == T.sortRows(byWord))
        let reverse = T.aggregate(
            T.scan("t", t), groups: [y],
            [AggregateCall(function: .count, arguments: [w], isDistinct: true, type: .bigint)])
        let byYear = Dictionary(grouping: rows, by: \.y).map { year, mine in
            [Value.bigint(year), .bigint(Int64(Set(mine.compactMap(\.w)).count))]
        }
        #expect(T.sortRows(try T.runBoth(reverse, ["t": t])) == T.sortRows(byYear))
    }

    @Test func smallIntegerKeysWithTextAgreeWithExpected() throws {
        let (t, rows) = Self.table()
        let w = T.col(0, .varchar), n = T.col(1, .bigint), y = T.col(2, .bigint)
        let calls = [
            AggregateCall(function: .countStar, arguments: [], type: .bigint),
            AggregateCall(function: .sum, arguments: [n], type: .bigint),
        ]
        // Text ids × a year that widens the direct array twice; NULL text sends batches to the table.
        let plan = T.aggregate(T.scan("t", t), groups: [w, y], calls)
        var sums: [String: (key: [Value], count: Int64, sum: Int64)] = [:]
        for row in rows {
            let id = "\(row.w ?? "NULL")|\(row.y)"
            sums[id, default: ([Self.text(row.w), .bigint(row.y)], 0, 0)].count += 1
            sums[id]!.sum += row.n
        }
        let expected = sums.values.map { $0.key + [.bigint($0.count), .bigint($0.sum)] }
        #expect(T.sortRows(try T.runBoth(plan, ["t": t])) == T.sortRows(expected))

        // A year and a month-like key without NULLs: every batch goes through the direct array.
        let month = T.call(.modulo, [n, T.lit(.bigint(12))], .bigint)
        let dense = T.aggregate(T.scan("t", t), groups: [y, month], calls)
        var cells: [[Int64]: (Int64, Int64)] = [:]
        for row in rows {
            cells[[row.y, row.n % 12], default: (0, 0)].0 += 1
            cells[[row.y, row.n % 12]]!.1 += row.n
        }
        let denseExpected = cells.map {
            [Value.bigint($0.key[0]), .bigint($0.key[1]), .bigint($0.value.0), .bigint($0.value.1)]
        }
        #expect(T.sortRows(try T.runBoth(dense, ["t": t])) == T.sortRows(denseExpected))
    }

    @Test func keysOutgrowingTheDirectArrayFallBackToHashing() throws {
        let (t, rows) = Self.table()
        let n = T.col(1, .bigint)
        // n × 100 spans 1.35M values (× 2 parities): the first batches fit the direct array, later ones do not.
        let wide = T.call(.multiply, [n, T.lit(.bigint(100))], .bigint)
        let parity = T.call(.modulo, [n, T.lit(.bigint(2))], .bigint)
        let plan = T.aggregate(
            T.scan("t", t), groups: [parity, wide], [AggregateCall(function: .countStar, arguments: [], type: .bigint)])
        let result = try T.runBoth(plan, ["t": t])
        #expect(result.count == rows.count)
        #expect(Set(result.map { $0[1] }).count == rows.count)
        #expect(result.allSatisfy { $0[2] == .bigint(1) })
    }

    @Test func moreThanAMillionGroups() throws {
        // 2^20 distinct keys over 4 row groups; row groups 0/2 and 1/3 hold the same keys, so each key appears twice.
        let keys = 1 << 20, half = keys / 2
        let schema = Schema([Field(name: "k", type: .bigint)])
        var groups: [[Batch]] = []
        for group in 0..<4 {
            var batches: [Batch] = []
            var start = 0
            while start < half {
                let n = Swift.min(ColumnVector.batchCapacity, half - start)
                let v = ColumnVector(type: .bigint, capacity: n)
                let raw = v.data.assumingMemoryBound(to: Int64.self)
                // Spread the keys (odd multiplier) so they are not one dense range.
                for i in 0..<n { raw[i] = Int64((group % 2) * half + start + i) &* 7_919 }
                v.setCount(n)
                batches.append(Batch(columns: [v], count: n))
                start += n
            }
            groups.append(batches)
        }
        let t = InMemoryTable(schema: schema, rowGroups: groups)
        let grouped = T.aggregate(
            T.scan("t", t), groups: [T.col(0, .bigint)],
            [AggregateCall(function: .countStar, arguments: [], type: .bigint)])
        let plan = T.aggregate(
            grouped, groups: [],
            [
                AggregateCall(function: .countStar, arguments: [], type: .bigint),
                AggregateCall(function: .min, arguments: [T.col(1, .bigint)], type: .bigint),
                AggregateCall(function: .max, arguments: [T.col(1, .bigint)], type: .bigint),
                AggregateCall(function: .sum, arguments: [T.col(0, .bigint)], type: .bigint),
            ])
        let sum = Int64(keys - 1) * Int64(keys) / 2 * 7_919
        #expect(try T.runBoth(plan, ["t": t]) == [[.bigint(Int64(keys)), .bigint(2), .bigint(2), .bigint(sum)]])
    }
}
