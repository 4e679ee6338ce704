import PlazaCore
import PlazaFormat
import PlazaVector

extension StorageCatalog {
    /// Starts writing `name`: takes the table's lock and returns a transaction that streams
    /// batches into new segment files and publishes them atomically on `commit()`.
    ///
    /// With `.append`, `schema` must name the same columns as the table (any order, any case).
    /// The transaction's `schema` is the table's column order with each type widened where the
    /// new type is wider (BIGINT→DECIMAL(18,s), BIGINT/DECIMAL→DOUBLE, DATE→TIMESTAMP,
    /// anything→VARCHAR, two DECIMALs to one holding both); older segments are converted while
    /// reading. Where the new type is narrower the table keeps its type, and the caller must cast
    /// its batches to `transaction.schema` before appending them.
    ///
    /// - Throws: `.readOnly`; `.invalidName`; `.busy` if another writer still holds the table after
    ///   `StorageOptions.lockTimeout`;
    ///   `.tableExists` (create), `.tableNotFound` (append), `.schemaMismatch`; `.io`.
    package func beginWrite(table name: String, mode: WriteMode, schema: Schema) throws(StorageError)
        -> TableWriteTransaction
    {
        try startWrite(table: name, mode: mode, schema: schema, in: nil)
    }

    /// `beginWrite`, inside `transaction` when one is given: a table the transaction already
    /// changed is written on top of its staged state, under the lock the transaction holds.
    func startWrite(table name: String, mode: WriteMode, schema: Schema, in transaction: DatabaseTransaction?)
        throws(StorageError) -> TableWriteTransaction
    {
        guard !isReadOnly else {
            throw StorageError(.readOnly, "the database was opened read-only", table: name, file: directory)
        }
        try TableName.validate(name)
        try Self.validateNewSchema(schema, table: name)
        if let transaction, let staged = transaction.stagedTable(key: TableName.key(name)) {
            if staged.isDropped {
                // The transaction dropped the table: a CREATE makes a new one in its place (its
                // generation continues the dropped one's, so a half-published commit is recognized).
                guard mode != .append else {
                    throw StorageError(
                        .tableNotFound, "cannot append to \"\(name)\": no such table; create it first", table: name)
                }
                let empty = Manifest(generation: staged.manifest.generation, schema: schema, segments: [])
                return TableWriteTransaction(
                    table: staged.entry, directory: staged.directory, mode: .replace, schema: schema, base: empty,
                    lock: nil, options: options, owner: transaction)
            }
            let tableSchema: Schema
            switch mode {
            case .create:
                throw StorageError(
                    .tableExists, "table \"\(staged.entry)\" already exists; append to it or replace it",
                    table: staged.entry)
            case .append:
                tableSchema = try Self.appendSchema(table: staged.manifest.schema, new: schema, name: staged.entry)
                try Self.checkStoredValuesFit(
                    table: staged.entry, directory: staged.directory, manifest: staged.manifest, widened: tableSchema)
            case .replace:
                tableSchema = schema
            }
            return TableWriteTransaction(
                table: staged.entry, directory: staged.directory, mode: mode, schema: tableSchema,
                base: staged.manifest, lock: nil, options: options, owner: transaction)
        }
        let lock = try lockTable(name)
        removeDroppedLeftovers()

        let existing = try tableEntry(name, committedOnly: false)
        var manifest: Manifest?
        var isDamaged = false
        if let existing, try FileSystem.fileSize(tablePath(existing) + "/" + Manifest.fileName, table: existing) != nil
        {
            do {
                manifest = try readManifest(table: existing)
            } catch  where error.kind == .damaged && mode == .replace {
                // Replacing is the way out of a damaged manifest; its old segments become orphans
                // that the first write after this one deletes.
                isDamaged = true
            }
        }
        let entry: String
        let tableSchema: Schema
        switch mode {
        case .create:
            if manifest != nil || isDamaged, let existing {
                throw StorageError(
                    .tableExists, "table \"\(existing)\" already exists; append to it or replace it", table: existing)
            }
            entry = existing ?? name
            tableSchema = schema
        case .append:
            guard let manifest, let existing else {
                throw StorageError(
                    .tableNotFound, "cannot append to \"\(name)\": no such table; create it first", table: name,
                    file: directory)
            }
            entry = existing
            tableSchema = try Self.appendSchema(table: manifest.schema, new: schema, name: existing)
            try Self.checkStoredValuesFit(
                table: existing, directory: tablePath(existing), manifest: manifest, widened: tableSchema)
        case .replace:
            entry = existing ?? name
            tableSchema = schema
        }
        let path = tablePath(entry)
        if try FileSystem.makeDirectory(path, table: entry) { try FileSystem.sync(directory, table: entry) }
        if !isDamaged { try Self.removeOrphans(in: path, keeping: manifest, table: entry) }
        return TableWriteTransaction(
            table: entry, directory: path, mode: mode, schema: tableSchema, base: manifest, lock: lock,
            options: options,
            owner: transaction)
    }

    /// Deletes a table and all its files. Snapshots opened earlier keep reading it (their files stay mapped).
    ///
    /// The directory is first renamed to a hidden name (atomic: a crash leaves the table either
    /// present or gone), then deleted; hidden leftovers of an interrupted drop are removed by later writes.
    ///
    /// - Throws: `.readOnly`, `.invalidName`, `.tableNotFound`, `.busy` while a writer holds the table, `.io`.
    package func dropTable(_ name: String) throws(StorageError) {
        guard !isReadOnly else {
            throw StorageError(.readOnly, "the database was opened read-only", table: name, file: directory)
        }
        try TableName.validate(name)
        let lock = try lockTable(name)
        defer { lock.release() }
        guard let entry = try committedTableEntry(name) else {
            throw StorageError(.tableNotFound, "cannot drop \"\(name)\": no such table", table: name, file: directory)
        }
        try removeDirectory(of: entry)
    }

    /// Removes table directory `entry` (its writer lock held): renamed to a hidden name, the
    /// database directory synced, then deleted.
    func removeDirectory(of entry: String) throws(StorageError) {
        let hidden = directory + "/" + Self.droppedPrefix + Self.randomSuffix()
        try FileSystem.moveAtomically(tablePath(entry), to: hidden, table: entry)
        try FileSystem.sync(directory, table: entry)
        readerCache.removeEntries(in: tablePath(entry))
        // The table is gone from here on; what cannot be deleted now (another writer may be
        // removing the same leftovers) is deleted by a later write.
        try? FileSystem.removeTree(hidden, table: entry)
    }

    // MARK: Helpers

    /// Takes the table's writer lock: `.plaza-locks/<lower-cased name>.lock` (§1), so names that differ
    /// only in case share a lock, and the lock outlives drops and re-creations of the table directory.
    /// Before returning it finishes a multi-table commit that a dead writer left half published
    /// (§11), so that the caller sees committed manifests only and its cleanup deletes no waiting one.
    func lockTable(_ name: String) throws(StorageError) -> FileLock {
        let locks = directory + "/" + Self.lockDirectoryName
        try FileSystem.makeDirectory(locks, table: name)
        let lock = try FileLock(
            path: locks + "/" + TableName.key(name) + ".lock", table: name, timeout: options.lockTimeout)
        try recoverInterruptedCommit()
        return lock
    }

    /// Deletes directories left by drops that were interrupted; errors are ignored (best effort:
    /// another process may be deleting the same leftovers).
    func removeDroppedLeftovers() {
        guard let entries = try? FileSystem.list(directory, table: nil) else { return }
        for entry in entries where entry.hasPrefix(Self.droppedPrefix) {
            try? FileSystem.removeTree(directory + "/" + entry, table: nil)
        }
    }

    /// Deletes segment files not listed in `manifest` and temporary manifests: the leftovers of
    /// writers that crashed or aborted (§5). Runs under the table's lock, so no writer is using them.
    static func removeOrphans(in path: String, keeping manifest: Manifest?, table: String) throws(StorageError) {
        let committed = Set(manifest?.segments.flatMap(\.fileNames) ?? [])
        for name in try FileSystem.list(path, table: table) {
            let isOrphanSegment =
                (Manifest.isSegmentFileName(name) || Manifest.isDeletionFileName(name)) && !committed.contains(name)
            if isOrphanSegment || name.hasPrefix(TableWriteTransaction.temporaryManifestPrefix) {
                try FileSystem.removeFile(path + "/" + name, table: table)
            }
        }
    }

    /// Reads, under the widened schema, every stored column whose widening could overflow
    /// (BIGINT or DECIMAL to a DECIMAL of larger scale), so that an append never makes old rows
    /// unreadable: a value that does not fit throws `.schemaMismatch` before anything is written.
    static func checkStoredValuesFit(table: String, directory: String, manifest: Manifest, widened: Schema)
        throws(StorageError)
    {
        let risky = zip(manifest.schema.fields, widened.fields).enumerated().compactMap { index, pair -> Int? in
            if case .decimal(_, let newScale) = pair.1.type, pair.0.type != pair.1.type {
                if pair.0.type == .bigint || pair.0.type.decimalScale < newScale { return index }
            }
            return nil
        }
        guard !risky.isEmpty, !manifest.segments.isEmpty else { return }
        var probe = manifest
        probe.schema = widened
        let snapshot = try TableSnapshot.open(table: table, directory: directory, manifest: probe)
        let batch = Batch(types: risky.map { widened.fields[$0].type })
        do {
            for group in 0..<snapshot.rowGroupCount where !risky.allSatisfy({ statisticsProveFit(snapshot, group, $0) })
            {
                let cursor = try snapshot.openRowGroup(group, columns: risky, predicates: [])
                while try cursor.next(into: batch) {}
            }
        } catch let error as StorageError {
            throw error
        } catch {
            throw StorageError(.io, "checking stored values failed: \(error)", table: table)
        }
    }

    /// Whether the stored min and max of a column chunk show that every value fits the widened
    /// DECIMAL, so the chunk need not be read (a missing bound proves nothing).
    static func statisticsProveFit(_ snapshot: TableSnapshot, _ rowGroup: Int, _ column: Int) -> Bool {
        guard snapshot.isConverted(rowGroup: rowGroup, column: column) else { return true }
        guard case .decimal(let precision, let scale) = snapshot.schema.fields[column].type else { return false }
        let statistics = snapshot.storedStatistics(rowGroup: rowGroup, column: column)
        if statistics.nullCount == statistics.valueCount { return true }
        func fits(_ bound: Value?) -> Bool {
            let unscaled: Int64, storedScale: Int
            switch bound {
            case .bigint(let value): (unscaled, storedScale) = (value, 0)
            case .decimal(let value, let valueScale): (unscaled, storedScale) = (value, valueScale)
            default: return false
            }
            let digits = precision - (scale - storedScale)
            return digits >= 0 && unscaled.magnitude < UInt64(powersOfTen[digits])
        }
        return fits(statistics.min) && fits(statistics.max)
    }

    /// A random 16-digit hexadecimal string for file names that must not collide.
    static func randomSuffix() -> String {
        let text = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        return String(repeating: "0", count: 16 - text.count) + text
    }

    /// Checks that a schema can be stored: at least one column, names non-empty, distinct
    /// (ignoring case) and short enough, storable types, valid DECIMAL precision and scale.
    static func validateNewSchema(_ schema: Schema, table: String) throws(StorageError) {
        guard schema.count > 0 else {
            throw StorageError(.schemaMismatch, "a table needs at least one column", table: table)
        }
        var seen = Set<String>()
        for field in schema.fields {
            guard !field.name.isEmpty, field.name.utf8.count <= 4096 else {
                throw StorageError(
                    .schemaMismatch, "column names must be 1 to 4,096 bytes long", table: table, column: field.name)
            }
            guard seen.insert(field.name.lowercased()).inserted else {
                throw StorageError(
                    .schemaMismatch, "two columns are named \"\(field.name)\" (names ignore case)", table: table,
                    column: field.name)
            }
            switch field.type {
            case .interval, .null:
                throw StorageError(
                    .schemaMismatch, "type \(field.type) cannot be stored in a table", table: table, column: field.name)
            case .decimal(let p, let s):
                // Up to 18 digits as Int64 (type code 4), 19 to 38 as Int128 (code 8, Formats/ §4.1).
                guard p >= 1, p <= DataType.maxDecimalPrecision, s >= 0, s <= p else {
                    throw StorageError(
                        .schemaMismatch, "DECIMAL(\(p),\(s)) is not storable (1 ≤ p ≤ 38, 0 ≤ s ≤ p)", table: table,
                        column: field.name)
                }
            default: break
            }
        }
    }

    /// The table's schema after appending data of schema `new`: the table's column order, widened types.
    static func appendSchema(table old: Schema, new: Schema, name: String) throws(StorageError) -> Schema {
        var fields: [Field] = []
        var matched = Set<Int>()
        for field in old.fields {
            guard let index = new.index(of: field.name), !matched.contains(index) else {
                throw StorageError(
                    .schemaMismatch,
                    "the appended data has no column \"\(field.name)\"; appends must bring every column",
                    table: name, column: field.name)
            }
            matched.insert(index)
            let incoming = new.fields[index]
            guard let type = TypeWidening.widened(field.type, incoming.type) else {
                throw StorageError(
                    .schemaMismatch, "cannot append \(incoming.type) values to a \(field.type) column; cast them first",
                    table: name, column: field.name)
            }
            fields.append(Field(name: field.name, type: type, isNullable: field.isNullable || incoming.isNullable))
        }
        if let extra = new.fields.indices.first(where: { !matched.contains($0) }) {
            throw StorageError(
                .schemaMismatch,
                "the table has no column \"\(new.fields[extra].name)\"; replace the table to change its columns",
                table: name, column: new.fields[extra].name)
        }
        return Schema(fields)
    }
}

extension StorageCatalog {
    /// Renames table `name` to `newName`: one atomic `rename` of its directory under both names'
    /// locks (Formats/plaza-manifest.md §1), so readers see the table under one name or the other.
    /// Snapshots opened before keep reading it.
    ///
    /// - Throws: `.readOnly`, `.invalidName`, `.tableNotFound`, `.tableExists` when `newName` is
    ///   taken (a table or a view), `.busy` while a writer holds either name, `.io`.
    package func renameTable(_ name: String, to newName: String) throws(StorageError) {
        guard !isReadOnly else {
            throw StorageError(.readOnly, "the database was opened read-only", table: name, file: directory)
        }
        try TableName.validate(name)
        try TableName.validate(newName)
        let sameKey = TableName.key(name) == TableName.key(newName)
        // Both locks, in key order, so two renames in opposite directions cannot deadlock.
        let first = sameKey || TableName.key(name) < TableName.key(newName) ? name : newName
        let firstLock = try lockTable(first)
        defer { firstLock.release() }
        let secondLock = sameKey ? nil : try lockTable(first == name ? newName : name)
        defer { secondLock?.release() }
        guard let entry = try committedTableEntry(name) else {
            throw StorageError(.tableNotFound, "cannot rename \"\(name)\": no such table", table: name, file: directory)
        }
        if !sameKey {
            if let taken = try tableEntry(newName, committedOnly: true) {
                throw StorageError(.tableExists, "table \"\(taken)\" already exists", table: taken)
            }
            if viewDefinition(named: newName) != nil {
                throw StorageError(.tableExists, "a view named \"\(newName)\" already exists", table: newName)
            }
            // A directory of that name without a manifest is a leftover of a create that never
            // committed: it goes, so that the rename can take its place.
            if let leftover = try tableEntry(newName, committedOnly: false) {
                try FileSystem.removeTree(tablePath(leftover), table: leftover)
            }
        }
        try FileSystem.moveAtomically(tablePath(entry), to: tablePath(newName), table: entry)
        try FileSystem.sync(directory, table: newName)
        readerCache.removeEntries(in: tablePath(entry))
    }
}
