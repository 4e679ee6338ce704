public import PlazaCore
internal import PlazaSQL
internal import PlazaPlanner
internal import PlazaStorage
import Synchronization

/// A sequence of statements on one database, like a connection: between `BEGIN` and `COMMIT` its
/// writes form one transaction that other readers see all at once, at the commit, or never.
///
/// ```swift
/// let session = db.session()
/// try session.execute("BEGIN")
/// try session.execute("DELETE FROM reportes WHERE mes = '2024-03'")
/// try session.execute("INSERT INTO reportes SELECT * FROM corregidos")
/// try session.execute("COMMIT")
/// ```
/// Inside a transaction, statements see the tables as the transaction left them; tables it has
/// not changed are read as committed when the transaction first read them. A statement that fails
/// aborts the transaction: later statements fail until `ROLLBACK`. `Sendable`, but its statements
/// run one at a time (a second caller waits).
public final class Session: Sendable {
    /// The database the session runs on.
    public let database: Database
    let open = Mutex<OpenTransaction?>(nil)
    /// Held while a statement runs, so that one session runs one statement at a time.
    private let running = Mutex(())

    init(database: Database) {
        self.database = database
    }

    deinit {
        open.withLock { $0 }?.storage.rollback()
    }

    /// Whether a transaction is open (after `BEGIN`, before `COMMIT` or `ROLLBACK`).
    public var isInTransaction: Bool { open.withLock { $0 != nil } }

    /// Runs SQL and returns the last statement's rows, as `Database.query(_:parameters:)` does,
    /// inside the session's transaction when one is open.
    ///
    /// - Throws: `PlazaError`, as `Database.query` does; `.usage` for `COMMIT` without a
    ///   transaction, `BEGIN` within one, or any statement after an error aborted the transaction.
    @discardableResult
    public func query(_ sql: String, parameters: [any ParameterConvertible] = []) throws(PlazaError) -> QueryResult {
        var result = QueryResult(emptyWith: [])
        try runEach(sql, parameters) { result = $0 }
        return result
    }

    /// Runs SQL that changes the database and returns the rows it changed, as
    /// `Database.execute(_:parameters:)` does, inside the session's transaction when one is open.
    @discardableResult
    public func execute(_ sql: String, parameters: [any ParameterConvertible] = []) throws(PlazaError) -> Int {
        var changed = 0
        try runEach(sql, parameters) { changed += $0.changedRowCount ?? 0 }
        return changed
    }

    /// Parses `sql` and runs its statements in order, handing each result to `body`.
    private func runEach(
        _ sql: String, _ parameters: [any ParameterConvertible], _ body: (QueryResult) -> Void
    ) throws(PlazaError) {
        let values = parameters.map(\.parameterValue)
        let cancellation = CancellationToken.forCurrentTask()
        for statement in try database.parse(sql) {
            body(try run(statement, sql: sql, parameters: values, cancellation: cancellation))
        }
    }

    /// Opens a transaction (`BEGIN`).
    ///
    /// - Throws: `.usage` when one is already open (which it aborts, as DuckDB does) or the database is read-only.
    public func begin() throws(PlazaError) { try run(.begin) }

    /// Commits the open transaction (`COMMIT`): every change it staged becomes visible at once.
    ///
    /// - Throws: `.usage` without an open transaction, or when an earlier error aborted it (it
    ///   is rolled back); `.input`/`.format` when writing the commit fails (nothing is committed
    ///   unless the message says so).
    public func commit() throws(PlazaError) { try run(.commit) }

    /// Drops the open transaction's changes (`ROLLBACK`).
    ///
    /// - Throws: `.usage` without an open transaction.
    public func rollback() throws(PlazaError) { try run(.rollback) }

    /// Rolls back an open transaction, if any, without an error.
    func discard() {
        open.withLock { transaction in
            defer { transaction = nil }
            return transaction
        }?.storage.rollback()
    }

    /// Runs one parsed statement in the session.
    func run(_ statement: PlazaSQL.Statement, sql: String, parameters: [Value], cancellation: CancellationToken)
        throws(PlazaError) -> QueryResult
    {
        if case .transaction(let command) = statement {
            try run(command)
            return QueryResult(emptyWith: [])
        }
        return try running.withLock { _ throws(PlazaError) in
            guard let transaction = open.withLock({ $0 }) else {
                return try database.run(statement, sql: sql, parameters: parameters, cancellation: cancellation)
            }
            if let failure = transaction.failure.withLock({ $0 }) {
                throw PlazaError(
                    kind: .usage,
                    message:
                        "the current transaction was aborted by an earlier error (\(failure)); ROLLBACK it to go on")
            }
            do throws(PlazaError) {
                let bound = try database.bind(statement, sql: sql, parameters: parameters, tables: transaction.tables)
                return try database.run(
                    bound, cancellation: cancellation, tables: transaction.tables, transaction: transaction)
            } catch {
                transaction.failure.withLock { $0 = error.message }
                throw error
            }
        }
    }

    /// `BEGIN`, `COMMIT` or `ROLLBACK`.
    func run(_ command: TransactionCommand) throws(PlazaError) {
        try running.withLock { _ throws(PlazaError) in
            switch command {
            case .begin:
                guard !database.options.isReadOnly else {
                    throw PlazaError(
                        kind: .usage,
                        message: "the database \"\(database.path)\" was opened read-only; it cannot be changed")
                }
                if let current = open.withLock({ $0 }) {
                    current.failure.withLock { $0 = "BEGIN inside a transaction" }
                    throw PlazaError(kind: .usage, message: "cannot start a transaction within a transaction")
                }
                // The transaction's first read of a table must not predate a compaction still to commit.
                database.waitForCompactions()
                let transaction = OpenTransaction(database: database)
                open.withLock { $0 = transaction }
            case .commit:
                guard let transaction = take() else {
                    throw PlazaError(kind: .usage, message: "cannot commit: no transaction is active")
                }
                if let failure = transaction.failure.withLock({ $0 }) {
                    transaction.storage.rollback()
                    throw PlazaError(
                        kind: .usage,
                        message:
                            "the transaction was rolled back, not committed: an earlier statement in it failed (\(failure))"
                    )
                }
                try database.commit(transaction)
            case .rollback:
                guard let transaction = take() else {
                    throw PlazaError(kind: .usage, message: "cannot roll back: no transaction is active")
                }
                transaction.storage.rollback()
            }
        }
    }

    /// Removes and returns the open transaction.
    private func take() -> OpenTransaction? {
        open.withLock { transaction in
            defer { transaction = nil }
            return transaction
        }
    }
}

/// A transaction open in a session: its staged writes, and the tables as it reads them.
final class OpenTransaction: Sendable {
    /// The storage transaction that stages the writes.
    let storage: DatabaseTransaction
    /// Every statement of the transaction reads through this view: the transaction's changes,
    /// and other tables as first read.
    let tables: PinnedCatalog
    /// The first error of a statement in the transaction; it then accepts only ROLLBACK.
    let failure = Mutex<String?>(nil)
    /// Tables whose rows a DELETE or UPDATE removed, compacted after the commit if past the threshold.
    let deletedFrom = Mutex<Set<String>>([])

    init(database: Database) {
        storage = DatabaseTransaction(database.catalog)
        tables = database.pinnedCatalog(transaction: storage)
    }
}

extension Database {
    /// A new session: statements run one at a time, with `BEGIN`/`COMMIT` grouping writes.
    ///
    /// ```swift
    /// let session = db.session()
    /// try session.execute("BEGIN; UPDATE reportes SET colonia = 'Del Valle' WHERE colonia = 'Del Vale'; COMMIT")
    /// ```
    public func session() -> Session { Session(database: self) }

    /// Runs `body` in a transaction and commits it when `body` returns; when `body` throws, the
    /// transaction is rolled back and the error rethrown. Other readers see every change `body`
    /// made at once, after it returns, or none of them.
    ///
    /// ```swift
    /// try db.transaction { tx in
    ///     try tx.execute("DELETE FROM presupuesto WHERE anio = 2024")
    ///     try tx.execute("INSERT INTO presupuesto SELECT * FROM read_csv('presupuesto_2024.csv')")
    /// }
    /// ```
    /// - Throws: what `body` throws; `PlazaError` when the transaction cannot begin or commit.
    public func transaction<T>(_ body: (Session) throws -> T) throws -> T {
        let session = Session(database: self)
        try session.begin()
        let value: T
        do {
            value = try body(session)
        } catch {
            session.discard()
            throw error
        }
        // `body` may have ended the transaction itself.
        if session.isInTransaction { try session.commit() }
        return value
    }

    /// Publishes a transaction's staged writes, then compacts the tables its deletes left past
    /// the threshold.
    func commit(_ transaction: OpenTransaction) throws(PlazaError) {
        importLock.lock()
        defer { importLock.unlock() }
        do { try transaction.storage.commit() } catch { throw PlazaError.from(error) }
        for table in transaction.deletedFrom.withLock({ $0 }) { compactAfterChange(table: table) }
    }
}
