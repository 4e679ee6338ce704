/// What the planner needs to know about stored tables; storage implements it.
package protocol CatalogReader: Sendable {
    /// The names of the tables, sorted.
    func tableNames() -> [String]
    /// The table whose name matches `name` (case-insensitively), or nil.
    func table(named name: String) -> TableDescription?
    /// The view whose name matches `name` (case-insensitively), or nil.
    func viewDefinition(named name: String) -> ViewDefinition?
    /// The names of the views, sorted.
    func viewNames() -> [String]
    /// Opens files named in FROM as a table (`read_parquet('…')`), or says why it cannot.
    func fileTable(_ request: FileTableRequest) throws(FileTableError) -> TableDescription
}

extension CatalogReader {
    /// No views: catalogs that do not store views.
    package func viewDefinition(named name: String) -> ViewDefinition? { nil }
    /// No views: catalogs that do not store views.
    package func viewNames() -> [String] { [] }
    /// No files: catalogs that cannot open them.
    package func fileTable(_ request: FileTableRequest) throws(FileTableError) -> TableDescription {
        throw FileTableError("reading files is not available here")
    }
}

/// A stored view: a named query kept as SQL text and bound each time it is used.
@usableFromInline package struct ViewDefinition: Hashable, Sendable {
    /// The view's name as stored.
    package var name: String
    /// The query's SQL text.
    package var sql: String

    /// Creates a view definition.
    package init(name: String, sql: String) {
        self.name = name
        self.sql = sql
    }
}

/// A table as the planner sees it: its name, columns, and size for join ordering.
@usableFromInline package struct TableDescription: Hashable, Sendable {
    /// The table's name as stored.
    package var name: String
    /// The table's columns.
    package var schema: Schema
    /// The number of rows in the snapshot the catalog was read from.
    package var rowCount: Int

    /// Creates a table description.
    package init(name: String, schema: Schema, rowCount: Int) {
        self.name = name
        self.schema = schema
        self.rowCount = rowCount
    }
}

/// Column statistics the optimizer may consult when choosing a plan; storage implements it.
package protocol CatalogStatistics: Sendable {
    /// An upper bound on the number of distinct non-NULL values of column `column` (a position in
    /// the table's schema) of table `table`, or nil when the statistics cannot bound it.
    func distinctUpperBound(table: String, column: Int) -> Int?
    /// The smallest and largest non-NULL value of column `column` of table `table` on a numeric
    /// scale (`Value.numericPosition`), or nil when the statistics do not bound it.
    func valueRange(table: String, column: Int) -> ClosedRange<Double>?
    /// An estimate of the distinct non-NULL values of column `column` of table `table`, or nil.
    func distinctEstimate(table: String, column: Int) -> Int?
}

extension CatalogStatistics {
    /// No bounds: statistics that only count distinct values.
    package func valueRange(table: String, column: Int) -> ClosedRange<Double>? { nil }
    /// No estimate: statistics that only bound distinct values.
    package func distinctEstimate(table: String, column: Int) -> Int? { nil }
}

extension Value {
    /// The value on one numeric scale that keeps its type's order (numbers as themselves, dates
    /// in days, timestamps in microseconds), for estimating how much of a range a filter keeps;
    /// nil for text, booleans, intervals and NULL.
    package var numericPosition: Double? {
        switch self {
        case .bigint(let v): return Double(v)
        case .double(let v): return v.isFinite ? v : nil
        case .decimal(let v, let scale): return Double(v) / Double(powersOfTen[scale])
        case .date(let days): return Double(days)
        case .timestamp(let micros): return Double(micros)
        default: return nil
        }
    }
}

/// Files a query names in FROM (`read_parquet('…')`, `read_csv('…', delim = ';')`, `FROM 'x.csv'`),
/// to be opened as a table by the layer that can read them.
@usableFromInline package struct FileTableRequest: Hashable, Sendable {
    /// The file formats SQL can read in place.
    @usableFromInline package enum Format: String, Hashable, Sendable {
        /// Delimited text, read as `plaza import` reads it.
        case csv
        /// Apache Parquet.
        case parquet
        /// Newline-delimited JSON objects.
        case json
        /// A sheet of an Excel workbook (.xlsx).
        case xlsx
    }

    /// The reader asked for.
    package var format: Format
    /// The paths or glob patterns, as written.
    package var paths: [String]
    /// Named options (lower-cased names), as constants.
    package var options: [String: Value]

    /// Creates a request.
    package init(format: Format, paths: [String], options: [String: Value]) {
        self.format = format
        self.paths = paths
        self.options = options
    }
}

/// Why files named in a query could not be opened; `option` names the option at fault, if any.
@usableFromInline package struct FileTableError: Error, Sendable {
    /// What went wrong, naming the file (and the row or column where known).
    package var message: String
    /// The option whose value is wrong, when it is one (lower-cased).
    package var option: String?

    /// Creates an error.
    package init(_ message: String, option: String? = nil) {
        self.message = message
        self.option = option
    }
}

/// Opens the files a query names as tables; the API layer implements it over its file readers.
package protocol FileTableOpener: Sendable {
    /// Opens the files `request` names and describes them as a table whose `name` the executor
    /// will later ask for; the same request gives the same table within one statement.
    func open(_ request: FileTableRequest) throws(FileTableError) -> TableDescription
}
