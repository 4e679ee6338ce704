import Foundation
import PlazaCore
import PlazaVector
import PlazaTestSupport
import Testing

@testable import PlazaFormat

/// Which rows are NULL in a test column.
enum NullPattern: String, CaseIterable, CustomStringConvertible {
    case none, all, alternating, random
    var description: String { rawValue }

    func isNull(_ row: Int, _ rng: inout SeededRandom) -> Bool {
        switch self {
        case .none: return false
        case .all: return true
        case .alternating: return row % 2 == 1
        case .random: return rng.next() % 5 == 0
        }
    }
}

/// Value equality that treats DOUBLEs by bit pattern (NaN equals NaN, -0.0 differs from 0.0).
func sameValue(_ a: Value, _ b: Value) -> Bool {
    if case .double(let x) = a, case .double(let y) = b { return x.bitPattern == y.bitPattern }
    return a == b
}

/// A vector of `type` holding `values`.
func makeVector(_ type: DataType, _ values: [Value]) -> ColumnVector {
    let v = ColumnVector(type: type, capacity: max(values.count, 1))
    for value in values { v.append(value: value) }
    return v
}

/// Checks that `vector` holds exactly `expected`.
func expectValues(
    _ vector: ColumnVector, _ expected: [Value], _ context: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(vector.count == expected.count, "\(context): count", sourceLocation: sourceLocation)
    var mismatches = 0
    for row in 0..<min(vector.count, expected.count) where !sameValue(vector.value(at: row), expected[row]) {
        mismatches += 1
        if mismatches <= 3 {
            Issue.record(
                "\(context): row \(row) is \(vector.value(at: row)), expected \(expected[row])",
                sourceLocation: sourceLocation)
        }
    }
}

/// A fresh path in a per-test temporary directory.
func temporaryPath(_ name: String) -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("plaza-format-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory.appendingPathComponent(name).path
}

/// Reads every row of every column of a segment, as values per column.
func readAll(_ reader: SegmentReader) throws -> [[Value]] {
    var columns = [[Value]](repeating: [], count: reader.schema.count)
    let all = Array(0..<reader.schema.count)
    for group in 0..<reader.rowGroupCount {
        let cursor = try reader.openRowGroup(group, columns: all, predicates: [])
        let batch = Batch(types: reader.schema.fields.map(\.type))
        while try cursor.next(into: batch) {
            for c in all {
                let vector = batch.columns[c]
                for row in 0..<batch.count { columns[c].append(vector.value(at: row)) }
            }
        }
    }
    return columns
}

/// Writes `columns` (values per column) to a new segment and returns its path.
func writeSegment(
    _ schema: Schema, _ columns: [[Value]], options: SegmentWriterOptions = .init(), path: String? = nil,
    batchRows: Int = 2048
) throws -> String {
    let path = path ?? temporaryPath("segment.plz")
    let writer = try SegmentWriter(path: path, schema: schema, options: options)
    let rows = columns.first?.count ?? 0
    var start = 0
    while start < rows {
        let end = min(rows, start + batchRows)
        let vectors = zip(schema.fields, columns).map { field, values in
            makeVector(field.type, Array(values[start..<end]))
        }
        try writer.append(Batch(columns: vectors, count: end - start))
        start = end
    }
    _ = try writer.finish()
    return path
}

/// Edge values of each stored type (Int64 extremes, NaN, ±infinity, -0.0, empty and long
/// strings, multi-byte UTF-8, dates before 1970).
func edgeValues(_ type: DataType) -> [Value] {
    switch type {
    case .boolean: return [.boolean(true), .boolean(false)]
    case .bigint: return [.bigint(.min), .bigint(.max), .bigint(0), .bigint(-1), .bigint(1)]
    case .double:
        return [
            .double(.nan), .double(.infinity), .double(-.infinity), .double(-0.0), .double(0.0), .double(1.5),
            .double(.leastNonzeroMagnitude), .double(.greatestFiniteMagnitude),
        ]
    case .decimal(_, let s):
        return [
            .decimal(999_999_999_999_999_999, scale: s), .decimal(-999_999_999_999_999_999, scale: s),
            .decimal(0, scale: s), .decimal(12_345, scale: s),
        ]
    case .varchar:
        return [
            .varchar(""), .varchar("Ciudad de México ñandú 東京 🚲"), .varchar(String(repeating: "x", count: 70_000)),
            .varchar("a"),
        ]
    case .date: return [.date(-719_162), .date(-1), .date(0), .date(Int32.max), .date(Int32.min)]
    case .timestamp: return [.timestamp(.min), .timestamp(.max), .timestamp(-1), .timestamp(1_700_000_000_000_000)]
    default: return []
    }
}

/// The seven stored types.
let storedTypes: [DataType] = [
    .boolean, .bigint, .double, .decimal(precision: 12, scale: 2), .varchar, .date, .timestamp,
]
