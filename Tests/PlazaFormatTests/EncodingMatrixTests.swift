import Foundation
import PlazaCore
import PlazaVector
import PlazaTestSupport
import Testing

@testable import PlazaFormat

/// Every stored type × every encoding that applies to it × every NULL pattern, through single
/// blocks (Formats/plaza-file-format.md §7), with and without LZ4.
@Suite struct EncodingMatrixTests {
    struct Case: CustomStringConvertible, Sendable {
        var type: DataType
        var encoding: BlockEncoding
        var description: String { "\(type) \(encoding)" }
    }

    static let cases: [Case] = storedTypes.flatMap { type in
        BlockEncoding.allCases.filter { $0.applies(to: type) }.map { Case(type: type, encoding: $0) }
    }

    /// Values that the encoding can hold, with the type's edge values mixed in where it allows.
    static func values(_ c: Case, count: Int, nulls: NullPattern, seed: UInt64) -> [Value] {
        var rng = SeededRandom(seed: seed)
        let edges = edgeValues(c.type)
        let constant = edges[1 % edges.count]
        return (0..<count).map { row in
            if nulls.isNull(row, &rng) { return .null }
            let r = rng.next()
            switch c.encoding {
            case .constant: return constant
            case .alp:
                if r % 31 == 0 { return edges[Int(r / 31) % edges.count] }
                return .double(Double(Int64(r % 2_000_001) - 1_000_000) / 100)
            case .runLength: return edges[(row / 37) % edges.count]
            default:
                if r % 5 == 0 { return edges[Int(r / 5) % edges.count] }
                switch c.type {
                case .boolean: return .boolean(r & 1 == 0)
                case .bigint: return .bigint(Int64(row) * 3 - Int64(r % 4))
                case .double: return .double(Double(bitPattern: r))
                case .decimal(_, let s): return .decimal(Int64(r % 1_000_000) - 500_000, scale: s)
                case .varchar: return .varchar("calle \(r % 300)")
                case .date: return .date(Int32(row) - 40_000)
                case .timestamp: return .timestamp(Int64(row) * 60_000_000 - 5_000_000_000_000)
                default: return .null
                }
            }
        }
    }

    @Test(arguments: cases, NullPattern.allCases)
    func encodingRoundTrips(_ c: Case, nulls: NullPattern) throws {
        let decoder = BlockDecoder()
        for (count, compress) in [(2_048, true), (1, false), (100, true), (2_047, false)] {
            let expected = Self.values(c, count: count, nulls: nulls, seed: UInt64(count))
            let vector = makeVector(c.type, expected)
            let out = ColumnVector(type: c.type)
            let context = "\(c) \(nulls) n=\(count)"
            if c.encoding == .dictionary {
                if expected.allSatisfy(\.isNull) { continue }
                let (dictionaryBlock, codes) = try BlockCodec.encodeWithDictionary(vector)
                let dictionary = ColumnVector(type: c.type)
                try dictionaryBlock.withUnsafeBytes {
                    _ = try decoder.decode($0, type: c.type, dictionary: nil, into: dictionary)
                }
                let header = try codes.withUnsafeBytes {
                    try decoder.decode($0, type: c.type, dictionary: dictionary, into: out)
                }
                #expect(header.encoding == .dictionary, "\(context)")
                #expect(out.dictionary === dictionary, "\(context)")
            } else {
                let block = try BlockCodec.encode(vector, encoding: c.encoding, allowCompression: compress)
                let header = try block.withUnsafeBytes {
                    try decoder.decode($0, type: c.type, dictionary: nil, into: out)
                }
                #expect(header.encoding == c.encoding, "\(context)")
                #expect(header.hasValidity == expected.contains(.null), "\(context)")
                if !compress { #expect(!header.isCompressed, "\(context)") }
            }
            expectValues(out, expected, context)
            if out.byteWidth > 0 && !out.isDictionary {
                // NULL slots of fixed-width vectors read back as zero, as ColumnVector promises.
                for row in 0..<count where !out.isValid(at: row) {
                    #expect(
                        UnsafeRawBufferPointer(start: out.data + row * out.byteWidth, count: out.byteWidth).allSatisfy {
                            $0 == 0
                        })
                }
            }
        }
    }

    @Test func automaticChoiceFindsTheCompactEncodings() throws {
        func chosen(_ type: DataType, _ values: [Value]) throws -> BlockEncoding {
            let block = try BlockCodec.encode(makeVector(type, values))
            return try block.withUnsafeBytes { try BlockHeader(parsing: $0).encoding }
        }
        #expect(try chosen(.bigint, Array(repeating: .bigint(42), count: 2048)) == .constant)
        #expect(try chosen(.bigint, (0..<2048).map { .bigint(1_000_000 + Int64($0 % 100)) }) == .frameOfReference)
        #expect(
            try chosen(.timestamp, (0..<2048).map { .timestamp(1_700_000_000_000_000 + Int64($0) * 1_000_000) })
                == .delta)
        #expect(try chosen(.bigint, (0..<2048).map { .bigint(Int64($0 / 512) * 1_000_000_000_000) }) == .runLength)
        #expect(try chosen(.double, (0..<2048).map { .double(Double($0 % 1000) / 100 + 10) }) == .alp)
        #expect(try chosen(.double, (0..<2048).map { .double(sin(Double($0))) }) == .plain)
        #expect(try chosen(.varchar, Array(repeating: .varchar("CDMX"), count: 2048)) == .constant)
    }

    @Test func lz4IsKeptOnlyWhenItSavesTenPercent() throws {
        let repetitive = makeVector(.varchar, (0..<2048).map { .varchar("avenida insurgentes sur \($0 % 3)") })
        let packed = try BlockCodec.encode(repetitive)
        let header = try packed.withUnsafeBytes { try BlockHeader(parsing: $0) }
        #expect(header.isCompressed && header.storedLength * 10 <= header.rawLength * 9)
        var rng = SeededRandom(seed: 3)
        let noise = makeVector(.bigint, (0..<2048).map { _ in .bigint(Int64(bitPattern: rng.next())) })
        let raw = try BlockCodec.encode(noise)
        #expect(try raw.withUnsafeBytes { try BlockHeader(parsing: $0) }.isCompressed == false)
    }

    @Test func forcedEncodingsThatCannotHoldTheValuesThrow() {
        let mixed = makeVector(.bigint, [.bigint(1), .bigint(2)])
        #expect(throws: FormatError.self) { try BlockCodec.encode(mixed, encoding: .constant) }
        #expect(throws: FormatError.self) { try BlockCodec.encode(mixed, encoding: .alp) }
        #expect(throws: FormatError.self) {
            try BlockCodec.encode(makeVector(.double, [.double(.pi), .double(.nan)]), encoding: .alp)
        }
        #expect(throws: FormatError.self) { try BlockCodec.encodeWithDictionary(makeVector(.bigint, [.null])) }
    }
}
