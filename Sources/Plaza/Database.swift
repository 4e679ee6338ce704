public import PlazaCore
internal import PlazaSQL
internal import PlazaPlanner
internal import PlazaStorage
internal import PlazaExecution
internal import PlazaVector
import Foundation
import Synchronization

/// A Plaza database: a directory of tables that answers SQL queries.
///
/// ```swift
/// let db = try Database(path: "ciudad")
/// let result = try db.query("SELECT colonia, count(*) AS n FROM reportes WHERE year(creado) = ? GROUP BY 1", parameters: [2024])
/// ```
/// `Database` is `Sendable`: many tasks may query it at once. Imports run one at a time and never
/// block readers; each query reads the tables as they were committed when it started.
public final class Database: Sendable {
    /// How a database is opened and how its queries run.
    public struct Options: Sendable {
        /// Worker threads per query; nil uses every core.
        public var threads: Int?
        /// The most memory a query's operators may hold, in bytes; nil means the default,
        /// `Database.defaultMemoryLimit` (80% of physical memory, as DuckDB does).
        public var memoryLimit: Int?
        /// Whether imports and other writes are refused.
        public var isReadOnly: Bool
        /// Whether SQL may read files outside the database (`read_csv('…')`); turn off for services
        /// that run queries they receive from outside.
        public var allowsExternalFiles: Bool
        /// Where SQL may read and write files when `allowsExternalFiles` is on: nil anywhere; else
        /// only below these directories (symbolic links and `..` resolved first), so a service can
        /// offer `read_csv` over its open-data folder and nothing else.
        public var allowedDirectories: [String]?
        /// Whether a missing directory is created.
        public var createsDirectory: Bool
        /// Where operators past the memory limit spill their temporary files; nil means `.tmp` inside
        /// the database directory (the system's temporary directory when the database is read-only).
        public var temporaryDirectory: String?
        /// After a DELETE or UPDATE, segments with more than this fraction of their rows deleted are
        /// rewritten without them (as `compact(table:)` does), in the background once the statement
        /// has returned; the database waits for it before its next write and when it is released.
        /// Nil never compacts on its own.
        public var autoCompactionFraction: Double?

        /// Creates options; the defaults use every core, 80% of physical memory, read-write, files
        /// allowed, compaction of segments more than half deleted.
        public init(
            threads: Int? = nil, memoryLimit: Int? = nil, isReadOnly: Bool = false, allowsExternalFiles: Bool = true,
            allowedDirectories: [String]? = nil, createsDirectory: Bool = true, temporaryDirectory: String? = nil,
            autoCompactionFraction: Double? = 0.5
        ) {
            self.autoCompactionFraction = autoCompactionFraction
            self.threads = threads
            self.memoryLimit = memoryLimit
            self.isReadOnly = isReadOnly
            self.allowsExternalFiles = allowsExternalFiles
            self.allowedDirectories = allowedDirectories
            self.createsDirectory = createsDirectory
            self.temporaryDirectory = temporaryDirectory
        }
    }

    /// The settings `SET` changes while the database is open.
    struct Settings {
        var threads: Int
        var memoryLimit: Int?
    }

    /// The database directory.
    public let path: String
    /// The options the database was opened with.
    public let options: Options
    let catalog: StorageCatalog
    let settings: Mutex<Settings>
    /// Held while an import or an SQL write runs: one writer at a time in this process.
    let importLock = NSLock()
    /// Compactions due after DELETE and UPDATE, run after their statements return.
    let compactor = BackgroundCompactor()

    /// Opens the database in directory `path`, creating the directory unless the options say not to.
    ///
    /// - Throws: `PlazaError` (`.input`) when the directory cannot be created or read, (`.format`)
    ///   when its catalog is damaged.
    public init(path: String, options: Options = Options()) throws(PlazaError) {
        self.path = path
        self.options = options
        do {
            self.catalog = try StorageCatalog(
                directory: path, createIfMissing: options.createsDirectory && !options.isReadOnly,
                readOnly: options.isReadOnly)
        } catch {
            // Opening fails on the directory itself: missing, not a directory, or not creatable.
            throw PlazaError(
                kind: .input, message: error.description, location: .file(FileLocation(path: path)), underlying: error)
        }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        self.settings = Mutex(
            Settings(
                threads: max(1, options.threads ?? cores), memoryLimit: options.memoryLimit ?? Self.defaultMemoryLimit))
        if !options.isReadOnly {
            SpillDirectory.removeAbandoned(in: temporaryDirectory)
            // Finish a commit of several tables that a crashed process left half published; if
            // that fails, readers still read it whole through its record, and writers retry it.
            try? catalog.recoverInterruptedCommit()
        }
    }

    // A compaction scheduled by the last DELETE or UPDATE finishes before the database goes away
    // (a process that exits right after its statement would otherwise never reclaim the rows).
    deinit { compactor.waitUntilIdle() }

    /// The directory that spilling operators write under: the option, else `<path>/.tmp` (whose
    /// leading dot keeps it out of the table list), else the system's for a read-only database.
    public var temporaryDirectory: String {
        if let directory = options.temporaryDirectory { return directory }
        if options.isReadOnly { return FileManager.default.temporaryDirectory.path }
        return path + "/.tmp"
    }

    /// The memory limit of a query when none is given: 80% of physical memory, so that operators
    /// spill or fail with an error before the operating system would kill the process.
    public static var defaultMemoryLimit: Int {
        Int(clamping: ProcessInfo.processInfo.physicalMemory / 10 * 8)
    }

    /// The names of the tables, sorted.
    public func tableNames() -> [String] { catalog.tableNames() }

    /// The columns of table `name` (matched ignoring case).
    ///
    /// - Throws: `PlazaError` (`.binding`) when there is no such table.
    public func schema(ofTable name: String) throws(PlazaError) -> Schema {
        guard let table = catalog.table(named: name) else { throw unknownTable(name) }
        return table.schema
    }

    /// The number of rows of table `name` in its latest committed state.
    public func rowCount(ofTable name: String) throws(PlazaError) -> Int {
        guard let table = catalog.table(named: name) else { throw unknownTable(name) }
        return table.rowCount
    }

    /// Removes table `name` and its files.
    ///
    /// - Throws: `PlazaError` when there is no such table or the database is read-only.
    public func dropTable(_ name: String) throws(PlazaError) {
        guard catalog.table(named: name) != nil else { throw unknownTable(name) }
        do { try catalog.dropTable(name) } catch { throw PlazaError.from(error) }
    }

    func unknownTable(_ name: String) -> PlazaError {
        let names = catalog.tableNames()
        var message = "unknown table \"\(name)\""
        if let close = closestName(to: name, in: names) { message += " (did you mean \"\(close)\"?)" }
        return PlazaError(kind: .binding, message: message)
    }

    /// The current thread count and memory limit (as changed by `SET`).
    var currentSettings: Settings { settings.withLock { $0 } }
}

/// The candidate within edit distance 2 of `name`, if any (for "did you mean" hints).
func closestName(to name: String, in candidates: [String]) -> String? {
    let target = Array(name.lowercased())
    var best: (String, Int)?
    for candidate in candidates {
        let other = Array(candidate.lowercased())
        guard abs(other.count - target.count) <= 2 else { continue }
        var previous = Array(0...other.count)
        for (i, a) in target.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: other.count)
            for (j, b) in other.enumerated() {
                current[j + 1] = Swift.min(previous[j + 1] + 1, current[j] + 1, previous[j] + (a == b ? 0 : 1))
            }
            previous = current
        }
        let distance = previous[other.count]
        if distance <= 2 && distance < (best?.1 ?? Int.max) { best = (candidate, distance) }
    }
    return best?.0
}
