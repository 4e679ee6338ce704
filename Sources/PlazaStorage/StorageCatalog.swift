import PlazaCore
import PlazaFormat
import PlazaVector

/// How a write transaction treats an existing table.
package enum WriteMode: Sendable {
    /// Creates a new table; throws `.tableExists` if one of that name (in any case) exists.
    case create
    /// Adds rows to an existing table. Columns are matched by name (case-insensitively) and must
    /// be the same set; a column whose new type is wider widens the table (see `StorageCatalog.beginWrite`).
    case append
    /// Replaces the table's rows and schema, creating the table if it does not exist.
    case replace
}

/// Settings of a catalog's writers.
package struct StorageOptions: Sendable {
    /// A writer starts a new segment file after this many rows, so one file never grows without bound.
    package var rowsPerSegment: Int
    /// Options passed to every `SegmentWriter`.
    package var segmentOptions: SegmentWriterOptions
    /// How long a writer waits for another writer of the same table before throwing `.busy`.
    /// Short by default: long enough to ride out a lock briefly held by a forked process, short
    /// enough that a second import fails promptly instead of queueing.
    package var lockTimeout: Duration

    /// Creates options; the defaults suit imports of millions of rows.
    package init(
        rowsPerSegment: Int = 8 * 1_048_576, segmentOptions: SegmentWriterOptions = .init(),
        lockTimeout: Duration = .seconds(2)
    ) {
        precondition(rowsPerSegment > 0, "rowsPerSegment must be positive")
        precondition(lockTimeout >= .zero, "lockTimeout must not be negative")
        self.rowsPerSegment = rowsPerSegment
        self.segmentOptions = segmentOptions
        self.lockTimeout = lockTimeout
    }
}

/// A database directory: its tables, their committed snapshots, and writers (Formats/plaza-manifest.md).
///
/// ```swift
/// let catalog = try StorageCatalog(directory: "city.plaza")
/// let write = try catalog.beginWrite(table: "trips", mode: .create, schema: schema)
/// try write.append(batch)
/// let summary = try write.commit()
/// let snapshot = try catalog.snapshot(table: "trips")   // a ScanSource for the executor
/// ```
///
/// Readers never wait: `snapshot(table:)` reads the manifest committed at that moment and keeps
/// its segment files open, so later commits never disturb it. Writers take a per-table advisory
/// lock; a second writer of the same table waits at most `StorageOptions.lockTimeout` (2 s by
/// default), then gets `.busy`.
/// The catalog holds immutable settings and a thread-safe cache of opened segments, so it may be
/// shared by any number of threads.
package final class StorageCatalog: CatalogReader, Sendable {
    /// The database directory's path.
    package let directory: String
    /// Whether writes are refused.
    package let isReadOnly: Bool
    /// Settings of writers started from this catalog.
    package let options: StorageOptions
    /// Segment readers kept between snapshots, so repeated statements do not reopen unchanged files.
    let readerCache = SegmentReaderCache()

    /// The sub-directory that holds one lock file per table (§1).
    static let lockDirectoryName = ".plaza-locks"
    /// The prefix of a dropped table's directory while it is being deleted (§1).
    static let droppedPrefix = ".dropped-"

    /// Opens (and with `createIfMissing`, creates) the database directory at `directory`.
    ///
    /// - Throws: `.tableNotFound` when the directory is missing and `createIfMissing` is false or
    ///   `readOnly` is true; `.io` when it cannot be created (for example, its parent is missing).
    package init(
        directory: String, createIfMissing: Bool = true, readOnly: Bool = false, options: StorageOptions = .init()
    ) throws(StorageError) {
        self.directory = directory.count > 1 && directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        self.isReadOnly = readOnly
        self.options = options
        if !FileSystem.isDirectory(self.directory) {
            guard createIfMissing, !readOnly else {
                throw StorageError(.tableNotFound, "database directory does not exist", file: self.directory)
            }
            try FileSystem.makeDirectory(self.directory, table: nil)
            // Make the new directory's entry durable, as commits do for what they create.
            let parent =
                self.directory.contains("/") ? String(self.directory[..<self.directory.lastIndex(of: "/")!]) : "."
            try FileSystem.sync(parent.isEmpty ? "/" : parent, table: nil)
        }
    }

    // MARK: Reading

    /// The names of the committed tables, sorted; a directory without a manifest is not a table.
    package func tableNames() -> [String] {
        guard let entries = try? FileSystem.list(directory, table: nil) else { return [] }
        let pending = try? pendingCommit()
        return entries.filter { entry in
            !entry.hasPrefix(".") && (try? TableName.validate(entry)) != nil && hasManifest(entry, pending: pending)
        }.sorted()
    }

    /// Whether table directory `entry` holds a committed manifest: `MANIFEST`, or the waiting new
    /// manifest of a multi-table commit being published (a table that commit creates, §11).
    func hasManifest(_ entry: String, pending: CommitRecord?) -> Bool {
        // Nil both when the file cannot be told and when a pending commit drops the table.
        guard let file = try? manifestFile(of: entry, pending: pending) else { return false }
        return ((try? FileSystem.fileSize(tablePath(entry) + "/" + file, table: entry)) ?? nil) != nil
    }

    /// The table matching `name` case-insensitively, as of its current manifest; nil when there
    /// is none or its manifest cannot be read (`describeTable(named:)` says why).
    package func table(named name: String) -> TableDescription? { try? describeTable(named: name) }

    /// The table matching `name` case-insensitively, as of its current manifest.
    ///
    /// - Throws: `.tableNotFound`, `.invalidName`, or the manifest's damage (`.damaged`, `.newerVersion`).
    package func describeTable(named name: String) throws(StorageError) -> TableDescription {
        let (entry, file) = try committedManifest(name)
        let manifest = try readManifest(table: entry, file: file)
        return TableDescription(name: entry, schema: manifest.schema, rowCount: manifest.rowCount)
    }

    /// A fixed snapshot of the table's committed rows, for scanning.
    ///
    /// Opens (memory-maps) every segment the manifest lists, so the cost grows with the number of
    /// segments and blocks, not rows; segments already opened by an earlier snapshot of this
    /// catalog whose files are unchanged are reused without being read again. If a concurrent commit replaces segments between reading the manifest and
    /// opening them, the manifest is read again.
    ///
    /// - Throws: `.tableNotFound`; `.damaged` for a bad manifest or a missing or mismatched segment;
    ///   `.format` (with file, column, row group and block) when a segment's footer is damaged.
    package func snapshot(table name: String) throws(StorageError) -> TableSnapshot {
        let (entry, file) = try committedManifest(name)
        return try TableSnapshot.open(table: entry, directory: tablePath(entry), manifestFile: file, cache: readerCache)
    }

    // MARK: Paths and lookup

    /// The path of the table directory named exactly `entry`.
    func tablePath(_ entry: String) -> String { directory + "/" + entry }

    /// Reads and decodes a table's manifest (`file`: `MANIFEST` unless a commit is being published).
    func readManifest(table entry: String, file: String = Manifest.fileName) throws(StorageError) -> Manifest {
        let path = tablePath(entry) + "/" + file
        guard let bytes = try FileSystem.readFileIfPresent(path, table: entry) else {
            throw StorageError(
                .tableNotFound, "table \"\(entry)\" has no manifest (dropped meanwhile?)", table: entry, file: path)
        }
        return try Manifest.decode(bytes, path: path, table: entry)
    }

    /// The directory entry of the table matching `name` case-insensitively (an exact match wins),
    /// among directories holding a manifest when `committedOnly`, else among all table-like directories.
    func tableEntry(_ name: String, committedOnly: Bool) throws(StorageError) -> String? {
        try tableEntry(name, committedOnly: committedOnly, pending: committedOnly ? pendingCommit() : nil)
    }

    /// `tableEntry(_:committedOnly:)` with the pending commit record already read (§11).
    private func tableEntry(_ name: String, committedOnly: Bool, pending: CommitRecord?) throws(StorageError)
        -> String?
    {
        let key = TableName.key(name)
        var found: String?
        for entry in try FileSystem.list(directory, table: name)
        where !entry.hasPrefix(".") && TableName.key(entry) == key {
            guard FileSystem.isDirectory(tablePath(entry)) else { continue }
            if committedOnly, !hasManifest(entry, pending: pending) { continue }
            if entry == name { return entry }
            found = found ?? entry
        }
        return found
    }

    func committedTableEntry(_ name: String) throws(StorageError) -> String? {
        try tableEntry(name, committedOnly: true)
    }

    /// The directory entry of the committed table matching `name` and the manifest file a reader
    /// takes there (`MANIFEST`, or a commit's waiting manifest, §11), the commit record read once.
    ///
    /// - Throws: `.invalidName`, `.tableNotFound` (also for a table a pending commit drops).
    func committedManifest(_ name: String) throws(StorageError) -> (entry: String, file: String) {
        try TableName.validate(name)
        let pending = try pendingCommit()
        guard let entry = try tableEntry(name, committedOnly: true, pending: pending),
            let file = try manifestFile(of: entry, pending: pending)
        else {
            throw StorageError(
                .tableNotFound, "no table named \"\(name)\" in the database", table: name, file: directory)
        }
        return (entry, file)
    }
}
