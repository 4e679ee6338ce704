import Foundation
import PlazaCore
import PlazaFormat
import PlazaVector
import Testing
@testable import PlazaStorage

@Suite struct CatalogTests {
    @Test func createAppendAndReadBack() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(
            directory: directory.path + "/db",
            options: StorageOptions(segmentOptions: SegmentWriterOptions(rowGroupSize: 1000)))
        let created = try write(catalog, "Viajes", .create, bigintSchema, [numbers(0..<3000), numbers(3000..<5000)])
        #expect(created.generation == 1 && created.rowsWritten == 5000 && created.rowCount == 5000)
        let appended = try write(catalog, "viajes", .append, bigintSchema, [numbers(5000..<5100)])
        #expect(appended.generation == 2 && appended.rowCount == 5100 && appended.table == "Viajes")

        #expect(catalog.tableNames() == ["Viajes"])
        #expect(
            catalog.table(named: "VIAJES") == TableDescription(name: "Viajes", schema: bigintSchema, rowCount: 5100))
        let snapshot = try catalog.snapshot(table: "viajes")
        #expect(snapshot.rowCount == 5100 && snapshot.generation == 2)
        #expect(try readAll(snapshot) == (0..<5100).map { [.bigint(Int64($0))] })
        #expect(
            (0..<snapshot.rowGroupCount).map { snapshot.rowCount(rowGroup: $0) } == [1000, 1000, 1000, 1000, 1000, 100])
    }

    @Test func emptyTableIsATable() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path)
        try write(catalog, "vacia", .create, bigintSchema, [])
        let snapshot = try catalog.snapshot(table: "vacia")
        #expect(snapshot.rowCount == 0 && snapshot.rowGroupCount == 0)
        #expect(catalog.table(named: "vacia")?.rowCount == 0)
    }

    @Test func segmentsRollOverAtTheConfiguredSize() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path, options: StorageOptions(rowsPerSegment: 1000))
        let summary = try write(catalog, "t", .create, bigintSchema, [numbers(0..<1500), numbers(1500..<2500)])
        #expect(summary.segmentsWritten == 2)
        #expect(try readAll(catalog.snapshot(table: "t")) == (0..<2500).map { [.bigint(Int64($0))] })
        #expect(files(directory.path + "/t").filter { $0.hasSuffix(".plzseg") }.count == 2)
    }

    @Test func createRefusesAnExistingTableInAnyCase() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path)
        try write(catalog, "Colonias", .create, bigintSchema, [numbers(0..<1)])
        #expect { try catalog.beginWrite(table: "COLONIAS", mode: .create, schema: bigintSchema) } throws: {
            ($0 as! StorageError).kind == .tableExists
        }
        #expect { try catalog.beginWrite(table: "nada", mode: .append, schema: bigintSchema) } throws: {
            ($0 as! StorageError).kind == .tableNotFound
        }
        #expect { try catalog.snapshot(table: "nada") } throws: { ($0 as! StorageError).kind == .tableNotFound }
        #expect(catalog.table(named: "nada") == nil)
    }

    @Test(arguments: [
        "", "..", ".", "a/b", "con espacio", "nul\u{0}", "-x", String(repeating: "a", count: 129), "tab\t",
    ])
    func unsafeNamesAreRejected(name: String) throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path)
        #expect { try catalog.beginWrite(table: name, mode: .create, schema: bigintSchema) } throws: {
            ($0 as! StorageError).kind == .invalidName
        }
        #expect(files(directory.path).isEmpty)
    }

    @Test func unicodeNamesAreAccepted() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path)
        try write(catalog, "Año_2024-ñandú", .create, bigintSchema, [numbers(0..<2)])
        #expect(catalog.table(named: "AÑO_2024-ÑANDÚ")?.rowCount == 2)
    }

    @Test func replaceSwapsRowsAndSchemaAndDeletesOldSegments() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path)
        try write(catalog, "t", .create, bigintSchema, [numbers(0..<100)])
        let before = try catalog.snapshot(table: "t")
        let textSchema = Schema([Field(name: "s", type: .varchar)])
        let summary = try write(
            catalog, "T", .replace, textSchema, [makeBatch([.varchar], [[.varchar("hola")], [.null]])])
        #expect(summary.rowCount == 2 && summary.generation == 2)
        #expect(try readAll(catalog.snapshot(table: "t")) == [[.varchar("hola")], [.null]])
        #expect(files(directory.path + "/t").filter { $0.hasSuffix(".plzseg") }.count == 1)
        // The snapshot opened before the replace still reads the old rows.
        #expect(try readAll(before).count == 100)
        // Replace creates a missing table.
        try write(catalog, "nueva", .replace, bigintSchema, [numbers(0..<5)])
        #expect(catalog.table(named: "nueva")?.rowCount == 5)
    }

    @Test func dropRemovesTheTableButNotOpenSnapshots() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path)
        try write(catalog, "t", .create, bigintSchema, [numbers(0..<10)])
        let before = try catalog.snapshot(table: "t")
        try catalog.dropTable("T")
        #expect(catalog.tableNames().isEmpty)
        #expect(files(directory.path) == [".plaza-locks"])
        #expect(try readAll(before).count == 10)
        #expect { try catalog.dropTable("t") } throws: { ($0 as! StorageError).kind == .tableNotFound }
        try write(catalog, "t", .create, bigintSchema, [numbers(0..<3)])
        #expect(catalog.table(named: "t")?.rowCount == 3)
    }

    @Test func secondWriterIsToldTheTableIsBusy() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path)
        try write(catalog, "t", .create, bigintSchema, [numbers(0..<1)])
        let first = try catalog.beginWrite(table: "t", mode: .append, schema: bigintSchema)
        let other = try StorageCatalog(
            directory: directory.path, options: StorageOptions(lockTimeout: .milliseconds(20)))
        #expect { try other.beginWrite(table: "T", mode: .append, schema: bigintSchema) } throws: {
            let error = $0 as! StorageError
            return error.kind == .busy && error.table == "T"
        }
        #expect { try other.dropTable("t") } throws: { ($0 as! StorageError).kind == .busy }
        // Other tables are not blocked, and readers never wait.
        try write(other, "u", .create, bigintSchema, [numbers(0..<1)])
        #expect(try other.snapshot(table: "t").rowCount == 1)
        try first.append(numbers(1..<2))
        try first.commit()
        let second = try other.beginWrite(table: "t", mode: .append, schema: bigintSchema)
        second.abort()
        #expect(other.table(named: "t")?.rowCount == 2)
    }

    @Test func abortAndDeinitLeaveTheTableUnchanged() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path)
        try write(catalog, "t", .create, bigintSchema, [numbers(0..<10)])
        let committedFiles = files(directory.path + "/t")
        let aborted = try catalog.beginWrite(table: "t", mode: .append, schema: bigintSchema)
        try aborted.append(numbers(10..<20))
        aborted.abort()
        #expect { try aborted.commit() } throws: { ($0 as! StorageError).kind == .transactionClosed }
        do {
            let dropped = try catalog.beginWrite(table: "t", mode: .replace, schema: bigintSchema)
            try dropped.append(numbers(0..<1))
        }
        #expect(files(directory.path + "/t") == committedFiles)
        #expect(try readAll(catalog.snapshot(table: "t")).count == 10)
    }

    @Test func readOnlyCatalogRefusesWrites() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        try write(StorageCatalog(directory: directory.path), "t", .create, bigintSchema, [numbers(0..<4)])
        let reader = try StorageCatalog(directory: directory.path, readOnly: true)
        #expect(try reader.snapshot(table: "t").rowCount == 4)
        #expect { try reader.beginWrite(table: "t", mode: .append, schema: bigintSchema) } throws: {
            ($0 as! StorageError).kind == .readOnly
        }
        #expect { try reader.dropTable("t") } throws: { ($0 as! StorageError).kind == .readOnly }
        #expect { try StorageCatalog(directory: directory.path + "/missing", readOnly: true) } throws: {
            ($0 as! StorageError).kind == .tableNotFound
        }
    }

    @Test func batchesMustMatchTheSchema() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path)
        let transaction = try catalog.beginWrite(table: "t", mode: .create, schema: bigintSchema)
        #expect { try transaction.append(makeBatch([.double], [[.double(1)]])) } throws: {
            ($0 as! StorageError).kind == .schemaMismatch
        }
        #expect { try transaction.append(makeBatch([.bigint, .bigint], [[.bigint(1), .bigint(2)]])) } throws: {
            ($0 as! StorageError).kind == .schemaMismatch
        }
        for bad in [
            Schema([]), Schema([Field(name: "a", type: .bigint), Field(name: "A", type: .double)]),
            Schema([Field(name: "i", type: .interval)]),
        ] {
            #expect(throws: StorageError.self) { try catalog.beginWrite(table: "u", mode: .create, schema: bad) }
        }
    }
}

@Suite struct WriteInputTests {
    @Test func selectedRowsOnlyAreWritten() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path)
        let types: [DataType] = [.bigint, .varchar, .date]
        let batch = makeBatch(
            types, (0..<10).map { [.bigint(Int64($0)), $0 % 3 == 0 ? .null : .varchar("v\($0)"), .date(Int32($0))] })
        let selection = SelectionVector(capacity: 10)
        for (position, row) in [1, 3, 4, 9].enumerated() { selection.indices[position] = Int32(row) }
        selection.count = 4
        batch.selection = selection
        let schema = Schema([
            Field(name: "n", type: .bigint), Field(name: "s", type: .varchar), Field(name: "d", type: .date),
        ])
        try write(catalog, "t", .create, schema, [batch])
        #expect(
            try readAll(catalog.snapshot(table: "t"))
                == [1, 3, 4, 9].map {
                    [.bigint(Int64($0)), $0 % 3 == 0 ? .null : .varchar("v\($0)"), .date(Int32($0))]
                })
    }

    @Test func abortedCreateLeavesNoDirectory() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path)
        let transaction = try catalog.beginWrite(table: "t", mode: .create, schema: bigintSchema)
        try transaction.append(numbers(0..<10))
        transaction.abort()
        #expect(files(directory.path) == [".plaza-locks"])
    }

    @Test func damagedBlockErrorNamesTableFileAndPlace() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path)
        let schema = Schema([Field(name: "n", type: .bigint), Field(name: "texto", type: .varchar)])
        let rows: [[Value]] = (0..<20_000).map {
            [.bigint(Int64($0 &* 7919 % 10_007)), .varchar("fila \($0 &* 31 % 977)")]
        }
        try write(catalog, "t", .create, schema, [makeBatch([.bigint, .varchar], rows)])
        let path = try catalog.snapshot(table: "t").segmentPaths[0]
        var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count / 3] ^= 0x5A
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        do {
            let snapshot = try catalog.snapshot(table: "t")
            _ = try readAll(snapshot)
            Issue.record("a flipped byte in block data was not detected")
        } catch let error as StorageError {
            #expect(error.table == "t" && error.file == path)
            #expect(error.kind == .format && error.underlying != nil)
            #expect(error.rowGroup != nil || error.column != nil || error.block != nil, "\(error)")
        }
    }
}

/// What the planner's estimates read from a snapshot's chunk statistics.
@Suite struct SnapshotEstimateTests {
    @Test func distinctEstimatesAndValueRangesComeFromTheChunks() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(
            directory: directory.path + "/db",
            options: StorageOptions(segmentOptions: SegmentWriterOptions(rowGroupSize: 1000)))
        let schema = Schema([Field(name: "flag", type: .bigint), Field(name: "id", type: .bigint)])
        // Five chunks: a column of 7 values repeated in each, and a column unique throughout.
        let rows: [[Value]] = (0..<5000).map { [.bigint(Int64($0 % 7)), .bigint(Int64($0) - 100)] }
        try write(catalog, "t", .create, schema, [makeBatch([.bigint, .bigint], rows)])
        let snapshot = try catalog.snapshot(table: "t")
        #expect(snapshot.rowGroupCount == 5)
        #expect(snapshot.distinctEstimate(column: 0) == 7)  // the largest chunk's count, not 35
        #expect(snapshot.distinctEstimate(column: 1) == 5000)  // the sum: no value repeats
        #expect(snapshot.valueRange(column: 0) == 0...6)
        #expect(snapshot.valueRange(column: 1) == -100...4899)
    }
}
