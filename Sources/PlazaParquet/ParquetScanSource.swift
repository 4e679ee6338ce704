import PlazaCore
import PlazaVector

/// A set of Parquet files with one schema, as a table the executor scans: each file's row
/// groups in file order, pruned by their statistics.
///
/// Files are matched by column name (case-insensitively); a file missing a column or holding
/// it with another type is an error naming the file and the column.
package final class ParquetScanSource: ScanSource, @unchecked Sendable {
    /// The files, in the order given.
    package let files: [ParquetFile]
    /// The columns of the first file.
    package let schema: Schema
    /// For each (file, row group) pair numbered globally: the file and its row group.
    private let groups: [(file: Int, rowGroup: Int)]
    /// For each file: the file's column position of each table column.
    private let columnMaps: [[Int]]

    /// Opens every file in `paths` and checks that their columns agree with the first's.
    /// - Throws: `ParquetError` naming the file (and the column where they disagree).
    package init(paths: [String]) throws(ParquetError) {
        guard !paths.isEmpty else { throw ParquetError(.invalidArgument, "no Parquet files to read") }
        var opened: [ParquetFile] = []
        for path in paths { opened.append(try ParquetFile(path: path)) }
        files = opened
        schema = opened[0].schema
        var maps: [[Int]] = []
        var groups: [(Int, Int)] = []
        for (fileIndex, file) in opened.enumerated() {
            var map: [Int] = []
            for field in schema.fields {
                guard let position = file.schema.index(of: field.name) else {
                    throw ParquetError(
                        .invalidArgument, "the file lacks the column the first file (\(paths[0])) has",
                        path: file.path, column: field.name)
                }
                guard file.schema.fields[position].type == field.type else {
                    throw ParquetError(
                        .invalidArgument,
                        "the column is \(file.schema.fields[position].type) here but \(field.type) in \(paths[0])",
                        path: file.path, column: field.name)
                }
                map.append(position)
            }
            maps.append(map)
            for rowGroup in 0..<file.rowGroupCount { groups.append((fileIndex, rowGroup)) }
        }
        columnMaps = maps
        self.groups = groups
    }

    /// Row groups of all files.
    package var rowGroupCount: Int { groups.count }

    /// The file (an index into `files`) that row group `rowGroup` (numbered across files) is in.
    package func fileIndex(ofRowGroup rowGroup: Int) -> Int { groups[rowGroup].file }

    /// Rows in row group `rowGroup` (numbered across files).
    package func rowCount(rowGroup: Int) -> Int {
        let (file, group) = groups[rowGroup]
        return files[file].rowCount(rowGroup: group)
    }

    /// Whether the row group's min/max and NULL counts allow a row matching every predicate.
    package func mightMatch(rowGroup: Int, columns: [Int], predicates: [ScanPredicate]) -> Bool {
        let (fileIndex, group) = groups[rowGroup]
        let file = files[fileIndex]
        let rows = file.rowCount(rowGroup: group)
        for predicate in predicates {
            let column = columnMaps[fileIndex][columns[predicate.column]]
            let (low, high, nulls) = file.statistics(rowGroup: group, column: column)
            if !Self.mightMatch(predicate, low: low, high: high, nulls: nulls, rows: rows) { return false }
        }
        return true
    }

    static func mightMatch(_ predicate: ScanPredicate, low: Value?, high: Value?, nulls: Int?, rows: Int) -> Bool {
        switch predicate.comparison {
        case .isNull: return nulls.map { $0 > 0 } ?? true
        case .isNotNull: return nulls.map { $0 < rows } ?? true
        default: break
        }
        // Every row NULL: no comparison holds.
        if let nulls, nulls == rows, rows > 0 { return false }
        guard let low, let high else { return true }
        func within(_ constant: Value) -> Bool {
            guard let above = compareValues(constant, low), let below = compareValues(constant, high) else {
                return true
            }
            return above >= 0 && below <= 0
        }
        guard let constant = predicate.constants.first else { return true }
        switch predicate.comparison {
        case .equal: return within(constant)
        case .inList: return predicate.constants.contains(where: within)
        case .notEqual:
            return !(compareValues(low, constant) == 0 && compareValues(high, constant) == 0)
        case .less: return compareValues(low, constant).map { $0 < 0 } ?? true
        case .lessOrEqual: return compareValues(low, constant).map { $0 <= 0 } ?? true
        case .greater: return compareValues(high, constant).map { $0 > 0 } ?? true
        case .greaterOrEqual: return compareValues(high, constant).map { $0 >= 0 } ?? true
        case .isNull, .isNotNull: return true
        }
    }

    /// A cursor over row group `rowGroup` yielding the table columns `columns`.
    package func openRowGroup(_ rowGroup: Int, columns: [Int], predicates: [ScanPredicate]) throws -> any RowGroupCursor
    {
        let (fileIndex, group) = groups[rowGroup]
        return try files[fileIndex].openRowGroup(group, columns: columns.map { columnMaps[fileIndex][$0] })
    }
}
