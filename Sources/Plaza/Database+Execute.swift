internal import PlazaCore
internal import PlazaSQL
internal import PlazaPlanner
internal import PlazaStorage
internal import PlazaExecution
internal import PlazaVector
import Foundation

extension Database {
    /// Runs SQL that changes the database and returns the number of rows it changed.
    ///
    /// ```swift
    /// try db.execute("CREATE TABLE limpios AS SELECT * FROM reportes WHERE colonia IS NOT NULL")
    /// let n = try db.execute("INSERT INTO limpios (folio, colonia) VALUES (?, ?)", parameters: [7, "Roma"])
    /// ```
    /// Accepts `CREATE [OR REPLACE] TABLE … AS query`, `CREATE TABLE t (col TYPE [NOT NULL], …)`,
    /// `INSERT INTO t [(cols)] VALUES … | query`, `DROP TABLE|VIEW [IF EXISTS]`,
    /// `CREATE [OR REPLACE] VIEW v AS query`, and anything `query(_:parameters:)` accepts. Each
    /// statement commits atomically; readers keep the state they started with.
    /// - Returns: the rows written by every statement (0 for statements that write no rows).
    /// - Throws: `PlazaError`: `.syntax`, `.binding` (unknown table, wrong column count),
    ///   `.execution` (a NOT NULL column given NULL, naming the row; a failed conversion),
    ///   `.usage` (the database is read-only, the table exists).
    @discardableResult
    public func execute(_ sql: String, parameters: [any ParameterConvertible] = []) throws(PlazaError) -> Int {
        let session = Session(database: self)
        defer { session.discard() }
        let changed = try session.execute(sql, parameters: parameters)
        if session.isInTransaction { throw Self.unfinishedTransaction }
        return changed
    }

    /// Runs a bound CREATE, DROP or INSERT. Writes of this process run one at a time; the storage
    /// lock of each table keeps other processes out.
    func runWrite(
        _ write: BoundWrite, cancellation: CancellationToken, tables: PinnedCatalog, transaction: OpenTransaction?
    ) throws(PlazaError) -> QueryResult {
        guard !options.isReadOnly else {
            throw PlazaError(
                kind: .usage, message: "the database \"\(path)\" was opened read-only; it cannot be changed")
        }
        let writer = TableWriter(catalog: catalog, transaction: transaction?.storage)
        switch write {
        case .createTable(let name, let schema, let orReplace, let ifNotExists):
            importLock.lock()
            defer { importLock.unlock() }
            if ifNotExists && tables.table(named: name) != nil { return QueryResult(emptyWith: []) }
            do {
                let transaction = try writer.begin(table: name, mode: orReplace ? .replace : .create, schema: schema)
                try transaction.commit()
            } catch { throw PlazaError.from(error) }
            return QueryResult(emptyWith: [])
        case .createTableAs(let name, let plan, let orReplace, let ifNotExists):
            if ifNotExists && tables.table(named: name) != nil { return Self.changedRows(0) }
            importLock.lock()
            defer { importLock.unlock() }
            let rows = try writeRows(
                of: plan, table: name, mode: orReplace ? .replace : .create, schema: Schema(plan.fields),
                cancellation: cancellation, tables: tables, writer: writer)
            return Self.changedRows(rows)
        case .insert(let table, let schema, let plan):
            importLock.lock()
            defer { importLock.unlock() }
            let rows = try writeRows(
                of: plan, table: table, mode: .append, schema: schema, checksNotNull: true, cancellation: cancellation,
                tables: tables, writer: writer)
            return Self.changedRows(rows)
        case .renameTable(let name, let newName):
            importLock.lock()
            defer { importLock.unlock() }
            do {
                if let transaction {
                    try transaction.storage.renameTable(name, to: newName)
                } else {
                    try catalog.renameTable(name, to: newName)
                }
            } catch { throw PlazaError.from(error) }
            return QueryResult(emptyWith: [])
        case .rewriteTable(let table, let schema, let plan):
            let batches = try materialize(plan, cancellation: cancellation, tables: tables)
            let read: UInt64
            do { read = try tables.snapshot(table: table).generation } catch { throw PlazaError.from(error) }
            importLock.lock()
            defer { importLock.unlock() }
            _ = try writeRows(
                table: table, mode: .replace, schema: schema, cancellation: cancellation, writer: writer,
                expectedGeneration: read
            ) { body throws(PlazaError) in
                for batch in batches { try body(batch) }
            }
            return QueryResult(emptyWith: [])
        case .delete(let table, let plan):
            importLock.lock()
            defer { importLock.unlock() }
            let changed = try modifyRows(
                table: table, changes: plan, schema: nil, cancellation: cancellation, tables: tables, writer: writer)
            finishChange(of: table, changed: changed, transaction: transaction)
            return Self.changedRows(changed)
        case .update(let table, let schema, let plan):
            importLock.lock()
            defer { importLock.unlock() }
            let changed = try modifyRows(
                table: table, changes: plan, schema: schema, cancellation: cancellation, tables: tables, writer: writer)
            finishChange(of: table, changed: changed, transaction: transaction)
            return Self.changedRows(changed)
        case .dropTable(let name, let ifExists):
            importLock.lock()
            defer { importLock.unlock() }
            if ifExists && tables.table(named: name) == nil { return QueryResult(emptyWith: []) }
            do {
                if let transaction {
                    try transaction.storage.dropTable(name)
                } else {
                    try catalog.dropTable(name)
                }
            } catch { throw PlazaError.from(error) }
            return QueryResult(emptyWith: [])
        case .createView(let name, let sql, _, let orReplace, let ifNotExists):
            importLock.lock()
            defer { importLock.unlock() }
            if ifNotExists && tables.viewDefinition(named: name) != nil { return QueryResult(emptyWith: []) }
            do {
                if let transaction {
                    try transaction.storage.createView(named: name, sql: sql, orReplace: orReplace)
                } else {
                    try catalog.createView(named: name, sql: sql, orReplace: orReplace)
                }
            } catch {
                throw PlazaError.from(error)
            }
            return QueryResult(emptyWith: [])
        case .dropView(let name, let ifExists):
            importLock.lock()
            defer { importLock.unlock() }
            if ifExists && tables.viewDefinition(named: name) == nil { return QueryResult(emptyWith: []) }
            do {
                if let transaction {
                    try transaction.storage.dropView(named: name)
                } else {
                    try catalog.dropView(named: name)
                }
            } catch { throw PlazaError.from(error) }
            return QueryResult(emptyWith: [])
        }
    }

    /// Runs the query part of a write to completion (an ALTER TABLE that rewrites its own table
    /// reads every row before it replaces them).
    private func materialize(_ plan: LogicalPlan, cancellation: CancellationToken, tables: PinnedCatalog)
        throws(PlazaError) -> [Batch]
    {
        let optimized = Optimizer.optimize(plan, statistics: tables)
        do {
            return try makeExecutor(cancellation: cancellation, tables: tables).execute(optimized).batches
        } catch {
            throw PlazaError.from(error, cancellation: cancellation)
        }
    }

    /// Runs the query part of a write and hands `body` its batches in order, compacted (text may
    /// stay dictionary-coded, which the segment writer uses), while the query runs: the rows are written as they come instead of being held all at once
    /// (an UPDATE of a million rows held them all, and paid their page faults). The query reads
    /// the snapshot pinned when the statement was bound, so a write may read the table it writes.
    private func forEachBatch(
        of plan: LogicalPlan, cancellation: CancellationToken, tables: PinnedCatalog,
        _ body: (Batch) throws(PlazaError) -> Void
    ) throws(PlazaError) {
        let optimized = Optimizer.optimize(plan, statistics: tables)
        var failure: PlazaError?
        do {
            try makeExecutor(cancellation: cancellation, tables: tables).stream(optimized, keepingDictionaries: true) {
                batch in
                do throws(PlazaError) {
                    if cancellation.isCancelled { throw PlazaError.cancelledQuery }
                    try body(batch)
                    return true
                } catch {
                    failure = error
                    return false
                }
            }
        } catch {
            throw PlazaError.from(error, cancellation: cancellation)
        }
        if let failure { throw failure }
    }

    /// Writes the rows of `plan` into a new write transaction of `table` as the query produces them,
    /// and commits; with `checksNotNull`, a NULL in a NOT NULL column fails the statement.
    private func writeRows(
        of plan: LogicalPlan, table: String, mode: WriteMode, schema: Schema, checksNotNull: Bool = false,
        cancellation: CancellationToken, tables: PinnedCatalog, writer: TableWriter
    ) throws(PlazaError) -> Int {
        try writeRows(table: table, mode: mode, schema: schema, cancellation: cancellation, writer: writer) {
            append throws(PlazaError) in
            var rowsBefore = 0
            try forEachBatch(of: plan, cancellation: cancellation, tables: tables) { batch throws(PlazaError) in
                if checksNotNull {
                    try Self.checkNotNull(batch, rowsBefore: rowsBefore, schema: schema, table: table)
                }
                rowsBefore += batch.liveCount
                try append(batch)
            }
        }
    }

    /// Starts a write transaction of `table`, hands `produce` the function that appends a batch to
    /// it, and commits; on any failure the transaction is aborted and the table is unchanged.
    /// With `expectedGeneration`, the table must still be at that generation (ALTER TABLE rewrites
    /// the rows it read; a commit in between would be lost).
    private func writeRows(
        table: String, mode: WriteMode, schema: Schema, cancellation: CancellationToken, writer: TableWriter,
        expectedGeneration: UInt64? = nil,
        _ produce: ((Batch) throws(PlazaError) -> Void) throws(PlazaError) -> Void
    ) throws(PlazaError) -> Int {
        let transaction: TableWriteTransaction
        do { transaction = try writer.begin(table: table, mode: mode, schema: schema) } catch {
            throw PlazaError.from(error)
        }
        do {
            if let expectedGeneration, transaction.baseGeneration != expectedGeneration {
                throw PlazaError(
                    kind: .usage,
                    message: "table \"\(table)\" changed while the statement ran; nothing was written, run it again")
            }
            guard transaction.schema.fields.map(\.type) == schema.fields.map(\.type) else {
                throw PlazaError(
                    kind: .usage,
                    message:
                        "table \"\(table)\" changed its columns while the statement ran; nothing was written, run it again"
                )
            }
            var rows = 0
            try produce { batch throws(PlazaError) in
                if cancellation.isCancelled { throw PlazaError.cancelledQuery }
                do { try transaction.append(batch) } catch { throw PlazaError.from(error) }
                rows += batch.liveCount
            }
            try transaction.commit()
            return rows
        } catch {
            transaction.abort()
            throw PlazaError.from(error, cancellation: cancellation)
        }
    }

    /// Deletes the rows whose ids (column 0 of the rows `changes` produces, read from the pinned
    /// snapshot of `table`) the statement finds and, for UPDATE (`schema` given), appends their
    /// new values (the other columns, checked against the NOT NULL columns), all in one commit: an
    /// update is a delete plus an append. The rows are changed as the query produces them. A row
    /// named twice (an UPDATE … FROM matching it twice) changes once, with its first new values.
    /// Returns the rows changed.
    private func modifyRows(
        table: String, changes: LogicalPlan, schema: Schema?, cancellation: CancellationToken, tables: PinnedCatalog,
        writer: TableWriter
    ) throws(PlazaError) -> Int {
        let snapshot: TableSnapshot
        let transaction: TableWriteTransaction
        do {
            snapshot = try tables.snapshot(table: table)
            transaction = try writer.begin(table: table, mode: .append, schema: snapshot.schema)
        } catch { throw PlazaError.from(error) }
        do {
            var changed = 0
            var rowsBefore = 0
            var seen = schema != nil ? [UInt64](repeating: 0, count: (snapshot.rowIDLimit + 63) / 64) : []
            try forEachBatch(of: changes, cancellation: cancellation, tables: tables) { batch throws(PlazaError) in
                guard batch.count > 0 else { return }
                let idColumn = batch.columns[0].flattened()  // row ids are never coded; kept safe
                let ids = idColumn.data.assumingMemoryBound(to: Int64.self)
                guard let schema else {
                    do {
                        changed += try transaction.delete(
                            rowIDs: UnsafeBufferPointer(start: ids, count: batch.count), in: snapshot)
                    } catch { throw PlazaError.from(error) }
                    return
                }
                let rows = Batch(columns: Array(batch.columns.dropFirst()), count: batch.count)
                try Self.checkNotNull(rows, rowsBefore: rowsBefore, schema: schema, table: table)
                rowsBefore += batch.count
                // Keep the first change of each row: a selection of the rows not seen before.
                let selection = SelectionVector(capacity: batch.count)
                var kept = 0
                for row in 0..<batch.count {
                    let id = Int(ids[row])
                    guard id >= 0, id < snapshot.rowIDLimit else { continue }
                    let bit: UInt64 = 1 &<< UInt64(id & 63)
                    if seen[id >> 6] & bit != 0 { continue }
                    seen[id >> 6] |= bit
                    selection.indices[kept] = Int32(row)
                    kept += 1
                }
                do {
                    if kept == batch.count {
                        // Every row is new (the common case): no copy of the ids or of the rows.
                        changed += try transaction.delete(
                            rowIDs: UnsafeBufferPointer(start: ids, count: batch.count), in: snapshot)
                    } else {
                        selection.count = kept
                        let gathered = GatherKernel.gather(idColumn, UnsafeBufferPointer(selection.buffer))
                        changed += try transaction.delete(
                            rowIDs: UnsafeBufferPointer(
                                start: gathered.data.assumingMemoryBound(to: Int64.self), count: kept),
                            in: snapshot)
                        rows.selection = selection
                    }
                    try transaction.append(rows)
                } catch { throw PlazaError.from(error) }
            }
            if changed == 0 {
                transaction.abort()
                return 0
            }
            try transaction.commit()
            return changed
        } catch {
            transaction.abort()
            throw PlazaError.from(error, cancellation: cancellation)
        }
    }

    /// After a DELETE or UPDATE that changed rows: compacts the table now, or, inside a
    /// transaction, after it commits.
    private func finishChange(of table: String, changed: Int, transaction: OpenTransaction?) {
        guard changed > 0 else { return }
        if let transaction {
            transaction.deletedFrom.withLock { _ = $0.insert(table) }
        } else {
            compactAfterChange(table: table)
        }
    }

    /// Throws for the first NULL in a NOT NULL column, naming the column and the row (counted
    /// from 1 in the order the statement produced its rows), as DuckDB's constraint error does.
    /// `rowsBefore` rows came in earlier batches of the statement.
    static func checkNotNull(_ batch: Batch, rowsBefore: Int, schema: Schema, table: String) throws(PlazaError) {
        for column in schema.fields.indices where !schema.fields[column].isNullable && batch.columns[column].hasNulls {
            let vector = batch.columns[column]
            for position in 0..<batch.liveCount {
                let row = batch.selection.map { Int($0.indices[position]) } ?? position
                if !vector.isValid(at: row) {
                    throw PlazaError(
                        kind: .execution,
                        message:
                            "NOT NULL constraint failed: \(table).\(schema.fields[column].name) (row \(rowsBefore + position + 1) of the inserted rows is NULL there)"
                    )
                }
            }
        }
    }

    /// The result of a statement that changed `rows` rows: one BIGINT column `Count`, as DuckDB gives.
    static func changedRows(_ rows: Int) -> QueryResult {
        let builder = ResultBuilder(fields: [Field(name: "Count", type: .bigint, isNullable: false)])
        let batch = Batch(types: [.bigint], capacity: 1)
        batch.columns[0].append(value: .bigint(Int64(rows)))
        batch.count = 1
        builder.append(batch)
        var result = builder.finish()
        result.changedRowCount = rows
        return result
    }
}

/// Starts table writes: alone (each commits on its own) or inside a session's transaction.
struct TableWriter {
    let catalog: StorageCatalog
    let transaction: DatabaseTransaction?

    /// A write of `table`, staged in the transaction when there is one.
    func begin(table: String, mode: WriteMode, schema: Schema) throws(StorageError) -> TableWriteTransaction {
        if let transaction { return try transaction.beginWrite(table: table, mode: mode, schema: schema) }
        return try catalog.beginWrite(table: table, mode: mode, schema: schema)
    }
}
