import PlazaCore

/// The record of a transaction that changes several tables at once (Formats/plaza-manifest.md §11):
/// for each table, the new manifest waiting in its directory under a temporary name. Its rename into
/// place is the transaction's commit point; until every manifest it names has been renamed over
/// its table's `MANIFEST`, readers read those manifests instead and the next writer finishes the renames.
struct CommitRecord: Hashable, Sendable {
    /// What a record asks of a table (§11.1); a reader refuses an action it does not know.
    enum Action: UInt8, Hashable, Sendable {
        /// Rename the staged manifest over `MANIFEST`.
        case publish = 1
        /// Remove the table (its directory is renamed away, then deleted).
        case drop = 2
        /// Rename the staged view file (in `.plaza-views`) over the view's file (from 1.1).
        case putView = 3
        /// Remove the view's file (from 1.1).
        case dropView = 4
    }

    /// One table of the transaction.
    struct Entry: Hashable, Sendable {
        /// What happens to the table.
        var action: Action = .publish
        /// The table directory's name, or the view's name.
        var table: String
        /// The new manifest's file name inside that directory (`MANIFEST.tmp-…`), or the staged
        /// view file's name inside `.plaza-views` (`tmp-…`); empty for a drop.
        var manifestFile: String
        /// The new manifest's generation, to recognize a rename already done (for a drop, the
        /// generation of the manifest being dropped; 1 for a view).
        var generation: UInt64

        /// Whether the entry changes a view rather than a table.
        var isView: Bool { action == .putView || action == .dropView }
    }

    /// The file name of the record in the database directory (§11).
    static let fileName = ".plaza-commit"
    /// The prefix of a record being written (a leftover of a crash before the commit point).
    static let temporaryPrefix = ".plaza-commit.tmp-"
    /// The leading magic, `PLZCOMT1`.
    static let headMagic: [UInt8] = Array("PLZCOMT1".utf8)
    /// The trailing magic, `1TMOCZLP`.
    static let tailMagic: [UInt8] = Array("1TMOCZLP".utf8)
    /// The version this code writes and the newest it reads.
    static let version: (major: UInt16, minor: UInt16) = (1, 0)

    /// The tables, in the order their manifests are renamed.
    var entries: [Entry]

    /// The record's bytes (§11.1).
    func encoded() -> [UInt8] {
        var body: [UInt8] = []
        ByteWriter.put(UInt32(entries.count), into: &body)
        for entry in entries {
            body.append(entry.action.rawValue)
            ByteWriter.putString(entry.table, into: &body)
            ByteWriter.putString(entry.manifestFile, into: &body)
            ByteWriter.put(entry.generation, into: &body)
        }
        return Self.frame.encode(body)
    }

    /// The frame of a commit record (§11.1).
    static let frame = FileFrame(head: headMagic, tail: tailMagic, version: version, kind: "commit record")

    /// Decodes a record, checking its frame, checksum and names.
    ///
    /// - Throws: `.damaged` naming `path`; `.newerVersion` for a major version above 1.
    static func decode(_ bytes: [UInt8], path: String) throws(StorageError) -> CommitRecord {
        func damaged(_ message: String) -> StorageError {
            StorageError(.damaged, "commit record: " + message, file: path)
        }
        let (minor, reader) = try frame.decode(bytes, path: path, table: nil, damaged: damaged)
        var body = reader
        let count = Int(try body.u32(damaged))
        guard count >= 1, count <= body.remaining else { throw damaged("names \(count) tables") }
        var entries: [Entry] = []
        var seen = Set<String>()
        for _ in 0..<count {
            let code = try body.u8(damaged)
            guard let action = Action(rawValue: code) else {
                throw StorageError(
                    .newerVersion, "commit record asks for action \(code), unknown to this Plaza; upgrade Plaza",
                    file: path)
            }
            let table = try body.string(damaged)
            let file = try body.string(damaged)
            let generation = try body.u64(damaged)
            guard (try? TableName.validate(table)) != nil, seen.insert(TableName.key(table)).inserted else {
                throw damaged("names the table \"\(table)\" badly or twice")
            }
            let fileIsValid: Bool
            switch action {
            case .drop, .dropView: fileIsValid = file.isEmpty
            case .publish:
                fileIsValid = file.hasPrefix(TableWriteTransaction.temporaryManifestPrefix) && !file.contains("/")
            case .putView: fileIsValid = file.hasPrefix(StorageCatalog.stagedViewPrefix) && !file.contains("/")
            }
            guard fileIsValid, generation >= 1 else {
                throw damaged("names the manifest file \"\(file)\" of table \"\(table)\"")
            }
            entries.append(Entry(action: action, table: table, manifestFile: file, generation: generation))
        }
        guard body.remaining == 0 || minor > version.minor else { throw damaged("has bytes after its last table") }
        return CommitRecord(entries: entries)
    }
}
