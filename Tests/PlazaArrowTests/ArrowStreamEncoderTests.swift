import PlazaCore
import PlazaTestSupport
import PlazaVector
import Testing

@testable import PlazaArrow

/// Streams read back by the test reader (framing, alignment and metadata checked on the way):
/// every type with and without NULLs, empty batches, dictionaries and selections.
@Suite struct ArrowStreamEncoderTests {
    /// A vector of `type` holding `values`.
    static func vector(_ type: DataType, _ values: [Value]) -> ColumnVector {
        let vector = ColumnVector(type: type, capacity: Swift.max(values.count, 1))
        for value in values { vector.append(value: value) }
        return vector
    }

    /// The whole stream of `batches` of `columns`.
    static func stream(_ fields: [Field], _ batches: [[ColumnVector]]) throws -> ArrowStreamReader {
        let encoder = ArrowStreamEncoder(fields: fields)
        var bytes = encoder.schemaMessage()
        for columns in batches { bytes += try encoder.recordBatchMessage(columns, count: columns.first?.count ?? 0) }
        bytes += ArrowStreamEncoder.endOfStream
        return try ArrowStreamReader(bytes)
    }

    static let matrix: [(DataType, [Value], UInt8, [Int64], [ArrowStreamReader.Cell])] = [
        (
            .bigint, [.bigint(1), .null, .bigint(-9_223_372_036_854_775_808)], 2, [64, 1],
            [.int64(1), .null, .int64(.min)]
        ),
        (.double, [.double(1.5), .double(-0.0), .null], 3, [2], [.double(1.5), .double(-0.0), .null]),
        (.boolean, [.boolean(true), .null, .boolean(false)], 6, [], [.bool(true), .null, .bool(false)]),
        (.varchar, [.varchar("ñandú 🦜"), .null, .varchar("")], 5, [], [.utf8("ñandú 🦜"), .null, .utf8("")]),
        (.date, [.date(-1), .date(19_723), .null], 8, [0], [.int32(-1), .int32(19_723), .null]),
        (.timestamp, [.null, .timestamp(1_700_000_000_123_456)], 10, [2], [.null, .int64(1_700_000_000_123_456)]),
        (
            .decimal(precision: 18, scale: 2), [.decimal(-12_345, scale: 2), .null, .decimal(999, scale: 2)], 7,
            [18, 2, 128], [.decimal(-12_345), .null, .decimal(999)]
        ),
        (
            .interval, [.interval(Interval(months: 14, days: -3, micros: 1_500_000)), .null], 11, [2],
            [.interval(months: 14, days: -3, nanoseconds: 1_500_000_000), .null]
        ),
    ]

    @Test(arguments: 0..<matrix.count)
    func everyTypeReadsBackWithItsNulls(_ index: Int) throws {
        let (type, values, typeID, parameters, cells) = Self.matrix[index]
        let reader = try Self.stream([Field(name: "c", type: type)], [[Self.vector(type, values)]])
        #expect(
            reader.fields == [
                ArrowStreamReader.Field(name: "c", typeID: typeID, parameters: parameters, isNullable: true)
            ])
        #expect(reader.batches.count == 1)
        #expect(reader.batches[0].columns == [cells])
        #expect(reader.batches[0].nodes.map(\.nullCount) == [1])
    }

    @Test func aColumnWithoutNullsHasAnEmptyValidityBuffer() throws {
        // The vector has a bitmap (a NULL was set, then overwritten), but no row is NULL.
        let vector = Self.vector(.bigint, [.null, .bigint(2)])
        vector.setValid(true, at: 0)
        #expect(vector.hasNulls)
        let reader = try Self.stream([Field(name: "n", type: .bigint)], [[vector]])
        #expect(reader.batches[0].nodes.map(\.nullCount) == [0])
        #expect(reader.batches[0].buffers.map(\.length) == [0, 16])
        #expect(reader.batches[0].columns == [[.int64(0), .int64(2)]])
    }

    @Test func anUntypedNullColumnHasNoBuffers() throws {
        let reader = try Self.stream(
            [Field(name: "n", type: .null), Field(name: "b", type: .bigint)],
            [[Self.vector(.boolean, [.null, .null]), Self.vector(.bigint, [.bigint(1), .bigint(2)])]])
        #expect(reader.fields.map(\.typeID) == [1, 2])
        #expect(reader.batches[0].nodes.map(\.nullCount) == [2, 0])
        #expect(reader.batches[0].buffers.count == 2)
        #expect(reader.batches[0].columns[0] == [.null, .null])
    }

    @Test func emptyBatchesAndStreamsWithoutBatches() throws {
        let fields = [Field(name: "t", type: .varchar), Field(name: "b", type: .boolean)]
        let none = try Self.stream(fields, [])
        #expect(none.fields.map(\.name) == ["t", "b"])
        #expect(none.batches.isEmpty)
        let empty = try Self.stream(fields, [[Self.vector(.varchar, []), Self.vector(.boolean, [])]])
        #expect(empty.batches.map(\.length) == [0])
        #expect(empty.batches[0].columns == [[], []])
    }

    @Test func manyBatchesOfManyRowsKeepTheirOrder() throws {
        var random = SeededRandom(seed: 19)
        var expected: [[ArrowStreamReader.Cell]] = [[], []]
        var batches: [[ColumnVector]] = []
        for size in [2048, 1, 777] {
            var numbers: [Value] = []
            var texts: [Value] = []
            for _ in 0..<size {
                let number = Int64(random.below(1000)) - 500
                let isNull = random.below(10) == 0
                numbers.append(isNull ? .null : .bigint(number))
                expected[0].append(isNull ? .null : .int64(number))
                let text = String(repeating: "é", count: random.below(5))
                texts.append(.varchar(text))
                expected[1].append(.utf8(text))
            }
            batches.append([Self.vector(.bigint, numbers), Self.vector(.varchar, texts)])
        }
        let reader = try Self.stream([Field(name: "n", type: .bigint), Field(name: "t", type: .varchar)], batches)
        #expect(reader.batches.map(\.length) == [2048, 1, 777])
        #expect(reader.batches.flatMap { $0.columns[0] } == expected[0])
        #expect(reader.batches.flatMap { $0.columns[1] } == expected[1])
    }

    @Test func anIntervalPastNanosecondsIsAnErrorNamingItsColumn() {
        let vector = Self.vector(.interval, [.interval(Interval(micros: .max / 10))])
        let encoder = ArrowStreamEncoder(fields: [Field(name: "lapso", type: .interval)])
        #expect(throws: ArrowError.self) { try encoder.recordBatchMessage([vector], count: 1) }
        do {
            _ = try encoder.recordBatchMessage([vector], count: 1)
        } catch {
            #expect(error.description.hasPrefix("column \"lapso\""))
        }
    }

    @Test func messagesAreFramedAsTheFormatSays() throws {
        let encoder = ArrowStreamEncoder(fields: [Field(name: "b", type: .boolean)])
        let schema = encoder.schemaMessage()
        #expect(Array(schema.prefix(4)) == [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(Int(schema.uint32(at: 4)) == schema.count - 8)  // no body
        #expect(schema.count % 8 == 0)
        let batch = try encoder.recordBatchMessage(
            [Self.vector(.boolean, (0..<9).map { .boolean($0 % 2 == 0) })], count: 9)
        let metadata = Int(batch.uint32(at: 4))
        #expect(metadata % 8 == 0)
        // The body: an empty validity buffer, then 2 bytes of bits (0b01010101, 0b1) padded to 8.
        #expect(Array(batch[(8 + metadata)...]) == [0x55, 0x01, 0, 0, 0, 0, 0, 0])
        #expect(ArrowStreamEncoder.endOfStream == [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0])
    }
}
