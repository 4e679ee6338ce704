import Foundation
import PlazaCore
import PlazaVector
@testable import PlazaStorage

/// A fresh, empty directory under the system's temporary directory, deleted by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "plaza-storage-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// A batch of the given column types holding `rows` (each row one `Value` per column).
func makeBatch(_ types: [DataType], _ rows: [[Value]]) -> Batch {
    let batch = Batch(types: types, capacity: max(rows.count, 1))
    for row in rows {
        for (column, value) in row.enumerated() { batch.columns[column].append(value: value) }
    }
    batch.count = rows.count
    return batch
}

/// Every live row of a snapshot (deleted rows skipped), in row-group order, as values.
func readAll(_ snapshot: TableSnapshot, columns: [Int]? = nil) throws -> [[Value]] {
    let wanted = columns ?? Array(0..<snapshot.schema.count)
    var rows: [[Value]] = []
    let batch = Batch(types: wanted.map { snapshot.schema.fields[$0].type })
    for group in 0..<snapshot.rowGroupCount {
        let cursor = try snapshot.openRowGroup(group, columns: wanted, predicates: [])
        while try cursor.next(into: batch) {
            let deleted = cursor.deletedRows
            for row in 0..<batch.liveCount {
                let physical = batch.selection.map { Int($0.indices[row]) } ?? row
                if let deleted, deleted[physical >> 6] & (1 << UInt64(physical & 63)) != 0 { continue }
                rows.append(batch.columns.map { $0.value(at: physical) })
            }
        }
    }
    return rows
}

/// A one-column BIGINT schema named `n`.
let bigintSchema = Schema([Field(name: "n", type: .bigint)])

/// A batch of one BIGINT column holding `range`.
func numbers(_ range: Range<Int>) -> Batch {
    makeBatch([.bigint], range.map { [.bigint(Int64($0))] })
}

/// Creates or extends a table with `batches` in one committed transaction.
@discardableResult
func write(_ catalog: StorageCatalog, _ table: String, _ mode: WriteMode, _ schema: Schema, _ batches: [Batch]) throws
    -> CommitSummary
{
    let transaction = try catalog.beginWrite(table: table, mode: mode, schema: schema)
    for batch in batches { try transaction.append(batch) }
    return try transaction.commit()
}

/// The files in a table directory, sorted.
func files(_ directory: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
}
