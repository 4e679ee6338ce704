import PlazaCore
import PlazaSQL

extension BindingSession {
    /// The table functions that read files, by lower-cased name.
    static let fileFormats: [String: FileTableRequest.Format] = [
        "read_csv": .csv, "read_csv_auto": .csv, "read_parquet": .parquet, "parquet_scan": .parquet,
        "read_json": .json, "read_json_auto": .json, "read_ndjson": .json, "read_ndjson_auto": .json,
        "read_xlsx": .xlsx,
    ]

    /// Binds `read_csv('path or glob', option = value, …)` and the other file readers: the
    /// catalog opens the files and describes them, and the query scans them as a table.
    /// Options are constants written `name = value` after the path.
    func bindFileTable(
        _ format: FileTableRequest.Format, _ name: Identifier, _ arguments: [Expression], alias: Identifier?,
        columns: [Identifier]
    ) throws(BindError) -> (LogicalPlan, Scope) {
        let lowered = name.name.lowercased()
        guard let first = arguments.first else {
            throw BindError("\(lowered) needs the path of a file (or a glob such as 'data/*.csv')", span: name.span)
        }
        var paths: [String] = []
        var options: [String: Value] = [:]
        var optionSpans: [String: SourceSpan] = [:]
        for (index, argument) in arguments.enumerated() {
            if index > 0, case .binary(.equal, let left, let right) = argument.kind,
                case .column(let parts) = left.kind, parts.count == 1
            {
                let key = parts[0].name.lowercased()
                guard options[key] == nil else {
                    throw BindError("the option \(key) is given twice", span: left.span)
                }
                options[key] = try constant(right, lowered)
                optionSpans[key] = left.span
                continue
            }
            guard index == 0 else {
                throw BindError(
                    "\(lowered) takes one path, then options written name = value", span: argument.span)
            }
            switch try constant(argument, lowered) {
            case .varchar(let path): paths.append(path)
            default:
                throw BindError("the path given to \(lowered) must be a text constant", span: first.span)
            }
        }
        let request = FileTableRequest(format: format, paths: paths, options: options)
        let table: TableDescription
        do {
            table = try catalog.fileTable(request)
        } catch {
            throw BindError(error.message, span: error.option.flatMap { optionSpans[$0] } ?? first.span)
        }
        var fields = table.schema.fields
        guard columns.count <= fields.count else {
            throw BindError(
                "\(lowered) gives \(fields.count) columns; \(columns.count) names were given",
                span: columns[fields.count].span)
        }
        for (index, column) in columns.enumerated() { fields[index].name = column.name }
        let scan = TableScan(
            table: table.name, columns: Array(fields.indices), fields: fields, estimatedRows: table.rowCount)
        // `FROM 'data/reportes.csv'` (the parser spans the reader's name over the path) is called
        // `reportes`, as DuckDB calls it; `read_csv('…')` is called by the function's name.
        let qualifier = alias?.name ?? (name.span == first.span ? Self.fileStem(paths[0]) : lowered)
        return (.scan(scan), Scope(fields: fields, qualifier: qualifier))
    }

    /// A constant argument of a table function, folded.
    private func constant(_ expression: Expression, _ function: String) throws(BindError) -> Value {
        let bound = Optimizer.fold(try bindExpression(expression, in: Scope(columns: []), context: .plain(function)))
        guard case .literal(let value, _) = bound else {
            throw BindError("the arguments of \(function) must be constants", span: expression.span)
        }
        return value
    }

    /// `reportes` for `data/reportes.csv`: the qualifier DuckDB gives a file in FROM.
    static func fileStem(_ path: String) -> String {
        let file = path.split(separator: "/").last.map(String.init) ?? path
        return file.split(separator: ".").first.map(String.init) ?? file
    }
}
