import PlazaCore
import Synchronization

/// Several writes to one or more tables, published together by `commit()` or dropped by
/// `rollback()` (Formats/plaza-manifest.md §11).
///
/// ```swift
/// let transaction = DatabaseTransaction(catalog)
/// let first = try transaction.beginWrite(table: "reportes", mode: .append, schema: schema)
/// try first.append(batch); try first.commit()      // staged: only this transaction sees it
/// let second = try transaction.beginWrite(table: "resumen", mode: .replace, schema: other)
/// try second.append(totals); try second.commit()
/// try transaction.commit()                           // both tables change at once
/// ```
/// Each table write's `commit()` stages its new manifest in the table directory under a
/// temporary name, and the table's lock stays with the transaction until it ends, so no other
/// writer touches the table meanwhile. `snapshot(table:)` reads a staged table as the transaction
/// left it. Thread-safe; one statement should write at a time.
package final class DatabaseTransaction: Sendable {
    /// A table the transaction has changed.
    struct StagedTable {
        /// The table directory's name.
        var entry: String
        /// The table directory's path.
        var directory: String
        /// The table's writer lock, held until the transaction ends.
        var lock: FileLock
        /// The manifest committed before the transaction first wrote the table (nil: it created it).
        var committed: Manifest?
        /// The latest manifest the transaction staged.
        var manifest: Manifest
        /// The staged manifest's temporary file name in `directory`.
        var manifestFile: String
        /// The staged state as a snapshot, opened on first read.
        var snapshot: TableSnapshot?
        /// Whether the transaction drops the table (then `manifest` is the committed one and
        /// `manifestFile` is empty, until a later CREATE of the name stages a new manifest).
        var isDropped = false
    }

    /// A view the transaction creates, replaces or drops.
    struct StagedView {
        /// The view's name as written.
        var name: String
        /// The new definition; nil when the transaction drops the view.
        var definition: ViewDefinition?
        /// The staged view file's name in the view directory (empty for a drop).
        var file: String
        /// The view name's lock, held until the transaction ends.
        var lock: FileLock
        /// Whether a committed view of the name existed when the transaction first changed it.
        var existed: Bool
    }

    /// How a transaction has changed a view.
    package enum ViewChange: Sendable, Hashable {
        /// Created or replaced with this definition.
        case defined(ViewDefinition)
        /// Dropped.
        case dropped
    }

    /// Steps of `commit()`, for tests that simulate a crash between them (§11).
    enum CommitStep: CaseIterable { case staged, recordWritten, firstManifestRenamed, manifestsRenamed }

    /// The catalog the transaction writes.
    package let catalog: StorageCatalog
    private let staged = Mutex<[String: StagedTable]>([:])
    private let views = Mutex<[String: StagedView]>([:])
    private let isOpen = Mutex(true)
    /// Test hook: `commit()` stops as if the process died right after this step.
    let crashAfter = Mutex<CommitStep?>(nil)
    /// Set when the test hook stopped a commit: nothing is cleaned up, as after a real crash.
    private let crashed = Mutex(false)

    /// Starts a transaction on `catalog`; it locks nothing until its first write.
    package init(_ catalog: StorageCatalog) {
        self.catalog = catalog
    }

    /// Starts a write of `name` inside the transaction, as `StorageCatalog.beginWrite` does
    /// outside one; the write's `commit()` stages its result here.
    ///
    /// - Throws: `.transactionClosed` after commit or rollback; what `beginWrite` throws.
    package func beginWrite(table name: String, mode: WriteMode, schema: Schema) throws(StorageError)
        -> TableWriteTransaction
    {
        try checkOpen(name)
        if let view = views.withLock({ $0[TableName.key(name)] }) {
            // One commit record entry per name: a table and a view of one name cannot both change.
            throw StorageError(
                .tableExists,
                view.definition == nil
                    ? "view \"\(view.name)\" is dropped in this transaction; COMMIT before creating a table of its name"
                    : "a view named \"\(view.name)\" already exists", table: name)
        }
        return try catalog.startWrite(table: name, mode: mode, schema: schema, in: self)
    }

    /// Whether the transaction has staged no change.
    package var isEmpty: Bool { staged.withLock { $0.isEmpty } && views.withLock { $0.isEmpty } }

    /// How the transaction has changed view `name` (matched ignoring case), or nil when it has not.
    package func viewChange(named name: String) -> ViewChange? {
        views.withLock { $0[TableName.key(name)] }.map { $0.definition.map(ViewChange.defined) ?? .dropped }
    }

    /// The views the transaction has changed, by name as written.
    package var viewChanges: [String: ViewChange] {
        views.withLock { views in
            Dictionary(
                uniqueKeysWithValues: views.values.map { ($0.name, $0.definition.map(ViewChange.defined) ?? .dropped) })
        }
    }

    /// Creates (or with `orReplace` replaces) view `name` when the transaction commits; until then
    /// only its statements see it. The view's file is written now under a staged name.
    ///
    /// - Throws: `.transactionClosed`; `.invalidName`; `.tableExists` when a table or (without
    ///   `orReplace`) a view has the name; `.busy` while another writer holds the name; `.io`.
    package func createView(named name: String, sql: String, orReplace: Bool) throws(StorageError) {
        try checkOpen(name)
        try TableName.validate(name)
        let key = TableName.key(name)
        try checkNameFree(key, before: "creating a view of its name")
        let earlier = views.withLock { $0[key] }
        let lock: FileLock
        let existed: Bool
        if let earlier {
            if let defined = earlier.definition, !orReplace {
                throw StorageError(.tableExists, "view \"\(defined.name)\" already exists", table: defined.name)
            }
            lock = earlier.lock
            existed = earlier.existed
        } else {
            lock = try catalog.lockTable(name)
            do {
                let committed = catalog.viewDefinition(named: name)
                try catalog.checkViewName(name, orReplace: orReplace, existingView: committed)
                existed = committed != nil
            } catch {
                lock.release()
                throw error
            }
        }
        let file: String
        do { file = try catalog.writeStagedView(named: name, sql: sql) } catch {
            if earlier == nil { lock.release() }
            throw error
        }
        if let earlier, !earlier.file.isEmpty { removeStagedViewFile(earlier) }
        views.withLock {
            $0[key] = StagedView(
                name: name, definition: ViewDefinition(name: name, sql: sql), file: file, lock: lock, existed: existed)
        }
    }

    /// Drops view `name` when the transaction commits; its statements no longer see it now.
    ///
    /// - Throws: `.transactionClosed`; `.invalidName`; `.tableNotFound` when there is no such
    ///   view; `.busy` while another writer holds the name; `.io`.
    package func dropView(named name: String) throws(StorageError) {
        try checkOpen(name)
        try TableName.validate(name)
        let key = TableName.key(name)
        let notFound = StorageError(.tableNotFound, "cannot drop view \"\(name)\": no such view", table: name)
        if let earlier = views.withLock({ $0[key] }) {
            guard earlier.definition != nil else { throw notFound }
            removeStagedViewFile(earlier)
            if earlier.existed {
                views.withLock {
                    $0[key] = StagedView(name: name, definition: nil, file: "", lock: earlier.lock, existed: true)
                }
            } else {
                // Created in this transaction: forgotten, as if never created.
                views.withLock { _ = $0.removeValue(forKey: key) }
                earlier.lock.release()
            }
            return
        }
        let lock = try catalog.lockTable(name)
        guard let committed = catalog.viewDefinition(named: name) else {
            lock.release()
            throw notFound
        }
        views.withLock {
            $0[key] = StagedView(name: committed.name, definition: nil, file: "", lock: lock, existed: true)
        }
    }

    /// Throws `.transactionClosed` once the transaction has committed or rolled back.
    private func checkOpen(_ name: String) throws(StorageError) {
        guard isOpen.withLock({ $0 }) else {
            throw StorageError(.transactionClosed, "the transaction has ended", table: name)
        }
    }

    /// Throws `.tableExists` when the transaction has a table of key `key`: one it created or
    /// changed, or one it dropped (whose name it cannot reuse for `before` until COMMIT).
    private func checkNameFree(_ key: String, before: String) throws(StorageError) {
        guard let table = staged.withLock({ $0[key] }) else { return }
        throw StorageError(
            .tableExists,
            table.isDropped
                ? "table \"\(table.entry)\" is dropped in this transaction; COMMIT before \(before)"
                : "a table named \"\(table.entry)\" already exists", table: table.entry)
    }

    /// Forgets a table the transaction created (nothing committed to keep): its files go, its lock is released.
    private func forgetCreated(_ table: StagedTable, key: String) {
        staged.withLock { _ = $0.removeValue(forKey: key) }
        try? StorageCatalog.removeOrphans(in: table.directory, keeping: nil, table: table.entry)
        _ = FileSystem.removeEmptyDirectory(table.directory)
        table.lock.release()
    }

    /// Deletes a staged view file (best effort: a leftover is a small file nobody reads).
    private func removeStagedViewFile(_ view: StagedView) {
        guard !view.file.isEmpty else { return }
        try? FileSystem.removeFile(catalog.viewDirectory + "/" + view.file, table: view.name)
    }

    /// The commit record entry that publishes `view`.
    private static func recordEntry(_ view: StagedView) -> CommitRecord.Entry {
        CommitRecord.Entry(
            action: view.definition == nil ? .dropView : .putView, table: view.name, manifestFile: view.file,
            generation: 1)
    }

    /// The names of the tables this transaction created (they have no committed manifest yet).
    package var createdTableNames: [String] {
        staged.withLock { tables in tables.values.filter { $0.committed == nil && !$0.isDropped }.map(\.entry) }
    }

    /// The keys (lower-cased names) of the tables this transaction drops.
    package var droppedTableKeys: Set<String> {
        staged.withLock { tables in Set(tables.filter { $0.value.isDropped }.map(\.key)) }
    }

    /// The names of the tables this transaction changed.
    package var changedTableNames: [String] { staged.withLock { $0.values.map(\.entry).sorted() } }

    /// The staged state of `name` as a snapshot, or nil when the transaction has not changed it.
    ///
    /// - Throws: what opening the staged segments throws.
    package func snapshot(table name: String) throws(StorageError) -> TableSnapshot? {
        let key = TableName.key(name)
        guard let table = staged.withLock({ $0[key] }) else { return nil }
        if table.isDropped {
            throw StorageError(.tableNotFound, "no table named \"\(name)\" in the database", table: name)
        }
        if let snapshot = table.snapshot { return snapshot }
        let opened = try TableSnapshot.open(
            table: table.entry, directory: table.directory, manifest: table.manifest, cache: catalog.readerCache)
        staged.withLock { tables in
            if tables[key]?.manifestFile == table.manifestFile { tables[key]?.snapshot = opened }
        }
        return opened
    }

    /// The staged state of the table with key `key`, for a write that builds on it.
    func stagedTable(key: String) -> (entry: String, directory: String, manifest: Manifest, isDropped: Bool)? {
        staged.withLock { tables in tables[key].map { ($0.entry, $0.directory, $0.manifest, $0.isDropped) } }
    }

    /// Drops table `name` when the transaction commits; until then its statements no longer see
    /// it, and a CREATE of the name makes a new table in its place. A table the transaction
    /// created is forgotten at once (its files deleted).
    ///
    /// - Throws: `.transactionClosed`; `.tableNotFound`; `.busy` while another writer holds the table.
    package func dropTable(_ name: String) throws(StorageError) {
        try checkOpen(name)
        try TableName.validate(name)
        let key = TableName.key(name)
        let notFound = StorageError(.tableNotFound, "cannot drop \"\(name)\": no such table", table: name)
        if let table = staged.withLock({ $0[key] }) {
            if table.isDropped { throw notFound }
            if table.committed == nil {
                forgetCreated(table, key: key)
                return
            }
            staged.withLock { tables in
                tables[key]?.isDropped = true
                tables[key]?.snapshot = nil
                tables[key]?.manifest = table.committed!
                tables[key]?.manifestFile = ""
            }
            return
        }
        let lock = try catalog.lockTable(name)
        guard let entry = try catalog.committedTableEntry(name) else {
            lock.release()
            throw notFound
        }
        let manifest: Manifest
        do { manifest = try catalog.readManifest(table: entry) } catch {
            lock.release()
            throw error
        }
        staged.withLock { tables in
            tables[key] = StagedTable(
                entry: entry, directory: catalog.tablePath(entry), lock: lock, committed: manifest,
                manifest: manifest, manifestFile: "", isDropped: true)
        }
    }

    /// Renames table `name` to `newName` when the transaction commits; its statements see the new
    /// name at once. The new name's directory gets hard links to the table's files (as the
    /// transaction left them) and a staged manifest, and the old name is dropped: both are
    /// published by the commit (§11), so other readers see the old name or the new, never both.
    ///
    /// - Throws: `.transactionClosed`; `.invalidName`; `.tableNotFound`; `.tableExists` when a
    ///   table or view has the new name; `.busy` while another writer holds either name; `.io`.
    package func renameTable(_ name: String, to newName: String) throws(StorageError) {
        try checkOpen(name)
        try TableName.validate(name)
        try TableName.validate(newName)
        let key = TableName.key(name), newKey = TableName.key(newName)
        guard key != newKey else {
            throw StorageError(
                .busy, "changing only the case of a table's name cannot run inside a transaction yet; COMMIT first",
                table: name)
        }
        try checkNameFree(newKey, before: "renaming a table to its name")
        if views.withLock({ $0[newKey] }) != nil {
            throw StorageError(
                .tableExists,
                "view \"\(newName)\" is changed in this transaction; COMMIT before renaming a table to its name",
                table: newName)
        }
        // The table as the transaction sees it, and the name's lock (taken now if the transaction had none).
        let source = staged.withLock { $0[key] }
        if source?.isDropped == true {
            throw StorageError(.tableNotFound, "cannot rename \"\(name)\": no such table", table: name)
        }
        let sourceLock = source == nil ? try catalog.lockTable(name) : nil
        let newLock: FileLock
        do { newLock = try catalog.lockTable(newName) } catch {
            sourceLock?.release()
            throw error
        }
        let target = catalog.tablePath(newName)
        var linked = false
        do throws(StorageError) {
            let entry: String, directory: String, manifest: Manifest, committed: Manifest?
            if let source {
                (entry, directory, manifest, committed) = (
                    source.entry, source.directory, source.manifest, source.committed
                )
            } else {
                guard let found = try catalog.committedTableEntry(name) else {
                    throw StorageError(.tableNotFound, "cannot rename \"\(name)\": no such table", table: name)
                }
                let read = try catalog.readManifest(table: found)
                (entry, directory, manifest, committed) = (found, catalog.tablePath(found), read, read)
            }
            if let taken = try catalog.committedTableEntry(newName) {
                throw StorageError(.tableExists, "table \"\(taken)\" already exists", table: taken)
            }
            if catalog.viewDefinition(named: newName) != nil {
                throw StorageError(.tableExists, "a view named \"\(newName)\" already exists", table: newName)
            }
            // A directory of the new name without a manifest is a leftover of a create that never committed.
            if let leftover = try catalog.tableEntry(newName, committedOnly: false) {
                try FileSystem.removeTree(catalog.tablePath(leftover), table: leftover)
            }
            try FileSystem.makeDirectory(target, table: newName)
            linked = true
            for file in manifest.segments.flatMap(\.fileNames) {
                try FileSystem.link(directory + "/" + file, to: target + "/" + file, table: newName)
            }
            // A new table to readers: its first manifest, generation 1, staged like a CREATE's.
            let renamed = Manifest(generation: 1, schema: manifest.schema, segments: manifest.segments)
            let file = TableWriteTransaction.temporaryManifestPrefix + StorageCatalog.randomSuffix()
            try FileSystem.writeNewFileDurably(target + "/" + file, renamed.encoded(), table: newName)
            try FileSystem.sync(target, table: newName)
            try FileSystem.sync(catalog.directory, table: newName)
            stage(entry: newName, directory: target, base: nil, manifest: renamed, file: file, lock: newLock)
            // The old name goes at the commit, as DROP TABLE in a transaction does.
            if let source, source.committed == nil {
                forgetCreated(source, key: key)
            } else {
                let lock = source?.lock ?? sourceLock!
                staged.withLock { tables in
                    tables[key] = StagedTable(
                        entry: entry, directory: directory, lock: lock, committed: committed, manifest: committed!,
                        manifestFile: "", isDropped: true)
                }
            }
        } catch {
            if linked, staged.withLock({ $0[newKey] }) == nil {
                try? FileSystem.removeTree(target, table: newName)
            }
            if staged.withLock({ $0[newKey] }) == nil { newLock.release() }
            sourceLock?.release()
            throw error
        }
    }

    /// Records a table write's new manifest, written durably to `file` in `directory`; `lock` is
    /// the table's lock when this is the transaction's first write of it (nil otherwise).
    func stage(
        entry: String, directory: String, base: Manifest?, manifest: Manifest, file: String, lock: FileLock?
    ) {
        let key = TableName.key(entry)
        staged.withLock { tables in
            if var table = tables[key] {
                table.manifest = manifest
                table.manifestFile = file
                table.snapshot = nil
                table.isDropped = false
                tables[key] = table
            } else {
                precondition(lock != nil, "the first staged write of a table brings its lock")
                tables[key] = StagedTable(
                    entry: entry, directory: directory, lock: lock!, committed: base, manifest: manifest,
                    manifestFile: file)
            }
        }
    }

    /// Publishes every staged table at once. One table: its manifest is renamed over `MANIFEST`.
    /// Several: a commit record naming their new manifests is written and renamed into place (the
    /// commit point), the manifests are renamed, and the record is deleted, all under the exclusive
    /// commit lock, so readers see all the changes or none (§11). Then files the new manifests do
    /// not list are deleted and the tables' locks released.
    ///
    /// - Throws: `.transactionClosed` after an earlier commit or rollback; `.io` (before the
    ///   commit point everything is rolled back and the message says nothing was committed; after
    ///   it the transaction stands and the next writer finishes publishing it).
    package func commit() throws(StorageError) {
        guard
            isOpen.withLock({ open in
                defer { open = false }; return open
            })
        else {
            throw StorageError(.transactionClosed, "the transaction has already ended")
        }
        let tables = staged.withLock { $0.values.sorted { TableName.key($0.entry) < TableName.key($1.entry) } }
        let changedViews = views.withLock { $0.values.sorted { TableName.key($0.name) < TableName.key($1.name) } }
        guard !tables.isEmpty || !changedViews.isEmpty else { return }
        do {
            if !changedViews.isEmpty {
                if tables.isEmpty && changedViews.count == 1 {
                    // One view: its rename into place (or its file's removal) is the commit.
                    try catalog.publish(CommitRecord(entries: [Self.recordEntry(changedViews[0])]))
                } else {
                    try publish(tables, views: changedViews)
                }
            } else if tables.count == 1, tables[0].isDropped {
                try catalog.removeDirectory(of: tables[0].entry)
            } else if tables.count == 1 {
                let table = tables[0]
                try FileSystem.moveAtomically(
                    table.directory + "/" + table.manifestFile, to: table.directory + "/" + Manifest.fileName,
                    table: table.entry)
                try FileSystem.sync(table.directory, table: table.entry)
            } else {
                try publish(tables)
            }
        } catch let failure {
            if crashed.withLock({ $0 }) {
                for table in tables { table.lock.release() }
                for view in changedViews { view.lock.release() }
                throw failure
            }
            let published =
                catalog.isPublished(tables.map { ($0.entry, $0.manifest.generation, $0.isDropped) })
                && changedViews.allSatisfy { catalog.viewDefinition(named: $0.name) == $0.definition }
            if !published {
                release(tables, keepingCommitted: true)
                release(changedViews)
                throw failure.noting("nothing was committed; every table is unchanged")
            }
            // Finish publishing now if possible; otherwise leave the waiting manifests to the next writer.
            if (try? catalog.recoverInterruptedCommit()) != nil {
                release(tables, keepingCommitted: false)
                release(changedViews)
            } else {
                for table in tables { table.lock.release() }
                for view in changedViews { view.lock.release() }
            }
            throw failure.noting("the transaction is committed; the next write finishes publishing it")
        }
        release(tables, keepingCommitted: false)
        release(changedViews)
    }

    /// Drops every staged change: deletes the files the transaction wrote and releases its locks.
    /// Does nothing after `commit()` or an earlier `rollback()`.
    package func rollback() {
        guard
            isOpen.withLock({ open in
                defer { open = false }; return open
            })
        else { return }
        release(staged.withLock { Array($0.values) }, keepingCommitted: true)
        release(views.withLock { Array($0.values) })
    }

    deinit {
        if isOpen.withLock({ $0 }) { rollback() }
    }

    /// Publishes several tables and views through a commit record (§11).
    private func publish(_ tables: [StagedTable], views: [StagedView] = []) throws(StorageError) {
        let lock = try catalog.lockCommits(shared: false)
        defer { lock.release() }
        try step(.staged)
        catalog.removeTemporaryCommitRecords()
        let record = CommitRecord(
            entries: tables.map {
                CommitRecord.Entry(
                    action: $0.isDropped ? .drop : .publish, table: $0.entry, manifestFile: $0.manifestFile,
                    generation: $0.manifest.generation)
            } + views.map(Self.recordEntry))
        let recordPath = catalog.directory + "/" + CommitRecord.fileName
        let temporary = catalog.directory + "/" + CommitRecord.temporaryPrefix + StorageCatalog.randomSuffix()
        do {
            try FileSystem.writeNewFileDurably(temporary, record.encoded(), table: nil)
            try FileSystem.moveAtomically(temporary, to: recordPath, table: nil)
        } catch {
            try? FileSystem.removeFile(temporary, table: nil)
            throw error
        }
        // The commit point: from here on readers take the new manifests the record names.
        try FileSystem.sync(catalog.directory, table: nil)
        try step(.recordWritten)
        for (index, table) in tables.enumerated() {
            if table.isDropped {
                try catalog.publish(CommitRecord(entries: [record.entries[index]]))
            } else {
                try FileSystem.moveAtomically(
                    table.directory + "/" + table.manifestFile, to: table.directory + "/" + Manifest.fileName,
                    table: table.entry)
                try FileSystem.sync(table.directory, table: table.entry)
            }
            if index == 0 { try step(.firstManifestRenamed) }
        }
        try catalog.publish(CommitRecord(entries: Array(record.entries[tables.count...])))
        try step(.manifestsRenamed)
        try FileSystem.removeFile(recordPath, table: nil)
        try FileSystem.sync(catalog.directory, table: nil)
        catalog.removeDroppedLeftovers()
    }

    /// Deletes what the tables' directories hold beyond the manifest that stays (the committed one
    /// for a rollback, the staged one after a commit) and releases the tables' locks.
    private func release(_ tables: [StagedTable], keepingCommitted: Bool) {
        for table in tables {
            let keeping = keepingCommitted ? table.committed : table.manifest
            // Best effort: what cannot be deleted now is a leftover the next writer deletes. A
            // dropped table's directory is gone after a commit.
            if keepingCommitted || !table.isDropped {
                try? StorageCatalog.removeOrphans(in: table.directory, keeping: keeping, table: table.entry)
            }
            if keepingCommitted && table.committed == nil { _ = FileSystem.removeEmptyDirectory(table.directory) }
            table.lock.release()
        }
    }

    /// Deletes the staged files `views` left (none after a commit renamed them) and releases their locks.
    private func release(_ views: [StagedView]) {
        for view in views {
            removeStagedViewFile(view)
            view.lock.release()
        }
    }

    /// Simulates a crash after `completed` when the test hook asks for it.
    private func step(_ completed: CommitStep) throws(StorageError) {
        guard crashAfter.withLock({ $0 }) == completed else { return }
        crashed.withLock { $0 = true }
        throw StorageError(.io, "simulated crash after \(completed)")
    }
}

extension StorageCatalog {
    /// Whether every table of `tables` (directory name, generation, whether dropped) shows the
    /// generation in its `MANIFEST` or through a pending commit record, or is gone if dropped: a
    /// failed commit is then committed anyway.
    func isPublished(_ tables: [(String, UInt64, Bool)]) -> Bool {
        let pending = try? pendingCommit()
        return tables.allSatisfy { entry, generation, isDropped in
            let found: String?
            do { found = try manifestFile(of: entry, pending: pending) } catch { return false }
            guard let file = found else { return true }  // the pending commit drops it
            if isDropped { return !FileSystem.isDirectory(tablePath(entry)) }
            guard let manifest = try? readManifest(table: entry, file: file) else { return false }
            return manifest.generation == generation
        }
    }
}
