import Dispatch
import Foundation
import PlazaCore
import PlazaFormat
import PlazaVector
import Synchronization
import Testing
@testable import PlazaStorage

/// Readers on other threads during appends and replaces each see one committed state (issue 9).
@Suite struct ConcurrencyTests {
    /// Rows of every committed state are `0 ..< n` for some n (appends) or `1_000_000 ..< 1_000_000 + n`
    /// (after the replace), so a reader can tell a torn or mixed snapshot from a consistent one.
    @Test func readersSeeConsistentSnapshotsWhileAWriterCommits() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(
            directory: directory.path,
            options: StorageOptions(rowsPerSegment: 300, segmentOptions: SegmentWriterOptions(rowGroupSize: 200)))
        try write(catalog, "t", .create, bigintSchema, [numbers(0..<100)])

        let done = Atomic<Bool>(false)
        let failures = Mutex<[String]>([])
        let snapshotsRead = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            if worker == 0 {
                defer { done.store(true, ordering: .releasing) }
                do {
                    for step in 1...12 {
                        try write(
                            catalog, "t", .append, bigintSchema,
                            [numbers(step * 100..<step * 100 + 60), numbers(step * 100 + 60..<(step + 1) * 100)])
                    }
                    try write(catalog, "t", .replace, bigintSchema, [numbers(1_000_000..<1_000_500)])
                    for step in 1...4 {
                        try write(
                            catalog, "t", .append, bigintSchema,
                            [numbers(1_000_000 + step * 500..<1_000_000 + (step + 1) * 500)])
                    }
                } catch {
                    failures.withLock { $0.append("writer: \(error)") }
                }
                return
            }
            let reader = try! StorageCatalog(directory: directory.path, readOnly: true)
            var lastGeneration: UInt64 = 0
            while !done.load(ordering: .acquiring) || snapshotsRead.load(ordering: .relaxed) < 6 {
                do {
                    let snapshot = try reader.snapshot(table: "t")
                    let values = try readAll(snapshot).map { row -> Int64 in
                        guard case .bigint(let value) = row[0] else { return -1 }
                        return value
                    }
                    let first: Int64 = values.first ?? 0
                    let expected = (0..<Int64(snapshot.rowCount)).map { first + $0 }
                    if values != expected || (first != 0 && first != 1_000_000) {
                        failures.withLock {
                            $0.append(
                                "generation \(snapshot.generation): \(values.count) rows from \(first) are not one state"
                            )
                        }
                    }
                    if snapshot.generation < lastGeneration {
                        failures.withLock {
                            $0.append("generation went back from \(lastGeneration) to \(snapshot.generation)")
                        }
                    }
                    lastGeneration = snapshot.generation
                    snapshotsRead.add(1, ordering: .relaxed)
                } catch {
                    failures.withLock { $0.append("reader: \(error)") }
                }
            }
        }
        #expect(failures.withLock { $0 } == [])
        #expect(snapshotsRead.load(ordering: .relaxed) >= 6)
        let final = try catalog.snapshot(table: "t")
        #expect(final.rowCount == 2500 && final.generation == 18)
        #expect(files(directory.path + "/t").filter { $0.hasSuffix(".plzseg") }.count == final.segmentPaths.count)
    }

    /// A snapshot keeps reading its rows after the table is replaced and dropped under it.
    @Test func snapshotOutlivesReplaceAndDrop() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path)
        try write(catalog, "t", .create, bigintSchema, [numbers(0..<5000)])
        let snapshot = try catalog.snapshot(table: "t")
        try write(catalog, "t", .replace, bigintSchema, [numbers(0..<1)])
        try catalog.dropTable("t")
        let rows = try DispatchQueue.global().sync { try readAll(snapshot) }
        #expect(rows == (0..<5000).map { [.bigint(Int64($0))] })
    }
}

@Suite struct PinnedCatalogTests {
    @Test func bindingAndExecutionSeeOneState() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path)
        try write(catalog, "t", .create, bigintSchema, [numbers(0..<10)])
        let pinned = PinnedCatalog(catalog)
        #expect(pinned.table(named: "T") == TableDescription(name: "t", schema: bigintSchema, rowCount: 10))
        try write(
            catalog, "t", .append, Schema([Field(name: "n", type: .double)]), [makeBatch([.double], [[.double(1)]])])
        let snapshot = try pinned.snapshot(table: "t")
        #expect(snapshot.rowCount == 10 && snapshot.schema == bigintSchema)
        #expect(PinnedCatalog(catalog).table(named: "t")?.rowCount == 11)
        #expect(pinned.table(named: "missing") == nil)
        #expect(pinned.tableNames() == ["t"])
    }
}

@Suite struct LockWaitTests {
    @Test func waitingWriterProceedsOnceTheFirstCommits() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path, options: StorageOptions(lockTimeout: .seconds(30)))
        try write(catalog, "t", .create, bigintSchema, [numbers(0..<1)])
        let first = try catalog.beginWrite(table: "t", mode: .append, schema: bigintSchema)
        try first.append(numbers(1..<2))
        let started = DispatchSemaphore(value: 0)
        let result = Mutex<Int?>(nil)
        let waiter = Thread {
            started.signal()
            let summary = try? write(catalog, "t", .append, bigintSchema, [numbers(2..<3)])
            result.withLock { $0 = summary?.rowCount }
        }
        waiter.start()
        started.wait()
        usleep(30_000)
        try first.commit()
        while !waiter.isFinished { usleep(1_000) }
        #expect(result.withLock { $0 } == 3)
        #expect(try readAll(catalog.snapshot(table: "t")) == (0..<3).map { [.bigint(Int64($0))] })
    }
}

@Suite struct SharedSnapshotTests {
    /// The executor's pattern: threads take row groups of one snapshot from a shared counter.
    @Test func threadsScanRowGroupsOfOneSnapshot() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(
            directory: directory.path,
            options: StorageOptions(rowsPerSegment: 3000, segmentOptions: SegmentWriterOptions(rowGroupSize: 1000)))
        try write(catalog, "t", .create, bigintSchema, (0..<5).map { numbers($0 * 2000..<($0 + 1) * 2000) })
        try write(catalog, "t", .append, Schema([Field(name: "n", type: .double)]), [])
        let snapshot = try catalog.snapshot(table: "t")
        #expect(snapshot.rowGroupCount == 10)
        let next = Atomic<Int>(0)
        let sums = Mutex<[Double]>([])
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            var local = 0.0
            let batch = Batch(types: [.double])
            while true {
                let group = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard group < snapshot.rowGroupCount else { break }
                do {
                    let cursor = try snapshot.openRowGroup(group, columns: [0], predicates: [])
                    while try cursor.next(into: batch) {
                        let column = batch.columns[0].isDictionary ? batch.columns[0].flattened() : batch.columns[0]
                        local += column.values(as: Double.self).reduce(0, +)
                    }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
            sums.withLock { $0.append(local) }
        }
        #expect(failures.withLock { $0 } == [])
        #expect(sums.withLock { $0.reduce(0, +) } == Double((0..<10_000).reduce(0, +)))
    }
}

@Suite struct StorageErrorTests {
    @Test func descriptionNamesEveryPlace() {
        let error = StorageError(
            .damaged, "checksum mismatch", table: "viajes", file: "/db/viajes/MANIFEST", column: "monto", rowGroup: 2,
            block: 5)
        #expect(
            error.description
                == "damaged table: table \"viajes\", file \"/db/viajes/MANIFEST\", column \"monto\", row group 2, block 5: checksum mismatch"
        )
        #expect(StorageError(.busy, "wait").description == "table busy: wait")
    }
}
