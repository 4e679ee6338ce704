import PlazaCore
import PlazaSQL

/// `COPY … TO 'path'`, bound: the rows to write and how to write them.
package struct BoundCopy: Sendable {
    /// The file formats COPY writes.
    package enum Format: String, Sendable {
        /// Comma-separated (or another delimiter) text with a header line.
        case csv
        /// Apache Parquet.
        case parquet
        /// Newline-delimited JSON: one object per row.
        case json
        /// An Excel workbook of one sheet.
        case xlsx
        /// An Apache Arrow IPC stream (the streaming format).
        case arrow
    }

    /// The rows to write.
    package var plan: LogicalPlan
    /// The file, or with `partitionBy` the directory, to write.
    package var path: String
    /// The file format (from FORMAT, else the path's extension, else CSV).
    package var format: Format
    /// Parquet's page codec: `zstd` (the default), `snappy` or `none`.
    package var compression: String
    /// CSV: whether the first line names the columns (default true).
    package var header: Bool
    /// CSV: the field separator (default `,`).
    package var delimiter: UInt8
    /// Positions in `plan.fields` of the PARTITION_BY columns: one directory level each.
    package var partitionBy: [Int]
    /// Whether a PARTITION_BY directory that exists may be replaced (OVERWRITE).
    package var overwrite: Bool
}

extension BindingSession {
    /// Binds COPY TO: the query (or `SELECT * FROM table`), and its options checked with their places.
    func bindCopy(_ copy: CopyStatement) throws(BindError) -> BoundCopy {
        let plan: LogicalPlan
        switch copy.source {
        case .query(let query): plan = try bindQuery(query)
        case .table(let name): plan = try bindTable(.table(name, alias: nil)).0
        }
        var bound = BoundCopy(
            plan: plan, path: copy.path, format: Self.copyFormat(forPath: copy.path), compression: "zstd",
            header: true, delimiter: UInt8(ascii: ","), partitionBy: [], overwrite: false)
        var seen: Set<String> = []
        for option in copy.options {
            let key = option.name.name.lowercased()
            guard seen.insert(key).inserted else {
                throw BindError("the option \(option.name.name) is given twice", span: option.name.span)
            }
            if key == "partition_by" {
                guard let columns = option.columns ?? (option.value.flatMap(Self.columnName).map { [$0] }) else {
                    throw BindError(
                        "PARTITION_BY takes column names: PARTITION_BY (anio, agencia)", span: option.name.span)
                }
                for column in columns {
                    guard
                        let position = plan.fields.firstIndex(where: {
                            $0.name.lowercased() == column.name.lowercased()
                        })
                    else {
                        throw BindError(
                            "PARTITION_BY names \"\(column.name)\", which the rows written do not have",
                            span: column.span)
                    }
                    bound.partitionBy.append(position)
                }
                continue
            }
            guard option.columns == nil else {
                throw BindError("the option \(option.name.name) takes no column list", span: option.name.span)
            }
            let value = try option.value.map { (expression) throws(BindError) -> Value in
                let folded = Optimizer.fold(
                    try bindExpression(expression, in: Scope(columns: []), context: .plain("COPY")))
                guard case .literal(let constant, _) = folded else {
                    throw BindError("the options of COPY must be constants", span: expression.span)
                }
                return constant
            }
            let span = option.value?.span ?? option.name.span
            func text() throws(BindError) -> String {
                guard case .varchar(let text)? = value else {
                    throw BindError("the option \(option.name.name) takes a text", span: span)
                }
                return text
            }
            func flag() throws(BindError) -> Bool {
                switch value {
                case nil: return true
                case .boolean(let flag)?: return flag
                case .bigint(let number)? where number == 0 || number == 1: return number == 1
                default: throw BindError("the option \(option.name.name) takes true or false", span: span)
                }
            }
            switch key {
            case "format":
                guard let format = BoundCopy.Format(rawValue: try text().lowercased()) else {
                    throw BindError("FORMAT is csv, parquet, json, xlsx or arrow", span: span)
                }
                bound.format = format
            case "compression", "codec":
                let codec = try text().lowercased()
                guard ["zstd", "snappy", "none", "uncompressed"].contains(codec) else {
                    throw BindError("COMPRESSION is zstd, snappy or none", span: span)
                }
                bound.compression = codec == "uncompressed" ? "none" : codec
            case "header": bound.header = try flag()
            case "delimiter", "delim", "sep":
                let delimiter = try text()
                let bytes = Array(delimiter == "\\t" ? "\t".utf8 : delimiter.utf8)
                guard bytes.count == 1, bytes[0] < 0x80, bytes[0] != UInt8(ascii: "\""), bytes[0] != 10, bytes[0] != 13
                else {
                    throw BindError(
                        "the delimiter must be one ASCII character other than a quote or a line break", span: span)
                }
                bound.delimiter = bytes[0]
            case "overwrite", "overwrite_or_ignore": bound.overwrite = try flag()
            default:
                throw BindError(
                    "unknown option \(option.name.name) of COPY (FORMAT, COMPRESSION, HEADER, DELIMITER, PARTITION_BY, OVERWRITE)",
                    span: option.name.span)
            }
        }
        if bound.format != .parquet && copy.options.contains(where: { $0.name.name.lowercased() == "compression" })
            && bound.compression != "none"
        {
            throw BindError(
                "COMPRESSION applies to Parquet; CSV and JSON are written uncompressed", span: copy.pathSpan)
        }
        if !bound.partitionBy.isEmpty && bound.partitionBy.count == plan.fields.count {
            throw BindError("PARTITION_BY must leave at least one column to write in the files", span: copy.pathSpan)
        }
        return bound
    }

    /// The format a path's extension names: Parquet for `.parquet`, JSON for `.json`, `.jsonl`
    /// and `.ndjson`, Excel for `.xlsx`, an Arrow stream for `.arrows` and `.arrow`, CSV otherwise.
    static func copyFormat(forPath path: String) -> BoundCopy.Format {
        let lowered = path.lowercased()
        if lowered.hasSuffix(".parquet") { return .parquet }
        if lowered.hasSuffix(".json") || lowered.hasSuffix(".jsonl") || lowered.hasSuffix(".ndjson") { return .json }
        if lowered.hasSuffix(".xlsx") { return .xlsx }
        if lowered.hasSuffix(".arrows") || lowered.hasSuffix(".arrow") { return .arrow }
        return .csv
    }

    /// `PARTITION_BY anio` without parentheses: the parser kept the bare word as a text.
    private static func columnName(_ expression: Expression) -> Identifier? {
        switch expression.kind {
        case .literal(.string(let name)): return Identifier(name, span: expression.span)
        case .column(let parts) where parts.count == 1: return parts[0]
        default: return nil
        }
    }
}
