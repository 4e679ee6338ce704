internal import PlazaCore
internal import PlazaSQL
internal import PlazaPlanner
internal import PlazaStorage
internal import PlazaExecution
internal import PlazaVector
import Foundation

extension Database {
    /// Runs SQL and returns its rows; with several `;`-separated statements, the last one's rows.
    ///
    /// ```swift
    /// let result = try db.query("SELECT count(*) AS n FROM reportes WHERE agencia = ?", parameters: ["Agua"])
    /// let n: Int64 = try result.rows[0]["n"]
    /// ```
    /// Besides SELECT, accepts `SHOW TABLES`, `DESCRIBE table`, `SET threads = 4`,
    /// `SET memory_limit = '4GB'` and `EXPLAIN [ANALYZE] query`. Cancelling the calling task stops
    /// the query promptly with a `.cancelled` error.
    /// - Parameters:
    ///   - sql: the statements.
    ///   - parameters: values for `?` / `$1` … in order; never spliced into the text.
    /// - Throws: `PlazaError`: `.syntax` and `.binding` with a caret under the spot, `.execution`, `.cancelled`.
    @discardableResult
    public func query(_ sql: String, parameters: [any ParameterConvertible] = []) throws(PlazaError) -> QueryResult {
        // A session for this call: `BEGIN; …; COMMIT` in one text is one transaction, and a
        // transaction the text leaves open is rolled back.
        let session = Session(database: self)
        defer { session.discard() }
        let result = try session.query(sql, parameters: parameters)
        if session.isInTransaction { throw Self.unfinishedTransaction }
        return result
    }

    /// The error for a text that begins a transaction and does not end it.
    static let unfinishedTransaction = PlazaError(
        kind: .usage,
        message:
            "the statements BEGIN a transaction without COMMIT or ROLLBACK; it was rolled back (use Database.session() to keep a transaction open across calls)"
    )

    /// Parses `sql` into statements, turning syntax errors into `PlazaError`s with a caret.
    func parse(_ sql: String) throws(PlazaError) -> [PlazaSQL.Statement] {
        do {
            return try Parser.parse(sql)
        } catch {
            throw PlazaError.sql(.syntax, error.message, span: error.span, in: sql, underlying: error)
        }
    }

    /// Checks the parameter count, binds and plans one statement.
    /// Names resolve through `tables`, which then gives the executor the same committed state.
    func bind(_ statement: PlazaSQL.Statement, sql: String, parameters: [Value], tables: PinnedCatalog)
        throws(PlazaError) -> BoundStatement
    {
        let expected = statement.parameterCount
        guard parameters.count == expected else {
            throw PlazaError(
                kind: .usage,
                message:
                    "the statement has \(expected) parameter\(expected == 1 ? "" : "s") but \(parameters.count) value\(parameters.count == 1 ? " was" : "s were") given"
            )
        }
        // The shared commit lock is held from the first pin to here, so the statement sees a
        // commit of several tables whole or not at all.
        tables.beginPinning()
        defer { tables.endPinning() }
        do {
            return try Binder(catalog: tables, parameters: parameters).bind(statement)
        } catch {
            throw PlazaError.sql(.binding, error.message, span: error.span, in: sql, underlying: error)
        }
    }

    /// Binds and runs one parsed statement.
    /// `allowingFiles`: the API itself names the files (an import), so `allowsExternalFiles` does not apply.
    func run(
        _ statement: PlazaSQL.Statement, sql: String, parameters: [Value], cancellation: CancellationToken,
        allowingFiles: Bool = false
    ) throws(PlazaError) -> QueryResult {
        if case .transaction(let command) = statement {
            throw PlazaError(
                kind: .usage,
                message:
                    "\(command.rawValue) runs in a session: use Database.session(), Database.transaction { }, or one call of query or execute that holds the whole transaction"
            )
        }
        // A write starts from the table as a pending compaction leaves it, not from the state it replaces.
        if case .write = statement { waitForCompactions() }
        // One committed state of every table for the whole statement, however often it reads one.
        let tables = pinnedCatalog(allowingFiles: allowingFiles)
        let bound = try bind(statement, sql: sql, parameters: parameters, tables: tables)
        return try run(bound, cancellation: cancellation, tables: tables)
    }

    /// Runs a bound statement: queries through the executor (reading `tables`), the rest here;
    /// writes go into `transaction` when one is open.
    func run(
        _ bound: BoundStatement, cancellation: CancellationToken, tables: PinnedCatalog,
        transaction: OpenTransaction? = nil
    ) throws(PlazaError) -> QueryResult {
        switch bound {
        case .query(let plan):
            let optimized = Optimizer.optimize(plan, statistics: tables)
            let executor = makeExecutor(cancellation: cancellation, tables: tables)
            let output: QueryOutput
            do { output = try executor.execute(optimized) } catch {
                throw PlazaError.from(error, cancellation: cancellation)
            }
            let builder = ResultBuilder(fields: optimized.fields)
            // The executor is done with these batches: the result keeps their vectors instead of copies.
            for batch in output.batches { builder.append(keeping: batch) }
            return builder.finish()
        case .explain(let plan, let analyze):
            let optimized = Optimizer.optimize(plan, statistics: tables)
            let text: String
            if analyze {
                do {
                    text = try makeExecutor(cancellation: cancellation, tables: tables).explainAnalyze(optimized)
                } catch {
                    throw PlazaError.from(error, cancellation: cancellation)
                }
            } else {
                text = PlanPrinter.explain(optimized)
            }
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { Value.varchar(String($0)) }
            return Self.textResult(column: "plan", values: lines.last == .varchar("") ? Array(lines.dropLast()) : lines)
        case .showTables:
            let names = (tables.tableNames() + tables.viewNames()).sorted()
            return Self.textResult(column: "name", values: names.map { .varchar($0) })
        case .describe(let table):
            guard let schema = tables.table(named: table)?.schema else { throw unknownTable(table) }
            let builder = ResultBuilder(fields: [
                Field(name: "column_name", type: .varchar, isNullable: false),
                Field(name: "column_type", type: .varchar, isNullable: false),
                Field(name: "null", type: .varchar, isNullable: false),
            ])
            let batch = Batch(types: [.varchar, .varchar, .varchar], capacity: max(schema.count, 1))
            for field in schema.fields {
                batch.columns[0].appendString(field.name)
                batch.columns[1].appendString(field.type.description)
                batch.columns[2].appendString(field.isNullable ? "YES" : "NO")
            }
            batch.count = schema.count
            builder.append(batch)
            return builder.finish()
        case .set(let name, let value):
            try applySetting(name, value)
            return QueryResult(emptyWith: [])
        case .write(let write):
            return try runWrite(write, cancellation: cancellation, tables: tables, transaction: transaction)
        case .copy(let copy):
            return try runCopy(copy, cancellation: cancellation, tables: tables)
        case .transaction(let command):
            throw PlazaError(kind: .usage, message: "\(command.rawValue) runs in a session, not as a bound statement")
        }
    }

    /// A one-column VARCHAR result.
    static func textResult(column: String, values: [Value]) -> QueryResult {
        let builder = ResultBuilder(fields: [Field(name: column, type: .varchar, isNullable: false)])
        var start = 0
        while start < values.count {
            let end = min(start + ColumnVector.batchCapacity, values.count)
            let batch = Batch(types: [.varchar])
            for value in values[start..<end] { batch.columns[0].append(value: value) }
            batch.count = end - start
            builder.append(batch)
            start = end
        }
        return builder.finish()
    }

    /// A catalog for one statement: it pins each table's snapshot on first use and, where the
    /// database may read files, opens the files the statement names in FROM.
    /// Inside a transaction, the tables it changed are read as it left them.
    func pinnedCatalog(allowingFiles: Bool = false, transaction: DatabaseTransaction? = nil) -> PinnedCatalog {
        let files =
            options.allowsExternalFiles || allowingFiles
            ? FileTables(
                threads: currentSettings.threads, allowedDirectories: allowingFiles ? nil : options.allowedDirectories)
            : nil
        return PinnedCatalog(catalog, files: files, transaction: transaction)
    }

    /// An executor with the current settings, scanning the snapshots `tables` pins.
    func makeExecutor(cancellation: CancellationToken, tables: PinnedCatalog) -> QueryExecutor {
        let current = currentSettings
        let options = ExecutionOptions(
            threads: current.threads, memoryLimit: current.memoryLimit, isCancelled: { cancellation.isCancelled },
            temporaryDirectory: temporaryDirectory)
        return QueryExecutor(
            tables: CatalogTables(catalog: tables, allowsExternalFiles: self.options.allowsExternalFiles),
            options: options)
    }

    /// `SET threads = n` / `SET memory_limit = '4GB'` (or a byte count; `'none'` removes the limit).
    func applySetting(_ name: String, _ value: Value) throws(PlazaError) {
        switch name.lowercased() {
        case "threads", "worker_threads":
            guard case .bigint(let n) = value, n >= 1, n <= 1024 else {
                throw PlazaError(kind: .usage, message: "threads must be a whole number from 1 to 1024, not \(value)")
            }
            settings.withLock { $0.threads = Int(n) }
        case "memory_limit", "max_memory":
            let limit: Int?
            switch value {
            case .bigint(let bytes) where bytes > 0: limit = Int(bytes)
            case .varchar(let text):
                guard let parsed = parseByteSize(text) else {
                    throw PlazaError(
                        kind: .usage, message: "memory_limit must be a size such as '4GB' or '512MB', not '\(text)'")
                }
                limit = parsed
            default:
                throw PlazaError(
                    kind: .usage, message: "memory_limit must be a size such as '4GB' or '512MB', not \(value)")
            }
            settings.withLock { $0.memoryLimit = limit }
        default:
            throw PlazaError(kind: .binding, message: "unknown setting \"\(name)\" (settings: threads, memory_limit)")
        }
    }
}

/// Parses `4GB`, `512 MiB`, `1.5GB`, `1000000` (bytes) into bytes; `none`/`unlimited` gives nil inside `.some`.
/// Returns nil when the text is not a size.
func parseByteSize(_ text: String) -> Int?? {
    let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
    if trimmed == "none" || trimmed == "unlimited" { return .some(nil) }
    let digits = trimmed.prefix { $0.isNumber || $0 == "." }
    guard !digits.isEmpty, let number = Double(digits), number > 0 else { return nil }
    let unit = trimmed.dropFirst(digits.count).trimmingCharacters(in: .whitespaces)
    let multipliers: [String: Double] = [
        "": 1, "b": 1, "bytes": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
        "kib": 1024, "mib": 1_048_576, "gib": 1_073_741_824, "tib": 1_099_511_627_776,
    ]
    guard let multiplier = multipliers[unit] else { return nil }
    let bytes = number * multiplier
    guard bytes >= 1, bytes < 9e18 else { return nil }
    return .some(Int(bytes))
}
