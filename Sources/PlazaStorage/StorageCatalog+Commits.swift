import PlazaCore

extension StorageCatalog {
    /// The lock a transaction's commit holds exclusively while it publishes several manifests,
    /// and readers hold shared while they pin tables (Formats/plaza-manifest.md §11).
    var commitLockPath: String { directory + "/" + Self.lockDirectoryName + "/.commit.lock" }

    /// How long a reader or a committer waits for the commit lock: commits hold it for a few
    /// renames and readers only while a statement is bound, so a long wait means something is stuck.
    static let commitLockTimeout: Duration = .seconds(60)

    /// The turnstile in front of the commit lock (§11): a committer holds it while it waits for
    /// readers to leave, so that a stream of overlapping readers cannot starve it.
    var commitTurnstilePath: String { directory + "/" + Self.lockDirectoryName + "/.commit-turnstile.lock" }

    /// Takes the commit lock (§11), shared for readers and exclusive for a committer. Both pass
    /// the turnstile first: a reader holds it only for the instant of taking its shared lock, a
    /// committer for as long as it holds the commit lock.
    func lockCommits(shared: Bool) throws(StorageError) -> FileLock {
        let locks = directory + "/" + Self.lockDirectoryName
        if !FileSystem.isDirectory(locks) {
            // A database that never had a writer has no lock directory; a read-only one never will,
            // and needs no lock: nothing in it can be committing.
            guard !isReadOnly else { return FileLock.none }
            try FileSystem.makeDirectory(locks, table: nil)
        }
        let busy = "a commit of several tables has held the database for a minute; retry later"
        let turnstile = try FileLock(
            path: commitTurnstilePath, table: nil, timeout: Self.commitLockTimeout, busyMessage: busy)
        let lock = try FileLock(
            path: commitLockPath, table: nil, timeout: Self.commitLockTimeout, shared: shared, busyMessage: busy)
        if shared {
            turnstile.release()
        } else {
            lock.companion = turnstile
        }
        return lock
    }

    /// The record of a multi-table commit not yet finished (its committer is publishing it, or
    /// died doing so), or nil. Readers take the manifests it names in place of the tables' own.
    ///
    /// - Throws: `.damaged` when the record cannot be read.
    func pendingCommit() throws(StorageError) -> CommitRecord? {
        let path = directory + "/" + CommitRecord.fileName
        guard let bytes = try FileSystem.readFileIfPresent(path, table: nil, limit: 1 << 20) else { return nil }
        return try CommitRecord.decode(bytes, path: path)
    }

    /// The manifest file a reader of table directory `entry` reads: the pending commit's new
    /// manifest when one names the table and has not been renamed yet, else `MANIFEST`; nil when
    /// the pending commit drops the table.
    func manifestFile(of entry: String, pending: CommitRecord?) throws(StorageError) -> String? {
        guard let pending else { return Manifest.fileName }
        let key = TableName.key(entry)
        guard let named = pending.entries.first(where: { !$0.isView && TableName.key($0.table) == key }) else {
            return Manifest.fileName
        }
        if named.action == .drop { return nil }
        let waiting = try FileSystem.fileSize(tablePath(named.table) + "/" + named.manifestFile, table: entry) != nil
        return waiting ? named.manifestFile : Manifest.fileName
    }

    /// Finishes a multi-table commit whose committer died after its commit point: renames every
    /// new manifest the record names that is still waiting, then deletes the record (§11). Writers
    /// call it under their table's lock before they look at the table, so that no leftover
    /// cleanup deletes a committed manifest. Does nothing when there is no record.
    ///
    /// - Throws: `.damaged` for a bad record or a table whose new manifest is gone without having
    ///   been renamed; `.io`; `.busy` when the commit lock cannot be had.
    package func recoverInterruptedCommit() throws(StorageError) {
        guard !isReadOnly else { return }
        let path = directory + "/" + CommitRecord.fileName
        guard try FileSystem.fileSize(path, table: nil) != nil else { return }
        let lock = try lockCommits(shared: false)
        defer { lock.release() }
        // The committer may have finished while this waited for the lock.
        guard let record = try pendingCommit() else { return }
        try publish(record)
        try FileSystem.removeFile(path, table: nil)
        try FileSystem.sync(directory, table: nil)
    }

    /// Renames each waiting manifest of `record` over its table's `MANIFEST` and makes the
    /// rename durable; a manifest already renamed is recognized by its generation.
    func publish(_ record: CommitRecord) throws(StorageError) {
        for entry in record.entries {
            switch entry.action {
            case .putView:
                // Renamed into place if still waiting; once renamed, the view file is the new one.
                let staged = viewDirectory + "/" + entry.manifestFile
                if try FileSystem.fileSize(staged, table: entry.table) != nil {
                    try FileSystem.moveAtomically(staged, to: viewPath(entry.table), table: entry.table)
                    try FileSystem.sync(viewDirectory, table: entry.table)
                }
                continue
            case .dropView:
                if try FileSystem.fileSize(viewPath(entry.table), table: entry.table) != nil {
                    try FileSystem.removeFile(viewPath(entry.table), table: entry.table)
                    try FileSystem.sync(viewDirectory, table: entry.table)
                }
                continue
            case .publish, .drop:
                break
            }
            let table = tablePath(entry.table)
            if entry.action == .drop {
                // Renamed away if still there; what stays hidden is deleted by later writers.
                if FileSystem.isDirectory(table) {
                    let hidden = directory + "/" + Self.droppedPrefix + Self.randomSuffix()
                    try FileSystem.moveAtomically(table, to: hidden, table: entry.table)
                    try FileSystem.sync(directory, table: entry.table)
                    readerCache.removeEntries(in: table)
                }
                continue
            }
            let waiting = table + "/" + entry.manifestFile
            if try FileSystem.fileSize(waiting, table: entry.table) != nil {
                try FileSystem.moveAtomically(waiting, to: table + "/" + Manifest.fileName, table: entry.table)
                try FileSystem.sync(table, table: entry.table)
            } else {
                let current = try readManifest(table: entry.table, file: Manifest.fileName)
                guard current.generation >= entry.generation else {
                    throw StorageError(
                        .damaged,
                        "the commit record names the new manifest \(entry.manifestFile), which is missing, and MANIFEST is at generation \(current.generation), not \(entry.generation)",
                        table: entry.table, file: waiting)
                }
            }
        }
    }

    /// Deletes records of multi-table commits that died before their commit point (best effort).
    func removeTemporaryCommitRecords() {
        guard let entries = try? FileSystem.list(directory, table: nil) else { return }
        for entry in entries where entry.hasPrefix(CommitRecord.temporaryPrefix) {
            try? FileSystem.removeFile(directory + "/" + entry, table: nil)
        }
    }
}
