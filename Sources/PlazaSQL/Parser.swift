import PlazaCore

/// Parses SQL text into statements: a hand-written lexer and a recursive-descent parser.
///
/// ```swift
/// let statements = try Parser.parse("SELECT colonia, count(*) FROM reportes GROUP BY 1")
/// ```
package enum Parser {
    /// The deepest expression or query nesting accepted; deeper input is a syntax error, never a crash.
    package static let maximumDepth = 250

    /// Parses every statement of `sql` (separated by `;`; empty statements are skipped).
    ///
    /// - Throws: `SQLSyntaxError` with the span of the first offending token.
    package static func parse(_ sql: String) throws(SQLSyntaxError) -> [Statement] {
        var lexer = Lexer(sql)
        var state = ParserState(tokens: try lexer.tokenize(), sql: sql)
        return try state.parseStatements()
    }

    /// Parses SQL given as UTF-8 bytes, rejecting invalid UTF-8 with the position of the first bad byte.
    package static func parse(utf8 bytes: [UInt8]) throws(SQLSyntaxError) -> [Statement] {
        if let bad = firstInvalidUTF8Offset(bytes) {
            let prefix = String(decoding: bytes[..<bad], as: UTF8.self)
            var line = 1, column = 1
            for scalar in prefix.unicodeScalars {
                if scalar == "\n" { line += 1; column = 1 } else { column += 1 }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            throw SQLSyntaxError(
                message: "invalid UTF-8 at byte \(bad): SQL text must be UTF-8",
                span: SourceSpan(offset: bad, length: 1, line: line, column: column), sql: text)
        }
        return try parse(String(decoding: bytes, as: UTF8.self))
    }

    /// Parses one expression (for tests and tools): the whole text must be the expression.
    package static func parseExpression(_ sql: String) throws(SQLSyntaxError) -> Expression {
        var lexer = Lexer(sql)
        var state = ParserState(tokens: try lexer.tokenize(), sql: sql)
        let expression = try state.parseExpression()
        try state.expectEnd()
        return expression
    }

    /// The offset of the first byte that is not part of well-formed UTF-8, or nil.
    static func firstInvalidUTF8Offset(_ bytes: [UInt8]) -> Int? {
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            let length: Int
            var minimum: UInt32 = 0
            var scalar: UInt32
            switch lead {
            case 0x00...0x7F: index += 1; continue
            case 0xC2...0xDF: length = 2; scalar = UInt32(lead & 0x1F); minimum = 0x80
            case 0xE0...0xEF: length = 3; scalar = UInt32(lead & 0x0F); minimum = 0x800
            case 0xF0...0xF4: length = 4; scalar = UInt32(lead & 0x07); minimum = 0x10000
            default: return index
            }
            guard index + length <= bytes.count else { return index }
            for next in 1..<length {
                let byte = bytes[index + next]
                guard byte & 0xC0 == 0x80 else { return index }
                scalar = scalar << 6 | UInt32(byte & 0x3F)
            }
            if scalar < minimum || scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) { return index }
            index += length
        }
        return nil
    }
}

/// The parser's cursor over the tokens.
struct ParserState {
    let tokens: [Token]
    let sql: String
    var position = 0
    var depth = 0
    /// `?` seen so far (they are numbered in order); `$n` and `?` may not be mixed.
    var questionMarks = 0
    var usesNumberedParameters = false
    /// Where a query failed to parse, and why (`parseQuery`).
    var failedQueries: [Int: SQLSyntaxError] = [:]
    /// Set when the nesting passed `Parser.maximumDepth`: the statement fails, with no other reading tried.
    var tooDeep = false

    init(tokens: [Token], sql: String) {
        self.tokens = tokens
        self.sql = sql
    }

    var current: Token { tokens[position] }
    var next: Token { tokens[min(position + 1, tokens.count - 1)] }

    mutating func advance() -> Token {
        let token = tokens[position]
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    /// Consumes the keyword if present.
    mutating func accept(_ keyword: String) -> Bool {
        if current.isKeyword(keyword) {
            position += 1
            return true
        }
        return false
    }

    /// Consumes the symbol if present.
    mutating func acceptSymbol(_ symbol: String) -> Bool {
        if current.isSymbol(symbol) {
            position += 1
            return true
        }
        return false
    }

    func describe(_ token: Token) -> String {
        switch token.kind {
        case .end: return "end of input"
        case .string: return "'" + String(token.text.prefix(40)) + "'"
        case .quotedIdentifier: return "\"" + String(token.text.prefix(40)) + "\""
        case .parameter: return token.text.isEmpty ? "?" : "$" + token.text
        default: return "\"" + String(token.text.prefix(40)) + "\""
        }
    }

    func error(_ message: String, at token: Token) -> SQLSyntaxError {
        SQLSyntaxError(message: message, span: token.span, sql: sql)
    }

    /// `expected WHAT, found "X"` at the current token.
    func unexpected(_ expectation: String) -> SQLSyntaxError {
        if current.kind == .end {
            return error("syntax error at end of input: expected \(expectation)", at: current)
        }
        return error("syntax error at or near \(describe(current)): expected \(expectation)", at: current)
    }

    mutating func expect(_ keyword: String) throws(SQLSyntaxError) {
        guard accept(keyword) else { throw unexpected(keyword) }
    }

    mutating func expectSymbol(_ symbol: String, _ context: String = "") throws(SQLSyntaxError) {
        guard acceptSymbol(symbol) else { throw unexpected("\"\(symbol)\"" + (context.isEmpty ? "" : " " + context)) }
    }

    func expectEnd() throws(SQLSyntaxError) {
        guard current.kind == .end else { throw unexpected("end of input") }
    }

    /// Enters one level of nesting, failing past `Parser.maximumDepth`.
    mutating func enter() throws(SQLSyntaxError) {
        depth += 1
        if depth > Parser.maximumDepth {
            tooDeep = true
            throw error("expression or query nested too deeply (more than \(Parser.maximumDepth) levels)", at: current)
        }
    }

    // MARK: Statements

    mutating func parseStatements() throws(SQLSyntaxError) -> [Statement] {
        var statements: [Statement] = []
        while current.kind != .end {
            if acceptSymbol(";") { continue }
            statements.append(try parseStatement())
            if current.kind != .end { try expectSymbol(";", "between statements") }
        }
        return statements
    }

    mutating func parseStatement() throws(SQLSyntaxError) -> Statement {
        if current.isKeyword("SELECT") || current.isKeyword("WITH") || current.isKeyword("VALUES")
            || current.isSymbol("(")
        {
            return .select(try parseQuery())
        }
        if accept("EXPLAIN") {
            let analyze = accept("ANALYZE")
            return .explain(try parseQuery(), analyze: analyze)
        }
        if accept("SHOW") {
            try expect("TABLES")
            return .showTables
        }
        if accept("DESCRIBE") {
            return .describe(try parseIdentifier("a table name"))
        }
        if accept("SET") {
            let name = try parseIdentifier("a setting name")
            if !acceptSymbol("=") { try expect("TO") }
            return .set(name: name, value: try parseExpression())
        }
        if startsWriteStatement { return .write(try parseWriteStatement()) }
        if current.isKeyword("COPY") { return try parseCopy() }
        if let command = try parseTransactionCommand() { return .transaction(command) }
        throw unexpected(
            "SELECT, WITH, EXPLAIN, SHOW TABLES, DESCRIBE, SET, CREATE, DROP, INSERT, DELETE, UPDATE, COPY, BEGIN, COMMIT or ROLLBACK"
        )
    }

    /// `BEGIN [TRANSACTION | WORK]`, `START TRANSACTION`, `COMMIT`/`END`, `ROLLBACK`/`ABORT`
    /// (each with an optional `TRANSACTION` or `WORK`), or nil when the statement is none of these.
    mutating func parseTransactionCommand() throws(SQLSyntaxError) -> TransactionCommand? {
        let command: TransactionCommand
        if accept("BEGIN") {
            command = .begin
        } else if accept("START") {
            try expect("TRANSACTION")
            return .begin
        } else if accept("COMMIT") || accept("END") {
            command = .commit
        } else if accept("ROLLBACK") || accept("ABORT") {
            command = .rollback
        } else {
            return nil
        }
        if !accept("TRANSACTION") { _ = accept("WORK") }
        return command
    }

    /// A bare or quoted name.
    mutating func parseIdentifier(_ what: String) throws(SQLSyntaxError) -> Identifier {
        let token = current
        switch token.kind {
        case .quotedIdentifier:
            position += 1
            return Identifier(token.text, isQuoted: true, span: token.span)
        case .word where !Keywords.reserved.contains(token.text.uppercased()):
            position += 1
            return Identifier(token.text, span: token.span)
        default:
            throw unexpected(what)
        }
    }

    // MARK: Queries

    /// A query (`WITH`, set operations, `ORDER BY`, `LIMIT`) starting at the current token.
    mutating func parseQuery() throws(SQLSyntaxError) -> Query {
        // `FROM ((…` tries a subquery, then a join, at each `(`: without remembering where a query
        // already failed, every level would parse what is inside it again (exponential nesting).
        if let failure = failedQueries[position] { throw failure }
        let begin = position
        do {
            return try parseQueryOnce()
        } catch {
            failedQueries[begin] = error
            throw error
        }
    }

    private mutating func parseQueryOnce() throws(SQLSyntaxError) -> Query {
        try enter()
        defer { depth -= 1 }
        let start = current.span
        var ctes: [CommonTableExpression] = []
        if accept("WITH") {
            let isRecursive = accept("RECURSIVE")
            repeat { ctes.append(try parseCommonTableExpression(isRecursive: isRecursive)) } while acceptSymbol(",")
        }
        var query = try parseSetExpression()
        if !ctes.isEmpty {
            query.ctes = ctes + query.ctes
            query.span = start
        }
        // A parenthesized query that has its own ORDER BY or LIMIT takes no second one.
        if query.orderBy.isEmpty && query.limit == nil && query.offset == nil {
            try parseQueryTail(&query)
        }
        return query
    }

    /// `name [(column, …)] AS [[NOT] MATERIALIZED] (query)`.
    mutating func parseCommonTableExpression(isRecursive: Bool) throws(SQLSyntaxError) -> CommonTableExpression {
        let name = try parseIdentifier("a name for the WITH query")
        var columns: [Identifier] = []
        if acceptSymbol("(") {
            repeat { columns.append(try parseIdentifier("a column name")) } while acceptSymbol(",")
            try expectSymbol(")", "after the column names")
        }
        try expect("AS")
        var materialization = CommonTableExpression.Materialization.automatic
        if current.isKeyword("NOT") && next.isKeyword("MATERIALIZED") {
            position += 2
            materialization = .notMaterialized
        } else if accept("MATERIALIZED") {
            materialization = .materialized
        }
        try expectSymbol("(", "before the WITH query")
        let query = try parseQuery()
        try expectSymbol(")", "after the WITH query")
        return CommonTableExpression(
            name: name, columns: columns, isRecursive: isRecursive, materialization: materialization, query: query)
    }

    mutating func parseQueryTail(_ query: inout Query) throws(SQLSyntaxError) {
        if accept("ORDER") {
            try expect("BY")
            repeat {
                let expression: Expression
                if query.orderBy.isEmpty, current.isKeyword("ALL") {
                    // `ORDER BY ALL`: every output column from the first (the binder expands it).
                    let token = advance()
                    expression = Expression(.column([Identifier("ALL", span: token.span)]), span: token.span)
                } else {
                    expression = try parseExpression()
                }
                var item = OrderItem(expression: expression)
                if accept("DESC") { item.isDescending = true } else { _ = accept("ASC") }
                if accept("NULLS") {
                    if accept("FIRST") {
                        item.nullsFirst = true
                    } else if accept("LAST") {
                        item.nullsFirst = false
                    } else {
                        throw unexpected("FIRST or LAST")
                    }
                }
                query.orderBy.append(item)
            } while !query.ordersByAll && acceptSymbol(",")
        }
        while true {
            if query.limit == nil, accept("LIMIT") {
                query.limit = try parseExpression()
            } else if query.offset == nil, accept("OFFSET") {
                query.offset = try parseExpression()
                _ = accept("ROWS")
            } else {
                break
            }
        }
    }

    mutating func parseSelectCore() throws(SQLSyntaxError) -> SelectCore {
        var core = SelectCore(items: [])
        if accept("DISTINCT") { core.isDistinct = true } else { _ = accept("ALL") }
        repeat {
            core.items.append(try parseSelectItem())
        } while acceptSymbol(",")
        if accept("FROM") { core.from = try parseFrom() }
        if accept("WHERE") { core.whereClause = try parseExpression() }
        if accept("GROUP") {
            try expect("BY")
            if current.isKeyword("ALL") {
                core.groupBy = .all(advance().span)
            } else {
                let (keys, sets) = try parseGroupByList()
                core.groupBy = .expressions(keys)
                core.groupingSets = sets
            }
        }
        if accept("HAVING") { core.having = try parseExpression() }
        if accept("WINDOW") { core.windows = try parseWindowDefinitions() }
        if accept("QUALIFY") { core.qualify = try parseExpression() }
        return core
    }

    mutating func parseSelectItem() throws(SQLSyntaxError) -> SelectItem {
        if current.isSymbol("*") { return .star(advance().span) }
        if current.kind == .word || current.kind == .quotedIdentifier, next.isSymbol("."),
            tokens[min(position + 2, tokens.count - 1)].isSymbol("*")
        {
            let table = try parseIdentifier("a table name")
            position += 2
            return .qualifiedStar(table)
        }
        let expression = try parseExpression()
        return .expression(expression, alias: try parseAlias())
    }

    /// `[AS] alias`, where a bare alias may not be a reserved word.
    mutating func parseAlias() throws(SQLSyntaxError) -> Identifier? {
        if accept("AS") {
            if current.kind == .string {
                // As with a quoted name: an empty alias could not be written back as SQL.
                if current.text.isEmpty { throw error("an alias cannot be empty", at: current) }
                let token = advance()
                return Identifier(token.text, isQuoted: true, span: token.span)
            }
            return try parseIdentifier("an alias after AS")
        }
        if current.kind == .quotedIdentifier
            || (current.kind == .word && !Keywords.reserved.contains(current.text.uppercased()))
        {
            return try parseIdentifier("an alias")
        }
        return nil
    }

    mutating func parseFrom() throws(SQLSyntaxError) -> TableReference {
        var left = try parseTablePrimary()
        while true {
            let joinToken = current
            var isCross = false
            if acceptSymbol(",") {
                isCross = true
            } else if accept("CROSS") {
                try expect("JOIN")
                isCross = true
            }
            let isNatural = !isCross && accept("NATURAL")
            var kind = JoinKind.inner
            if isCross {
            } else if accept("JOIN") {
            } else if accept("INNER") {
                try expect("JOIN")
            } else if let outer = parseOuterJoinKind() {
                kind = outer
                _ = accept("OUTER")
                try expect("JOIN")
            } else if isNatural {
                throw unexpected("JOIN after NATURAL")
            } else {
                return left
            }
            let right = try parseTablePrimary()
            let condition: JoinCondition
            if isCross {
                condition = .on(Expression(.literal(.boolean(true)), span: joinToken.span))
            } else if isNatural {
                condition = .natural(span: joinToken.span)
            } else if accept("USING") {
                try expectSymbol("(", "after USING")
                var columns = [try parseIdentifier("a column name in USING")]
                while acceptSymbol(",") { columns.append(try parseIdentifier("a column name in USING")) }
                try expectSymbol(")", "to close USING")
                condition = .using(columns)
            } else {
                guard accept("ON") else { throw unexpected("ON or USING") }
                condition = .on(try parseExpression())
            }
            left = .join(left: left, right: right, kind: kind, condition: condition)
        }
    }

    /// `LEFT`, `RIGHT` or `FULL` (consumed), or nil.
    private mutating func parseOuterJoinKind() -> JoinKind? {
        if accept("LEFT") { return .left }
        if accept("RIGHT") { return .right }
        if accept("FULL") { return .full }
        return nil
    }

    mutating func parseTablePrimary() throws(SQLSyntaxError) -> TableReference {
        // `LATERAL (query)`: a derived table reading the FROM items before it does so with or without
        // the word (as in DuckDB); the binder finds what it reads.
        if current.isKeyword("LATERAL") && next.isSymbol("(") { position += 1 }
        if current.isSymbol("(") {
            // Counted as a level of nesting: `((((a` recurses through the join reading too.
            try enter()
            defer { depth -= 1 }
            let open = advance()
            let startsQuery =
                current.isKeyword("SELECT") || current.isKeyword("WITH") || current.isKeyword("VALUES")
            if !startsQuery && !current.isSymbol("(") { return try parseParenthesizedJoin(open.span) }
            let start = position
            let parameters = (questionMarks, usesNumberedParameters)
            let query: Query
            do {
                query = try parseQuery()
                try expectSymbol(")", "to close the subquery")
            } catch {
                // `((a JOIN b) JOIN c)`: not a query after all; a query's own error wins otherwise.
                guard !startsQuery, !tooDeep else { throw error }
                position = start
                (questionMarks, usesNumberedParameters) = parameters
                guard let join = try? parseParenthesizedJoin(open.span) else { throw error }
                return join
            }
            let alias = try parseAlias()
            return .subquery(query, alias: alias, columns: try parseColumnAliases(alias))
        }
        if current.kind == .string {
            // `FROM 'reportes.csv'`: the file's reader, by its extension (the binder checks it).
            let token = advance()
            let reader = Identifier(Self.fileReader(forPath: token.text), span: token.span)
            let path = Expression(.literal(.string(token.text)), span: token.span)
            return .function(reader, arguments: [path], alias: try parseAlias(), columns: [])
        }
        let name = try parseIdentifier("a table name")
        if acceptSymbol("(") {
            var arguments: [Expression] = []
            if !acceptSymbol(")") {
                repeat { arguments.append(try parseExpression()) } while acceptSymbol(",")
                try expectSymbol(")", "to close the arguments of \(name.name)")
            }
            let alias = try parseAlias()
            return .function(name, arguments: arguments, alias: alias, columns: try parseColumnAliases(alias))
        }
        let alias = try parseAlias()
        return .table(name, alias: alias, columns: try parseColumnAliases(alias))
    }

    /// `(a JOIN b …)` after its `(`: the join tree; with an alias, `(SELECT * FROM a JOIN b …) AS alias`.
    private mutating func parseParenthesizedJoin(_ open: SourceSpan) throws(SQLSyntaxError) -> TableReference {
        let tree = try parseFrom()
        try expectSymbol(")", "to close the parenthesized join")
        guard let alias = try parseAlias() else { return tree }
        let query = Query(select: SelectCore(items: [.star(open)], from: tree), span: open)
        return .subquery(query, alias: alias, columns: try parseColumnAliases(alias))
    }

    /// `(column, …)` after a table alias, naming its columns from the first (none without an alias).
    mutating func parseColumnAliases(_ alias: Identifier?) throws(SQLSyntaxError) -> [Identifier] {
        guard let alias, acceptSymbol("(") else { return [] }
        var columns: [Identifier] = []
        repeat { columns.append(try parseIdentifier("a column name")) } while acceptSymbol(",")
        try expectSymbol(")", "to close the column names of \(alias.name)")
        return columns
    }

    /// The table function that reads a file named by a quoted path in FROM: read_parquet for
    /// `.parquet`, read_xlsx for `.xlsx`, read_json for `.json`/`.jsonl`/`.ndjson`, read_csv for anything else
    /// (`.csv`, `.tsv`, `.txt`, a compressed or unknown extension), which reports what it cannot read.
    static func fileReader(forPath path: String) -> String {
        var lowered = path.lowercased()
        for suffix in [".gz", ".zst", ".zstd"] where lowered.hasSuffix(suffix) { lowered.removeLast(suffix.count) }
        if lowered.hasSuffix(".parquet") { return "read_parquet" }
        if lowered.hasSuffix(".xlsx") { return "read_xlsx" }
        if lowered.hasSuffix(".json") || lowered.hasSuffix(".jsonl") || lowered.hasSuffix(".ndjson") {
            return "read_json"
        }
        return "read_csv"
    }
}
