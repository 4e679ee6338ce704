internal import PlazaCore
internal import PlazaStorage
internal import PlazaVector

extension Database {
    /// Creates (or replaces) a table holding `rows` directly through storage, for tests that need
    /// exact contents without going through CSV inference (the logic-test `table` directive).
    func createTable(_ name: String, schema: Schema, rows: [[Value]]) throws(PlazaError) {
        do {
            let transaction = try catalog.beginWrite(table: name, mode: .replace, schema: schema)
            do {
                var start = 0
                repeat {
                    let end = min(start + ColumnVector.batchCapacity, rows.count)
                    let batch = Batch(types: schema.fields.map(\.type))
                    for row in rows[start..<end] {
                        precondition(
                            row.count == schema.count, "row has \(row.count) values, table \(schema.count) columns")
                        for (position, value) in row.enumerated() { batch.columns[position].append(value: value) }
                    }
                    batch.count = end - start
                    if batch.count > 0 { try transaction.append(batch) }
                    start = end
                } while start < rows.count
                _ = try transaction.commit()
            } catch {
                transaction.abort()
                throw error
            }
        } catch {
            throw PlazaError.from(error)
        }
    }
}
