import PlazaCore

/// `COPY … TO 'path'` and `COPY table FROM 'path'`.
extension ParserState {
    /// `COPY (query) TO 'path' [(options)]`, `COPY table TO …`, or `COPY table FROM 'path'
    /// [(options)]`, which is `INSERT INTO table SELECT * FROM read_csv('path', …)` (or the
    /// reader the FORMAT option or the extension names), as DuckDB reads it.
    mutating func parseCopy() throws(SQLSyntaxError) -> Statement {
        let copyToken = current
        try expect("COPY")
        let source: CopyStatement.Source
        if acceptSymbol("(") {
            source = .query(try parseQuery())
            try expectSymbol(")", "to close the query of COPY")
        } else {
            source = .table(try parseIdentifier("a table name or a parenthesized query after COPY"))
        }
        let isFrom: Bool
        if accept("TO") {
            isFrom = false
        } else if accept("FROM") {
            isFrom = true
        } else {
            throw unexpected("TO or FROM")
        }
        guard current.kind == .string else { throw unexpected("a quoted file path") }
        let pathToken = advance()
        var options: [CopyOption] = []
        if acceptSymbol("(") {
            repeat {
                let name = try parseCopyOptionName()
                if acceptSymbol("(") {
                    var columns: [Identifier] = []
                    repeat { columns.append(try parseIdentifier("a column name")) } while acceptSymbol(",")
                    try expectSymbol(")", "to close the columns of \(name.name)")
                    options.append(CopyOption(name: name, value: nil, columns: columns))
                } else if current.isSymbol(",") || current.isSymbol(")") {
                    options.append(CopyOption(name: name, value: nil, columns: nil))
                } else if current.kind == .word, !["TRUE", "FALSE", "NULL"].contains(current.text.uppercased()) {
                    // A bare word (`FORMAT parquet`, `COMPRESSION zstd`) is its own text.
                    let word = advance()
                    options.append(
                        CopyOption(
                            name: name, value: Expression(.literal(.string(word.text)), span: word.span), columns: nil))
                } else {
                    options.append(CopyOption(name: name, value: try parseExpression(), columns: nil))
                }
            } while acceptSymbol(",")
            try expectSymbol(")", "to close the options of COPY")
        }
        guard isFrom else {
            return .copy(
                CopyStatement(source: source, path: pathToken.text, pathSpan: pathToken.span, options: options))
        }
        guard case .table(let table) = source else {
            throw error("COPY … FROM reads a file into a table: name the table, not a query", at: copyToken)
        }
        return .write(.insert(table: table, columns: nil, query: try copyFromQuery(pathToken, options)))
    }

    /// An option name: a word, keywords such as FORMAT and HEADER included.
    private mutating func parseCopyOptionName() throws(SQLSyntaxError) -> Identifier {
        guard current.kind == .word || current.kind == .quotedIdentifier else { throw unexpected("an option name") }
        let token = advance()
        return Identifier(token.text, isQuoted: token.kind == .quotedIdentifier, span: token.span)
    }

    /// `SELECT * FROM read_csv('path', header = true, delim = ';')` for COPY FROM's options.
    private func copyFromQuery(_ pathToken: Token, _ options: [CopyOption]) throws(SQLSyntaxError) -> Query {
        var reader = Self.fileReader(forPath: pathToken.text)
        var arguments = [Expression(.literal(.string(pathToken.text)), span: pathToken.span)]
        for option in options {
            let key = option.name.name.lowercased()
            if option.columns != nil {
                throw SQLSyntaxError(
                    message: "COPY … FROM has no option \(option.name.name) with a column list", span: option.name.span,
                    sql: sql)
            }
            let value = option.value ?? Expression(.literal(.boolean(true)), span: option.name.span)
            if key == "format" {
                guard case .literal(.string(let format)) = value.kind,
                    ["csv", "parquet", "json", "xlsx"].contains(format.lowercased())
                else {
                    throw SQLSyntaxError(
                        message: "FORMAT of COPY … FROM is csv, parquet, json or xlsx", span: value.span, sql: sql)
                }
                reader = "read_" + format.lowercased()
                continue
            }
            let name = key == "delimiter" ? "delim" : key
            let column = Expression(.column([Identifier(name, span: option.name.span)]), span: option.name.span)
            arguments.append(Expression(.binary(.equal, column, value), span: option.name.span))
        }
        let from = TableReference.function(
            Identifier(reader, span: pathToken.span), arguments: arguments, alias: nil, columns: [])
        return Query(select: SelectCore(items: [.star(pathToken.span)], from: from), span: pathToken.span)
    }
}
