import PlazaCore
import PlazaFormat
import PlazaVector
import Testing
@testable import PlazaStorage

/// Appends that widen column types (Formats/plaza-manifest.md §7).
@Suite struct WideningTests {
    @Test func appendWidensAndOldRowsReadExactlyInTheNewTypes() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path)
        let old = Schema([
            Field(name: "a", type: .bigint), Field(name: "fecha", type: .date),
            Field(name: "monto", type: .decimal(precision: 10, scale: 2)), Field(name: "s", type: .bigint),
            Field(name: "big", type: .bigint), Field(name: "p", type: .decimal(precision: 6, scale: 1)),
        ])
        let oldTypes = old.fields.map(\.type)
        try write(
            catalog, "t", .create, old,
            [
                makeBatch(
                    oldTypes,
                    [
                        [
                            .bigint(5), .date(1), .decimal(1234, scale: 2), .bigint(42), .bigint(9_007_199_254_740_993),
                            .decimal(-12345, scale: 1),
                        ],
                        [.null, .date(-1), .decimal(-5, scale: 2), .null, .bigint(-3), .null],
                    ])
            ])
        // New data: other column order, other case, wider types.
        let new = Schema([
            Field(name: "S", type: .varchar), Field(name: "MONTO", type: .double),
            Field(name: "Fecha", type: .timestamp),
            Field(name: "A", type: .decimal(precision: 12, scale: 3)), Field(name: "big", type: .double),
            Field(name: "p", type: .decimal(precision: 4, scale: 3)),
        ])
        let transaction = try catalog.beginWrite(table: "t", mode: .append, schema: new)
        #expect(
            transaction.schema
                == Schema([
                    Field(name: "a", type: .decimal(precision: 18, scale: 3)), Field(name: "fecha", type: .timestamp),
                    Field(name: "monto", type: .double), Field(name: "s", type: .varchar),
                    Field(name: "big", type: .double),
                    Field(name: "p", type: .decimal(precision: 8, scale: 3)),
                ]))
        try transaction.append(
            makeBatch(
                transaction.schema.fields.map(\.type),
                [
                    [
                        .decimal(1, scale: 3), .timestamp(7), .double(0.5), .varchar("x"), .double(1.5),
                        .decimal(1, scale: 3),
                    ]
                ]))
        try transaction.commit()

        let snapshot = try catalog.snapshot(table: "T")
        #expect(snapshot.schema == transaction.schema)
        #expect(catalog.table(named: "t")?.schema == transaction.schema)
        let rows = try readAll(snapshot)
        #expect(
            rows == [
                [
                    .decimal(5000, scale: 3), .timestamp(86_400_000_000), .double(12.34), .varchar("42"),
                    .double(9_007_199_254_740_992), .decimal(-1_234_500, scale: 3),
                ],
                [.null, .timestamp(-86_400_000_000), .double(-0.05), .null, .double(-3), .null],
                [
                    .decimal(1, scale: 3), .timestamp(7), .double(0.5), .varchar("x"), .double(1.5),
                    .decimal(1, scale: 3),
                ],
            ])
        // A subset of columns in another order converts too.
        #expect(try readAll(snapshot, columns: [3, 0]).first == [.varchar("42"), .decimal(5000, scale: 3)])
    }

    /// Values print as `Value.description` (PlazaCore's formatting) prints them.
    @Test func everyTypeWidensToVarcharAsItPrints() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path)
        let types: [DataType] = [.boolean, .bigint, .double, .decimal(precision: 5, scale: 2), .date, .timestamp]
        let schema = Schema(types.enumerated().map { Field(name: "c\($0)", type: $1) })
        let values: [Value] = [
            .boolean(true), .bigint(-7), .double(2.5), .decimal(-105, scale: 2), .date(19_723), .timestamp(1_500_000),
        ]
        try write(catalog, "t", .create, schema, [makeBatch(types, [values])])
        let text = Schema(schema.fields.map { Field(name: $0.name, type: .varchar) })
        try write(catalog, "t", .append, text, [])
        let rows = try readAll(catalog.snapshot(table: "t"))
        #expect(
            rows == [
                ["true", "-7", "2.5", "-1.05", "2024-01-01", "1970-01-01 00:00:01.500000"].map { Value.varchar($0) }
            ])
    }

    @Test func narrowerNewDataKeepsTheTableType() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path)
        try write(
            catalog, "t", .create, Schema([Field(name: "x", type: .double)]), [makeBatch([.double], [[.double(1)]])])
        let transaction = try catalog.beginWrite(table: "t", mode: .append, schema: bigintSchema.renamed("x"))
        #expect(transaction.schema == Schema([Field(name: "x", type: .double)]))
        transaction.abort()
    }

    @Test func incompatibleAppendsAreRefused() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path)
        let schema = Schema([
            Field(name: "a", type: .bigint), Field(name: "d", type: .decimal(precision: 18, scale: 2)),
        ])
        try write(
            catalog, "t", .create, schema,
            [makeBatch([.bigint, .decimal(precision: 18, scale: 2)], [[.bigint(1), .decimal(1, scale: 2)]])])
        let refused = [
            Schema([Field(name: "a", type: .boolean), Field(name: "d", type: .decimal(precision: 18, scale: 2))]),
            Schema([Field(name: "a", type: .bigint), Field(name: "d", type: .decimal(precision: 18, scale: 4))]),
            Schema([Field(name: "a", type: .bigint)]),
            Schema([
                Field(name: "a", type: .bigint), Field(name: "d", type: .decimal(precision: 18, scale: 2)),
                Field(name: "e", type: .bigint),
            ]),
            Schema([Field(name: "a", type: .bigint), Field(name: "z", type: .decimal(precision: 18, scale: 2))]),
        ]
        for schema in refused {
            #expect { try catalog.beginWrite(table: "t", mode: .append, schema: schema) } throws: {
                ($0 as! StorageError).kind == .schemaMismatch
            }
        }
    }

    @Test func bigintThatWouldOverflowTheDecimalIsRefusedBeforeWriting() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path)
        try write(
            catalog, "t", .create, bigintSchema,
            [numbers(0..<3), makeBatch([.bigint], [[.bigint(10_000_000_000_000_000)]])])
        #expect {
            try catalog.beginWrite(
                table: "t", mode: .append, schema: Schema([Field(name: "n", type: .decimal(precision: 5, scale: 3))]))
        } throws: {
            let error = $0 as! StorageError
            return error.kind == .schemaMismatch && error.column == "n"
        }
        // The refusal released the lock and left the table as it was.
        #expect(try readAll(catalog.snapshot(table: "t")).count == 4)
        try write(catalog, "t", .append, Schema([Field(name: "n", type: .decimal(precision: 3, scale: 1))]), [])
        #expect(catalog.table(named: "t")?.schema.fields[0].type == .decimal(precision: 18, scale: 1))
        #expect(try readAll(catalog.snapshot(table: "t")).last == [.decimal(100_000_000_000_000_000, scale: 1)])
    }
}

extension Schema {
    /// The schema with its single column renamed.
    func renamed(_ name: String) -> Schema { Schema([Field(name: name, type: fields[0].type)]) }
}

/// Scans prune row groups by statistics, except where a segment stores a column in an older type.
@Suite struct SnapshotPruningTests {
    @Test func predicatesPruneRowGroupsButNotConvertedColumns() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(
            directory: directory.path, options: StorageOptions(segmentOptions: SegmentWriterOptions(rowGroupSize: 1000))
        )
        try write(catalog, "t", .create, bigintSchema, [numbers(0..<3000)])
        let above = ScanPredicate(column: 0, comparison: .greater, constants: [.bigint(2500)])
        let snapshot = try catalog.snapshot(table: "t")
        #expect(
            (0..<3).map { snapshot.mightMatch(rowGroup: $0, columns: [0], predicates: [above]) } == [
                false, false, true,
            ])

        try write(
            catalog, "t", .append, Schema([Field(name: "n", type: .double)]), [makeBatch([.double], [[.double(0.5)]])])
        let widened = try catalog.snapshot(table: "t")
        let aboveDouble = ScanPredicate(column: 0, comparison: .greater, constants: [.double(2500)])
        #expect(
            (0..<4).map { widened.mightMatch(rowGroup: $0, columns: [0], predicates: [aboveDouble]) } == [
                true, true, true, false,
            ])
        let isNull = ScanPredicate(column: 0, comparison: .isNull, constants: [])
        #expect(
            (0..<4).map { widened.mightMatch(rowGroup: $0, columns: [0], predicates: [isNull]) } == [
                false, false, false, false,
            ])
        let cursor = try widened.openRowGroup(2, columns: [0], predicates: [aboveDouble])
        let batch = Batch(types: [.double])
        var count = 0
        while try cursor.next(into: batch) { count += batch.liveCount }
        #expect(count == 1000)
    }
}

/// A top-N reads row groups best first by their statistics (`TableSnapshot.ordered`).
@Suite struct SnapshotOrderTests {
    @Test func rowGroupsComeByTheirBoundsAndConvertedSegmentsLast() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(
            directory: directory.path, options: StorageOptions(segmentOptions: SegmentWriterOptions(rowGroupSize: 1000))
        )
        try write(catalog, "t", .create, bigintSchema, [numbers(0..<3000)])
        let snapshot = try catalog.snapshot(table: "t")
        #expect(snapshot.ordered([0, 1, 2], byColumn: 0, descending: true) == [2, 1, 0])
        #expect(snapshot.ordered([2, 0, 1], byColumn: 0, descending: false) == [0, 1, 2])
        // A segment stored in a narrower type has statistics in that type: it goes last.
        try write(
            catalog, "t", .append, Schema([Field(name: "n", type: .double)]),
            [makeBatch([.double], [[.double(99_999)]])])
        let widened = try catalog.snapshot(table: "t")
        #expect(widened.ordered([0, 1, 2, 3], byColumn: 0, descending: true) == [3, 0, 1, 2])
    }
}

@Suite struct DictionaryConversionTests {
    /// Low-cardinality columns come back from segments as dictionary vectors; converted, they
    /// stay dictionary vectors over a converted dictionary, with the same values.
    @Test func dictionaryColumnsConvertThroughTheirDictionary() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path)
        let text = ["Coyoacán", "Tlalpan", "Iztapalapa"]
        var rows: [[Value]] = []
        var expected: [[Value]] = []
        for row in 0..<5000 {
            let name: Value = row % 7 == 0 ? .null : .varchar(text[row % 3])
            let amount = Int64(row % 3) * 100_000_000 - 5
            rows.append([name, .decimal(amount, scale: 2)])
            expected.append([name, .decimal(amount * 10, scale: 3)])
        }
        let types: [DataType] = [.varchar, .decimal(precision: 9, scale: 2)]
        let schema = Schema([Field(name: "name", type: types[0]), Field(name: "k", type: types[1])])
        try write(
            catalog, "t", .create, schema,
            [makeBatch(types, Array(rows[0..<2048])), makeBatch(types, Array(rows[2048...]))])
        let wide = Schema([
            Field(name: "name", type: .varchar), Field(name: "k", type: .decimal(precision: 12, scale: 3)),
        ])
        try write(catalog, "t", .append, wide, [])
        let snapshot = try catalog.snapshot(table: "t")
        #expect(try readAll(snapshot) == expected)
        #expect(try readAll(snapshot, columns: [1]) == expected.map { [$0[1]] })
    }

    @Test func dictionaryIsConvertedOnceAndCodesAreKept() throws {
        let dictionary = ColumnVector(type: .date)
        for day: Int32 in [-1, 0, 19_000] { dictionary.append(day) }
        let source = ColumnVector(type: .date)
        source.makeDictionary(dictionary, count: 5)
        let codes = source.values(as: UInt32.self)
        for (row, code) in [2, 0, 1, 2, 0].enumerated() { codes[row] = UInt32(code) }
        source.setValid(false, at: 3)
        let conversion = ColumnConversion(from: .date, to: .timestamp)
        var cache: ConvertedDictionary?
        let target = ColumnVector(type: .timestamp)
        try conversion.convert(source, into: target, cache: &cache)
        let micros = CivilCalendar.microsPerDay
        #expect(target.isDictionary && target.dictionary === cache?.converted)
        #expect(
            (0..<5).map { target.value(at: $0) } == [
                .timestamp(19_000 * micros), .timestamp(-micros), .timestamp(0), .null, .timestamp(-micros),
            ])
        let first = cache?.converted
        try conversion.convert(source, into: target, cache: &cache)
        #expect(cache?.converted === first)
        // A flat vector after a dictionary one converts flat.
        let flat = ColumnVector(type: .date)
        flat.append(Int32(1))
        try conversion.convert(flat, into: target, cache: &cache)
        #expect(!target.isDictionary && target.value(at: 0) == .timestamp(micros))
    }
}
