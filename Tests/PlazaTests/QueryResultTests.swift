import PlazaVector
import Testing
@testable import Plaza

/// Results built by hand from vectors, as the executor hands them over.
@Suite struct QueryResultTests {
    struct ColoniaCount: Decodable, Equatable {
        var colonia: String
        var n: Int64
        var note: String?
    }

    /// colonia VARCHAR, n BIGINT, note VARCHAR (NULL in row 2), monto DECIMAL(10,2), ok BOOLEAN, day DATE.
    static func sample(selection: [Int32]? = nil) -> QueryResult {
        let fields = [
            Field(name: "colonia", type: .varchar), Field(name: "n", type: .bigint),
            Field(name: "note", type: .varchar),
            Field(name: "monto", type: .decimal(precision: 10, scale: 2)), Field(name: "ok", type: .boolean),
            Field(name: "day", type: .date),
        ]
        let batch = Batch(types: fields.map(\.type))
        let rows: [[Value]] = [
            [.varchar("Centro"), .bigint(12), .varchar("a"), .decimal(150, scale: 2), .boolean(true), .date(19_753)],
            [.varchar("Roma"), .bigint(7), .null, .decimal(-5, scale: 2), .boolean(false), .date(0)],
            [.varchar("Condesa"), .bigint(3), .varchar(""), .decimal(0, scale: 2), .null, .null],
        ]
        for row in rows { for (position, value) in row.enumerated() { batch.columns[position].append(value: value) } }
        batch.count = rows.count
        if let selection {
            let vector = SelectionVector(capacity: selection.count)
            for (position, row) in selection.enumerated() { vector.indices[position] = row }
            vector.count = selection.count
            batch.selection = vector
        }
        let builder = ResultBuilder(fields: fields)
        builder.append(batch)
        return builder.finish()
    }

    @Test func rowsReadTypedValuesByName() throws {
        let result = Self.sample()
        #expect(result.count == 3)
        let first = result.rows[0]
        let colonia: String = try first["colonia"]
        let n: Int64 = try first["n"]
        let asInt: Int = try first["N"]
        let monto: Double = try first["monto"]
        #expect(colonia == "Centro" && n == 12 && asInt == 12 && monto == 1.5)
        let day: String = try first["day"]
        #expect(day == "2024-01-31")
        let note: String? = try result.rows[1]["note"]
        #expect(note == nil)
        let empty: String? = try result.rows[2]["note"]
        #expect(empty == "")
    }

    @Test func readingNullAsNonOptionalThrows() {
        #expect(throws: PlazaError.self) { let _: String = try Self.sample().rows[1]["note"] }
        do {
            let _: String = try Self.sample().rows[1]["note"]
        } catch {
            #expect(error.kind == .usage)
            #expect(error.message.contains("note"))
        }
    }

    @Test func wrongTypeAndUnknownColumnThrow() {
        #expect(throws: PlazaError.self) { let _: Int64 = try Self.sample().rows[0]["colonia"] }
        #expect(throws: PlazaError.self) { let _: Bool = try Self.sample().rows[0]["n"] }
        do {
            let _: Int64 = try Self.sample().rows[0]["nope"]
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains("no column \"nope\""))
        }
    }

    @Test func wholeColumns() throws {
        let result = Self.sample()
        #expect(try result.column("n", as: Int64.self) == [12, 7, 3])
        #expect(try result.column("colonia", as: String.self) == ["Centro", "Roma", "Condesa"])
        #expect(try result.column("note", as: String?.self) == ["a", nil, ""])
        #expect(try result.column("monto", as: Double.self) == [1.5, -0.05, 0])
        #expect(try result.column("ok", as: Bool?.self) == [true, false, nil])
        #expect(throws: PlazaError.self) { try result.column("note", as: String.self) }
        #expect(throws: PlazaError.self) { try result.column("zzz", as: Int64.self) }
    }

    @Test func decodeRowsIntoStructs() throws {
        let decoded = try Self.sample().decode([ColoniaCount].self)
        #expect(
            decoded == [
                ColoniaCount(colonia: "Centro", n: 12, note: "a"), ColoniaCount(colonia: "Roma", n: 7, note: nil),
                ColoniaCount(colonia: "Condesa", n: 3, note: ""),
            ])
        struct Wrong: Decodable { var colonia: Int64 }
        #expect(throws: PlazaError.self) { try Self.sample().decode([Wrong].self) }
    }

    @Test func selectionVectorKeepsOnlySelectedRows() throws {
        let result = Self.sample(selection: [0, 2])
        #expect(try result.column("colonia", as: String.self) == ["Centro", "Condesa"])
        #expect(try result.column("ok", as: Bool?.self) == [true, nil])
        #expect(
            result.rows.map(\.description) == [
                "Centro\t12\ta\t1.50\ttrue\t2024-01-31", "Condesa\t3\t\t0.00\tNULL\tNULL",
            ])
    }

    @Test func manyBatchesConcatenate() throws {
        let builder = ResultBuilder(fields: [Field(name: "x", type: .bigint), Field(name: "s", type: .varchar)])
        for part in 0..<3 {
            let batch = Batch(types: [.bigint, .varchar])
            for row in 0..<2048 {
                let value = Int64(part * 2048 + row)
                batch.columns[0].append(value: row % 100 == 0 ? .null : .bigint(value))
                batch.columns[1].append(value: row % 333 == 5 ? .null : .varchar("v\(value)"))
            }
            batch.count = 2048
            builder.append(batch)
        }
        let result = builder.finish()
        #expect(result.count == 6144)
        let xs = try result.column("x", as: Int64?.self)
        #expect(xs[100] == nil && xs[101] == 101 && xs[6143] == 6143)
        let strings = try result.column("s", as: String?.self)
        #expect(strings[4097] == "v4097" && strings[5] == nil && strings[2048 + 5] == nil && strings[6143] == "v6143")
        #expect(strings.compactMap { $0 }.count == 6144 - 3 * 7)
    }

    /// Whole batches a result may keep become its chunks as they are; small ones are copied
    /// together between them; rows, columns and the flat columns read across the chunks.
    @Test func keptBatchesBecomeChunksBetweenCopiedRows() throws {
        let builder = ResultBuilder(fields: [Field(name: "x", type: .bigint), Field(name: "s", type: .varchar)])
        var first = 0
        var keptVectors: [ColumnVector] = []
        for size in [2048, 7, 5, 2048, 1500, 3] {
            let batch = Batch(types: [.bigint, .varchar])
            for row in 0..<size {
                let value = Int64(first + row)
                batch.columns[0].append(value: value % 1000 == 999 ? .null : .bigint(value))
                batch.columns[1].append(value: .varchar("v\(value)"))
            }
            batch.count = size
            if size >= 1024 { keptVectors.append(batch.columns[1]) }
            builder.append(keeping: batch)
            first += size
        }
        let result = builder.finish()
        // 2048 | 7 + 5 copied | 2048 | 1500 | 3 copied
        #expect(result.storage.chunks.count == 5 && result.storage.chunkStarts == [0, 2048, 2060, 4108, 5608])
        #expect(keptVectors.allSatisfy { vector in result.storage.chunks.contains { $0[1] === vector } })
        #expect(result.count == first)
        let strings = try result.column("s", as: String.self)
        let expectedStrings: [String] = (0..<first).map { "v\($0)" }
        #expect(strings == expectedStrings)
        let xs = try result.column("x", as: Int64?.self)
        let expectedXs: [Int64?] = (0..<first).map { (row: Int) -> Int64? in row % 1000 == 999 ? nil : Int64(row) }
        #expect(xs == expectedXs)
        for row in [0, 2047, 2048, 2054, 2055, 2059, 2060, 4107, 4108, 5607, 5608, 5610] {
            let x: Int64? = try result.rows[row]["x"]
            let s: String = try result.rows[row]["s"]
            let expected: Int64? = row % 1000 == 999 ? nil : Int64(row)
            #expect(x == expected && s == "v\(row)")
        }
        let flat = result.storage.columns
        #expect(flat[0].count == first && flat[1].count == first)
        let flatStrings: [Value] = (0..<first).map { flat[1].value(at: $0) }
        #expect(flatStrings == expectedStrings.map { Value.varchar($0) })
        #expect(flat[0].value(at: 4999) == .null && flat[0].value(at: 5000) == .bigint(5000))
    }

    @Test func fixedWidthColumnsCopyEveryChunk() throws {
        let builder = ResultBuilder(fields: [Field(name: "n", type: .bigint), Field(name: "d", type: .double)])
        var first = 0
        // Kept, copied, kept: three chunks whose buffers the typed fast paths copy one after the other.
        for size in [2048, 9, 1800] {
            let batch = Batch(types: [.bigint, .double])
            for row in 0..<size {
                batch.columns[0].append(value: .bigint(Int64(first + row)))
                batch.columns[1].append(value: .double(Double(first + row) / 4))
            }
            batch.count = size
            builder.append(keeping: batch)
            first += size
        }
        let result = builder.finish()
        #expect(result.storage.chunks.count == 3)
        #expect(try result.column("n", as: Int64.self) == (0..<first).map { Int64($0) })
        #expect(try result.column("d", as: Double.self) == (0..<first).map { Double($0) / 4 })
    }

    @Test func errorDescriptionsCarryCaret() {
        let error = PlazaError.sql(
            .binding, "unknown column \"nope\"", span: SourceSpan(offset: 7, length: 4, line: 1, column: 8),
            in: "SELECT nope FROM t", underlying: nil)
        #expect(error.message == "unknown column \"nope\"\nLINE 1: SELECT nope FROM t\n               ^")
        #expect(error.description.hasPrefix("Binder Error: unknown column"))
        #expect(error.location == .sql(SourceSpan(offset: 7, length: 4, line: 1, column: 8)))
    }
}
