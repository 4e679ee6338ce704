import PlazaCore

/// Views: one small text file per view in `<database>/.plaza-views/` (Formats/plaza-manifest.md §9),
/// written to a temporary file and renamed into place, so a crash leaves the old or the new view.
extension StorageCatalog {
    /// The sub-directory that holds one file per view.
    static let viewDirectoryName = ".plaza-views"
    /// The first line of every view file.
    static let viewFileMagic = "PLAZA-VIEW 1"

    private var viewDirectory: String { directory + "/" + Self.viewDirectoryName }

    private func viewPath(_ name: String) -> String { viewDirectory + "/" + TableName.key(name) + ".view" }

    /// The view matching `name` case-insensitively, or nil (also when its file is unreadable).
    package func viewDefinition(named name: String) -> ViewDefinition? {
        guard (try? TableName.validate(name)) != nil,
            let bytes = try? FileSystem.readFileIfPresent(viewPath(name), table: name)
        else { return nil }
        return Self.decodeView(bytes)
    }

    /// The names of the views, sorted.
    package func viewNames() -> [String] {
        guard let entries = try? FileSystem.list(viewDirectory, table: nil) else { return [] }
        return entries.filter { $0.hasSuffix(".view") }.compactMap { entry -> String? in
            guard let bytes = try? FileSystem.readFileIfPresent(viewDirectory + "/" + entry, table: nil) else {
                return nil
            }
            return Self.decodeView(bytes)?.name
        }.sorted()
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
        if let table = try committedTableEntry(name) {
            throw StorageError(.tableExists, "a table named \"\(table)\" already exists", table: table)
        }
        if !orReplace, let existing = viewDefinition(named: name) {
            throw StorageError(.tableExists, "view \"\(existing.name)\" already exists", table: existing.name)
        }
        if try FileSystem.makeDirectory(viewDirectory, table: name) { try FileSystem.sync(directory, table: name) }
        let text = Self.viewFileMagic + "\n" + name + "\n" + sql
        let temporary = viewDirectory + "/tmp-" + Self.randomSuffix()
        do {
            try FileSystem.writeNewFileDurably(temporary, Array(text.utf8), table: name)
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
