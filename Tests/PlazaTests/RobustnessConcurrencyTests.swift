import Foundation
import Synchronization
import Testing
@testable import Plaza

/// Queries on several threads while imports append (issue 9): no errors, and every query sees
/// exactly one committed state, even when it reads the table twice.
@Suite struct RobustnessConcurrencyTests {
    static let baseRows = 1_000
    static let rowsPerAppend = 3_000
    static let appends = 4

    /// The committed states: after `k` appends the table holds `x = 0 ..< count(k)`.
    static func count(afterAppends k: Int) -> Int64 { Int64(baseRows + k * rowsPerAppend) }
    static func sum(ofCount count: Int64) -> Int64 { count * (count - 1) / 2 }

    /// Reads both sides of the cross join from one snapshot, or they disagree.
    static let twoReads = """
        SELECT a.c, a.s, a.lo, a.hi, a.groups, b.c2, b.s2 FROM
          (SELECT count(*) AS c, sum(x) AS s, min(x) AS lo, max(x) AS hi, count(DISTINCT g) AS groups FROM t) AS a
          CROSS JOIN (SELECT count(*) AS c2, sum(x) AS s2 FROM t) AS b
        """

    static func integer(_ value: Value) -> Int64? {
        switch value {
        case .bigint(let number): return number
        case .decimal(let unscaled, scale: 0): return unscaled
        case .double(let number): return Int64(exactly: number)
        default: return nil
        }
    }

    /// A problem with one query's answer, or nil when it is one committed state (its row count).
    static func check(_ result: QueryResult, lastCount: Int64) -> (count: Int64, problem: String?) {
        guard result.count == 1 else { return (lastCount, "\(result.count) result rows") }
        let values = (0..<7).map { integer(result.value(row: 0, column: $0)) }
        guard values.allSatisfy({ $0 != nil }) else { return (lastCount, "non-integer answer \(result.rows[0])") }
        let (rows, sum, low, high, groups, rows2, sum2) = (
            values[0]!, values[1]!, values[2]!, values[3]!, values[4]!, values[5]!, values[6]!
        )
        let states = (0...appends).map { count(afterAppends: $0) }
        if !states.contains(rows) { return (lastCount, "count \(rows) is no committed state") }
        if sum != Self.sum(ofCount: rows) || low != 0 || high != rows - 1 || groups != min(rows, 7) {
            return (lastCount, "count \(rows) with sum \(sum), min \(low), max \(high), \(groups) groups")
        }
        if rows2 != rows || sum2 != sum {
            return (lastCount, "one query saw two states: \(rows)/\(sum) and \(rows2)/\(sum2)")
        }
        if rows < lastCount { return (lastCount, "went back from \(lastCount) rows to \(rows)") }
        return (rows, nil)
    }

    @Test func queriesOnSeveralThreadsSeeOneStateWhileImportsAppend() throws {
        let directory = TestDirectory()
        let db = try Database(path: directory.database, options: Database.Options(threads: 2))
        try db.createTable(
            "t", schema: Schema([Field(name: "x", type: .bigint), Field(name: "g", type: .varchar)]),
            rows: (0..<Self.baseRows).map { [.bigint(Int64($0)), .varchar("g\($0 % 7)")] })
        var files: [String] = []
        for k in 0..<Self.appends {
            let start = Self.baseRows + k * Self.rowsPerAppend
            let lines = (start..<start + Self.rowsPerAppend).map { "\($0),g\($0 % 7)" }
            files.append(try directory.file("part\(k).csv", "x,g\n" + lines.joined(separator: "\n") + "\n"))
        }
        // A second Database on the same directory: another reader that shares no state with the writer.
        let other = try Database(path: directory.database, options: Database.Options(threads: 1, isReadOnly: true))

        let writerDone = Atomic<Bool>(false)
        let failures = Mutex<[String]>([])
        let queries = Atomic<Int>(0)
        let seenCounts = Mutex<Set<Int64>>([])
        let group = DispatchGroup()
        for reader in 0..<4 {
            let thread = Thread {
                defer { group.leave() }
                let database = reader == 3 ? other : db
                var lastCount: Int64 = 0
                var queriesAfterWriter = 0
                // Keep querying until the writer is done, and twice after (those must see the final state).
                while queriesAfterWriter < 2 {
                    if writerDone.load(ordering: .acquiring) { queriesAfterWriter += 1 }
                    do {
                        let (count, problem) = try Self.check(database.query(Self.twoReads), lastCount: lastCount)
                        if let problem { failures.withLock { $0.append("reader \(reader): \(problem)") } }
                        lastCount = count
                        seenCounts.withLock { _ = $0.insert(count) }
                    } catch {
                        failures.withLock { $0.append("reader \(reader): \(error)") }
                        return
                    }
                    queries.add(1, ordering: .relaxed)
                }
            }
            group.enter()
            thread.start()
        }
        do {
            for file in files {
                try db.importCSV(from: file, into: "t", options: ImportOptions(mode: .append))
            }
        } catch {
            failures.withLock { $0.append("writer: \(error)") }
        }
        writerDone.store(true, ordering: .releasing)
        group.wait()

        #expect(failures.withLock { $0 } == [])
        #expect(queries.load(ordering: .relaxed) >= 12)
        // Every reader finishes with queries after the last commit, so the final state was seen.
        #expect(seenCounts.withLock { $0 }.contains(Self.count(afterAppends: Self.appends)))
        let final = try db.query(Self.twoReads)
        #expect(Self.check(final, lastCount: 0).problem == nil)
        #expect(Self.integer(final.value(row: 0, column: 0)) == Self.count(afterAppends: Self.appends))
    }

    /// An import that fails half-way (a bad row after thousands of good ones) leaves the table as it was,
    /// and queries running meanwhile never see its rows.
    @Test func failedAppendIsNeverSeenByConcurrentQueries() throws {
        let directory = TestDirectory()
        let db = try Database(path: directory.database, options: Database.Options(threads: 2))
        try db.createTable(
            "t", schema: Schema([Field(name: "x", type: .bigint), Field(name: "g", type: .varchar)]),
            rows: (0..<Self.baseRows).map { [.bigint(Int64($0)), .varchar("g\($0 % 7)")] })
        let good = (Self.baseRows..<Self.baseRows + 20_000).map { "\($0),g\($0 % 7)" }.joined(separator: "\n")
        let file = try directory.file("bad.csv", "x,g\n" + good + "\nnot a number,g1\n")
        let done = Atomic<Bool>(false)
        let failures = Mutex<[String]>([])
        let group = DispatchGroup()
        group.enter()
        Thread {
            defer { group.leave() }
            while !done.load(ordering: .acquiring) {
                do {
                    let result = try db.query(Self.twoReads)
                    if let problem = Self.check(result, lastCount: 0).problem {
                        failures.withLock { $0.append(problem) }
                    }
                    if Self.integer(result.value(row: 0, column: 0)) != Int64(Self.baseRows) {
                        failures.withLock { $0.append("saw \(result.rows[0]) during a failing import") }
                    }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                    return
                }
            }
        }.start()
        var importError: PlazaError?
        do {
            var options = ImportOptions(mode: .append)
            options.schema = Schema([Field(name: "x", type: .bigint), Field(name: "g", type: .varchar)])
            try db.importCSV(from: file, into: "t", options: options)
        } catch {
            importError = error
        }
        done.store(true, ordering: .releasing)
        group.wait()
        #expect(importError?.kind == .input)
        #expect(importError?.message.contains("not a number") == true)
        #expect(failures.withLock { $0 } == [])
        #expect(try db.rowCount(ofTable: "t") == Self.baseRows)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.database + "/t")
        #expect(files.filter { $0.hasSuffix(".plzseg") }.count == 1, "\(files)")
    }
}
