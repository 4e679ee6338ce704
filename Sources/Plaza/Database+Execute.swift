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
        if transaction != nil, let statement = write.outsideTransactionsOnly {
            throw PlazaError(
                kind: .usage,
                message: "\(statement) cannot run inside a transaction yet; COMMIT or ROLLBACK first, then run it alone"
            )
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
            let batches = try materialize(plan, cancellation: cancellation, tables: tables)
            let schema = Schema(plan.fields)
            importLock.lock()
            defer { importLock.unlock() }
            let rows = try writeRows(
                batches, table: name, mode: orReplace ? .replace : .create, schema: schema, cancellation: cancellation,
                writer: writer)
            return Self.changedRows(rows)
        case .insert(let table, let schema, let plan):
            let batches = try materialize(plan, cancellation: cancellation, tables: tables)
            try Self.checkNotNull(batches, schema: schema, table: table)
            importLock.lock()
            defer { importLock.unlock() }
            let rows = try writeRows(
                batches, table: table, mode: .append, schema: schema, cancellation: cancellation, writer: writer)
            return Self.changedRows(rows)
        case .renameTable(let name, let newName):
            importLock.lock()
            defer { importLock.unlock() }
            do { try catalog.renameTable(name, to: newName) } catch { throw PlazaError.from(error) }
            return QueryResult(emptyWith: [])
        case .rewriteTable(let table, let schema, let plan):
            let batches = try materialize(plan, cancellation: cancellation, tables: tables)
            let read: UInt64
            do { read = try tables.snapshot(table: table).generation } catch { throw PlazaError.from(error) }
            importLock.lock()
            defer { importLock.unlock() }
            _ = try writeRows(
                batches, table: table, mode: .replace, schema: schema, cancellation: cancellation, writer: writer,
                expectedGeneration: read)
            return QueryResult(emptyWith: [])
        case .delete(let table, let plan):
            let batches = try materialize(plan, cancellation: cancellation, tables: tables)
            importLock.lock()
            defer { importLock.unlock() }
            let changed = try modifyRows(table: table, changes: batches, tables: tables, appends: false, writer: writer)
            finishChange(of: table, changed: changed, transaction: transaction)
            return Self.changedRows(changed)
        case .update(let table, let schema, let plan):
            let batches = try materialize(plan, cancellation: cancellation, tables: tables)
            let rows = batches.map { Batch(columns: Array($0.columns.dropFirst()), count: $0.count) }
            try Self.checkNotNull(rows, schema: schema, table: table)
            importLock.lock()
            defer { importLock.unlock() }
            let changed = try modifyRows(table: table, changes: batches, tables: tables, appends: true, writer: writer)
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
            if ifNotExists && catalog.viewDefinition(named: name) != nil { return QueryResult(emptyWith: []) }
            do { try catalog.createView(named: name, sql: sql, orReplace: orReplace) } catch {
                throw PlazaError.from(error)
            }
            return QueryResult(emptyWith: [])
        case .dropView(let name, let ifExists):
            importLock.lock()
            defer { importLock.unlock() }
            if ifExists && catalog.viewDefinition(named: name) == nil { return QueryResult(emptyWith: []) }
            do { try catalog.dropView(named: name) } catch { throw PlazaError.from(error) }
            return QueryResult(emptyWith: [])
        }
    }

    /// Runs the query part of a write to completion (before any lock is taken, so a statement may
    /// read the table it writes: it reads the snapshot pinned when it was bound).
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

    /// Streams `batches` into a new write transaction of `table` and commits it; on any failure the
    /// transaction is aborted and the table is unchanged.
    /// With `expectedGeneration`, the table must still be at that generation (ALTER TABLE rewrites
    /// the rows it read; a commit in between would be lost).
    private func writeRows(
        _ batches: [Batch], table: String, mode: WriteMode, schema: Schema, cancellation: CancellationToken,
        writer: TableWriter, expectedGeneration: UInt64? = nil
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
            for batch in batches {
                if cancellation.isCancelled { throw PlazaError.cancelledQuery }
                try transaction.append(batch)
                rows += batch.liveCount
            }
            try transaction.commit()
            return rows
        } catch {
            transaction.abort()
            throw PlazaError.from(error, cancellation: cancellation)
        }
    }

    /// Deletes the rows whose ids (column 0 of `changes`, read from the pinned snapshot of `table`)
    /// the statement found and, for UPDATE (`appends`), appends their new values (the other
    /// columns), all in one commit: an update is a delete plus an append. A row named twice (an
    /// UPDATE … FROM matching it twice) changes once, with its first new values. Returns the rows changed.
    private func modifyRows(
        table: String, changes: [Batch], tables: PinnedCatalog, appends: Bool, writer: TableWriter
    ) throws(PlazaError) -> Int {
        let snapshot: TableSnapshot
        let transaction: TableWriteTransaction
        do {
            snapshot = try tables.snapshot(table: table)
            transaction = try writer.begin(table: table, mode: .append, schema: snapshot.schema)
        } catch { throw PlazaError.from(error) }
        do {
            var changed = 0
            var seen = appends ? [UInt64](repeating: 0, count: (snapshot.rowIDLimit + 63) / 64) : []
            for batch in changes where batch.count > 0 {
                let ids = batch.columns[0].data.assumingMemoryBound(to: Int64.self)
                if appends {
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
                    let rows = Batch(columns: Array(batch.columns.dropFirst()), count: batch.count)
                    if kept == batch.count {
                        // Every row is new (the common case): no copy of the ids or of the rows.
                        changed += try transaction.delete(
                            rowIDs: UnsafeBufferPointer(start: ids, count: batch.count), in: snapshot)
                    } else {
                        selection.count = kept
                        let gathered = GatherKernel.gather(batch.columns[0], UnsafeBufferPointer(selection.buffer))
                        changed += try transaction.delete(
                            rowIDs: UnsafeBufferPointer(
                                start: gathered.data.assumingMemoryBound(to: Int64.self), count: kept),
                            in: snapshot)
                        rows.selection = selection
                    }
                    try transaction.append(rows)
                } else {
                    changed += try transaction.delete(
                        rowIDs: UnsafeBufferPointer(start: ids, count: batch.count), in: snapshot)
                }
            }
            if changed == 0 {
                transaction.abort()
                return 0
            }
            try transaction.commit()
            return changed
        } catch {
            transaction.abort()
            throw PlazaError.from(error)
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
    static func checkNotNull(_ batches: [Batch], schema: Schema, table: String) throws(PlazaError) {
        let required = schema.fields.indices.filter { !schema.fields[$0].isNullable }
        guard !required.isEmpty else { return }
        var before = 0
        for batch in batches {
            for column in required where batch.columns[column].hasNulls {
                let vector = batch.columns[column]
                for position in 0..<batch.liveCount {
                    let row = batch.selection.map { Int($0.indices[position]) } ?? position
                    if !vector.isValid(at: row) {
                        throw PlazaError(
                            kind: .execution,
                            message:
                                "NOT NULL constraint failed: \(table).\(schema.fields[column].name) (row \(before + position + 1) of the inserted rows is NULL there)"
                        )
                    }
                }
            }
            before += batch.liveCount
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

extension BoundWrite {
    /// The statement's name when it cannot run inside a transaction yet (it changes the catalog
    /// itself rather than a table's rows), else nil.
    var outsideTransactionsOnly: String? {
        switch self {
        case .renameTable: return "ALTER TABLE … RENAME TO"
        case .createView: return "CREATE VIEW"
        case .dropView: return "DROP VIEW"
        case .createTable, .createTableAs, .insert, .rewriteTable, .delete, .update, .dropTable: return nil
        }
    }
}
