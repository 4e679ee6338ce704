import PlazaCore

/// Views: one small text file per view in `<database>/.plaza-views/` (Formats/plaza-manifest.md §9),
/// written to a temporary file and renamed into place, so a crash leaves the old or the new view.
extension StorageCatalog {
    /// The sub-directory that holds one file per view.
    static let viewDirectoryName = ".plaza-views"
    /// The first line of every view file.
    static let viewFileMagic = "PLAZA-VIEW 1"

    /// The prefix of a view file being written, or staged by an open transaction (§9, §11).
    static let stagedViewPrefix = "tmp-"

    var viewDirectory: String { directory + "/" + Self.viewDirectoryName }

    func viewPath(_ name: String) -> String { viewDirectory + "/" + TableName.key(name) + ".view" }

    /// The view matching `name` case-insensitively, or nil (also when its file is unreadable). A
    /// commit record left by a crash (§11) is read through: the views it creates or drops are.
    package func viewDefinition(named name: String) -> ViewDefinition? {
        guard (try? TableName.validate(name)) != nil else { return nil }
        if let pending = try? pendingCommit(),
            let entry = pending.entries.first(where: { $0.isView && TableName.key($0.table) == TableName.key(name) })
        {
            if entry.action == .dropView { return nil }
            if let bytes = try? FileSystem.readFileIfPresent(viewDirectory + "/" + entry.manifestFile, table: name) {
                return Self.decodeView(bytes)
            }
        }
        guard let bytes = try? FileSystem.readFileIfPresent(viewPath(name), table: name) else { return nil }
        return Self.decodeView(bytes)
    }

    /// The names of the views, sorted (through a pending commit record, as `viewDefinition`).
    package func viewNames() -> [String] {
        var names: [String] = []
        if let entries = try? FileSystem.list(viewDirectory, table: nil) {
            names = entries.filter { $0.hasSuffix(".view") }.compactMap { entry -> String? in
                guard let bytes = try? FileSystem.readFileIfPresent(viewDirectory + "/" + entry, table: nil) else {
                    return nil
                }
                return Self.decodeView(bytes)?.name
            }
        }
        if let pending = try? pendingCommit() {
            let changed = Set(pending.entries.filter(\.isView).map { TableName.key($0.table) })
            names = names.filter { !changed.contains(TableName.key($0)) }
            names += pending.entries.filter { $0.action == .putView }.map(\.table)
        }
        return names.sorted()
    }

    /// Checks that view `name` may be created: no table has the name and, without `orReplace`,
    /// no view (`existingView`, as the caller sees the views).
    func checkViewName(_ name: String, orReplace: Bool, existingView: ViewDefinition?) throws(StorageError) {
        if let table = try committedTableEntry(name) {
            throw StorageError(.tableExists, "a table named \"\(table)\" already exists", table: table)
        }
        if !orReplace, let existingView {
            throw StorageError(.tableExists, "view \"\(existingView.name)\" already exists", table: existingView.name)
        }
    }

    /// Writes view `name` durably to a new staged file in the view directory and returns the
    /// file's name; the caller renames it into place (or deletes it).
    func writeStagedView(named name: String, sql: String) throws(StorageError) -> String {
        if try FileSystem.makeDirectory(viewDirectory, table: name) { try FileSystem.sync(directory, table: name) }
        let text = Self.viewFileMagic + "\n" + name + "\n" + sql
        let file = Self.stagedViewPrefix + Self.randomSuffix()
        do {
            try FileSystem.writeNewFileDurably(viewDirectory + "/" + file, Array(text.utf8), table: name)
        } catch {
            try? FileSystem.removeFile(viewDirectory + "/" + file, table: name)
            throw error
        }
        return file
    }

    /// Stores view `name` as `sql`, replacing an existing view of that name only with `orReplace`.
    ///
    /// - Throws: `.readOnly`, `.invalidName`, `.tableExists` when a table or (without `orReplace`) a
    ///   view has the name, `.busy`, `.io`.
    package func createView(named name: String, sql: String, orReplace: Bool) throws(StorageError) {
        guard !isReadOnly else {
            throw StorageError(.readOnly, "the database was opened read-only", table: name, file: directory)
        }
        try TableName.validate(name)
        let lock = try lockTable(name)
        defer { lock.release() }
        try checkViewName(name, orReplace: orReplace, existingView: viewDefinition(named: name))
        let temporary = viewDirectory + "/" + (try writeStagedView(named: name, sql: sql))
        do {
            try FileSystem.moveAtomically(temporary, to: viewPath(name), table: name)
        } catch {
            try? FileSystem.removeFile(temporary, table: name)
            throw error
        }
        try FileSystem.sync(viewDirectory, table: name)
    }

    /// Removes view `name`.
    ///
    /// - Throws: `.readOnly`, `.invalidName`, `.tableNotFound` when there is no such view, `.busy`, `.io`.
    package func dropView(named name: String) throws(StorageError) {
        guard !isReadOnly else {
            throw StorageError(.readOnly, "the database was opened read-only", table: name, file: directory)
        }
        try TableName.validate(name)
        let lock = try lockTable(name)
        defer { lock.release() }
        guard viewDefinition(named: name) != nil else {
            throw StorageError(.tableNotFound, "cannot drop view \"\(name)\": no such view", table: name)
        }
        try FileSystem.removeFile(viewPath(name), table: name)
        try FileSystem.sync(viewDirectory, table: name)
    }

    /// A view file's name and SQL, or nil when it is not a view file.
    static func decodeView(_ bytes: [UInt8]) -> ViewDefinition? {
        let text = String(decoding: bytes, as: UTF8.self)
        let parts = text.split(separator: "\n", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == viewFileMagic, !parts[1].isEmpty else { return nil }
        return ViewDefinition(name: String(parts[1]), sql: String(parts[2]))
    }
}
