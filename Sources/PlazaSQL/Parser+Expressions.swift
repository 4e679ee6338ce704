import PlazaCore

/// Expressions: precedence climbing for infix operators, recursive descent for the rest.
extension ParserState {
    mutating func parseExpression() throws(SQLSyntaxError) -> Expression {
        try parseBinary(minimum: 1)
    }

    /// The precedence of the infix construct at the current token, or nil if none starts here.
    func infixPrecedence() -> Int? {
        let token = current
        switch token.kind {
        case .symbol:
            switch token.text {
            case "=", "<>", "!=", "<", "<=", ">", ">=": return 4
            case "||": return 5
            case "+", "-": return 6
            case "*", "/", "%": return 7
            case "::": return 9
            default: return nil
            }
        case .word:
            switch token.text.uppercased() {
            case "OR": return 1
            case "AND": return 2
            case "IS", "IN", "LIKE", "ILIKE", "BETWEEN": return 4
            case "NOT":
                let following = next
                return following.isKeyword("IN") || following.isKeyword("LIKE") || following.isKeyword("ILIKE")
                    || following.isKeyword("BETWEEN") ? 4 : nil
            default: return nil
            }
        default: return nil
        }
    }

    mutating func parseBinary(minimum: Int) throws(SQLSyntaxError) -> Expression {
        try enter()
        defer { depth -= 1 }
        var left = try parsePrefix()
        var chain = 0
        while let precedence = infixPrecedence(), precedence >= minimum {
            chain += 1
            if depth + chain > Parser.maximumDepth {
                throw error("expression nested too deeply (more than \(Parser.maximumDepth) levels)", at: current)
            }
            let token = advance()
            if token.kind == .symbol {
                if token.text == "::" {
                    left = Expression(.cast(left, try parseType(), isTry: false), span: token.span)
                    continue
                }
                let op: BinaryOperator = token.text == "!=" ? .notEqual : BinaryOperator(rawValue: token.text)!
                if op.precedence == 4, let quantified = try parseQuantified(left, op, at: token) {
                    left = quantified
                    continue
                }
                let right = try parseBinary(minimum: precedence + 1)
                left = Expression(.binary(op, left, right), span: token.span)
                continue
            }
            let word = token.text.uppercased()
            switch word {
            case "OR", "AND":
                let right = try parseBinary(minimum: precedence + 1)
                left = Expression(.binary(word == "OR" ? .or : .and, left, right), span: token.span)
            case "IS":
                let negated = accept("NOT")
                if accept("NULL") {
                    left = Expression(.isNull(left, isNegated: negated), span: token.span)
                } else if accept("DISTINCT") {
                    try expect("FROM")
                    let right = try parseBinary(minimum: 5)
                    left = Expression(.isDistinctFrom(left, right, isNegated: negated), span: token.span)
                } else if current.isKeyword("TRUE") || current.isKeyword("FALSE") {
                    // x IS [NOT] TRUE is x IS [NOT] DISTINCT FROM TRUE.
                    let literal = advance()
                    let value = Expression(.literal(.boolean(literal.isKeyword("TRUE"))), span: literal.span)
                    left = Expression(.isDistinctFrom(left, value, isNegated: !negated), span: token.span)
                } else {
                    throw unexpected("NULL, DISTINCT FROM, TRUE or FALSE after IS")
                }
            default:
                var negated = false
                var keyword = token
                if word == "NOT" {
                    negated = true
                    keyword = advance()
                }
                left = try parsePredicate(left, keyword: keyword, negated: negated)
            }
        }
        return left
    }

    /// `ANY | SOME | ALL (subquery)` after a comparison, or nil when the right side is an ordinary operand.
    mutating func parseQuantified(_ left: Expression, _ op: BinaryOperator, at token: Token) throws(SQLSyntaxError)
        -> Expression?
    {
        guard current.isKeyword("ANY") || current.isKeyword("SOME") || current.isKeyword("ALL"), next.isSymbol("(")
        else { return nil }
        let quantifier = advance()
        let word = quantifier.text.uppercased()
        try expectSymbol("(", "after \(word)")
        guard current.isKeyword("SELECT") || current.isKeyword("WITH") || startsValues else {
            throw error("\(word) takes a subquery: x \(op.rawValue) \(word) (SELECT …)", at: current)
        }
        let query = try parseQuery()
        try expectSymbol(")", "to close the subquery")
        return Expression(.quantified(op, left, query, isAll: word == "ALL"), span: token.span)
    }

    /// `[NOT] IN …`, `[NOT] LIKE …`, `[NOT] BETWEEN …` after their left operand.
    mutating func parsePredicate(_ left: Expression, keyword: Token, negated: Bool) throws(SQLSyntaxError) -> Expression
    {
        switch keyword.text.uppercased() {
        case "IN":
            try expectSymbol("(", "after IN")
            if current.isKeyword("SELECT") || current.isKeyword("WITH") || startsValues {
                let query = try parseQuery()
                try expectSymbol(")", "to close the subquery")
                return Expression(.inSubquery(left, query, isNegated: negated), span: keyword.span)
            }
            var list: [Expression] = []
            repeat { list.append(try parseExpression()) } while acceptSymbol(",")
            try expectSymbol(")", "to close the IN list")
            return Expression(.inList(left, list, isNegated: negated), span: keyword.span)
        case "LIKE", "ILIKE":
            let pattern = try parseBinary(minimum: 5)
            if current.isKeyword("ESCAPE") {
                throw error("LIKE … ESCAPE is not supported; the escape character is \\", at: current)
            }
            return Expression(
                .like(left, pattern: pattern, isCaseInsensitive: keyword.isKeyword("ILIKE"), isNegated: negated),
                span: keyword.span)
        default:
            let low = try parseBinary(minimum: 5)
            try expect("AND")
            let high = try parseBinary(minimum: 5)
            return Expression(.between(left, low: low, high: high, isNegated: negated), span: keyword.span)
        }
    }

    mutating func parsePrefix() throws(SQLSyntaxError) -> Expression {
        let token = current
        if accept("NOT") {
            return Expression(.unary(.not, try parseBinary(minimum: 3)), span: token.span)
        }
        if token.isSymbol("-") || token.isSymbol("+") {
            position += 1
            let operand = try parseBinary(minimum: 8)
            return Expression(.unary(token.text == "-" ? .minus : .plus, operand), span: token.span)
        }
        return try parsePrimary()
    }

    mutating func parsePrimary() throws(SQLSyntaxError) -> Expression {
        let token = current
        switch token.kind {
        case .integer:
            position += 1
            return Expression(.literal(.integer(token.text)), span: token.span)
        case .decimal:
            position += 1
            return Expression(.literal(.decimal(token.text)), span: token.span)
        case .float:
            position += 1
            return Expression(.literal(.float(token.text)), span: token.span)
        case .string:
            position += 1
            return Expression(.literal(.string(token.text)), span: token.span)
        case .parameter:
            position += 1
            return Expression(.parameter(try parameterIndex(token)), span: token.span)
        case .symbol where token.text == "(":
            position += 1
            if current.isKeyword("SELECT") || current.isKeyword("WITH") || startsValues {
                let query = try parseQuery()
                try expectSymbol(")", "to close the subquery")
                return Expression(.subquery(query), span: token.span)
            }
            let inner = try parseExpression()
            try expectSymbol(")", "to close the parenthesis opened at \(token.span)")
            return inner
        case .quotedIdentifier:
            return try parseColumn()
        case .word:
            return try parseWord()
        case .end:
            throw unexpected("an expression")
        default:
            throw unexpected("an expression")
        }
    }

    mutating func parameterIndex(_ token: Token) throws(SQLSyntaxError) -> Int {
        if token.text.isEmpty {
            if usesNumberedParameters { throw error("do not mix ? and $n parameters", at: token) }
            questionMarks += 1
            return questionMarks
        }
        if questionMarks > 0 { throw error("do not mix ? and $n parameters", at: token) }
        usesNumberedParameters = true
        return Int(token.text)!
    }

    /// `name` or `table.name`.
    mutating func parseColumn() throws(SQLSyntaxError) -> Expression {
        let first = try parseIdentifier("a column name")
        var parts = [first]
        while acceptSymbol(".") {
            parts.append(try parseIdentifier("a column name after \".\""))
            if parts.count > 2 {
                throw SQLSyntaxError(message: "a column is written name or table.name", span: parts[2].span, sql: sql)
            }
        }
        return Expression(.column(parts), span: first.span)
    }

    mutating func parseWord() throws(SQLSyntaxError) -> Expression {
        let token = current
        let word = token.text.uppercased()
        switch word {
        case "TRUE", "FALSE":
            position += 1
            return Expression(.literal(.boolean(word == "TRUE")), span: token.span)
        case "NULL":
            position += 1
            return Expression(.literal(.null), span: token.span)
        case "CASE":
            position += 1
            return try parseCase(token)
        case "EXISTS" where next.isSymbol("("):
            position += 2
            let query = try parseQuery()
            try expectSymbol(")", "to close EXISTS (…)")
            return Expression(.exists(query), span: token.span)
        case "CAST", "TRY_CAST":
            position += 1
            try expectSymbol("(", "after \(word)")
            let value = try parseExpression()
            try expect("AS")
            let type = try parseType()
            try expectSymbol(")", "to close \(word)")
            return Expression(.cast(value, type, isTry: word == "TRY_CAST"), span: token.span)
        case "EXTRACT":
            position += 1
            try expectSymbol("(", "after EXTRACT")
            let part = current
            guard part.kind == .word || part.kind == .string else { throw unexpected("a date part such as year") }
            position += 1
            try expect("FROM")
            let value = try parseExpression()
            try expectSymbol(")", "to close EXTRACT")
            return Expression(.extract(part.text.lowercased(), value), span: part.span)
        case "DATE" where next.kind == .string, "TIMESTAMP" where next.kind == .string:
            position += 1
            let text = advance().text
            return Expression(.literal(.typed(word == "DATE" ? .date : .timestamp, text)), span: token.span)
        case "INTERVAL" where next.kind == .string || next.kind == .integer || next.kind == .decimal:
            position += 1
            let amount = advance()
            if current.kind == .word, !Keywords.reserved.contains(current.text.uppercased()),
                Self.intervalUnits.contains(current.text.lowercased())
            {
                let unit = advance().text.lowercased()
                return Expression(.literal(.interval(amount.text, unit: unit)), span: token.span)
            }
            guard amount.kind == .string else { throw unexpected("a unit such as days after INTERVAL \(amount.text)") }
            return Expression(.literal(.typed(.interval, amount.text)), span: token.span)
        case "CURRENT_DATE" where !next.isSymbol("("):
            position += 1
            let name = Identifier("current_date", span: token.span)
            return Expression(.function(FunctionCall(name: name, arguments: [])), span: token.span)
        default:
            if Keywords.reserved.contains(word) {
                throw error("syntax error at or near \(describe(token)): expected an expression", at: token)
            }
            if next.isSymbol("(") { return try parseFunction() }
            return try parseColumn()
        }
    }

    static let intervalUnits: Set<String> = [
        "year", "years", "month", "months", "week", "weeks", "day", "days", "hour", "hours",
        "minute", "minutes", "second", "seconds", "millisecond", "milliseconds", "microsecond", "microseconds",
    ]

    mutating func parseCase(_ token: Token) throws(SQLSyntaxError) -> Expression {
        var operand: Expression?
        if !current.isKeyword("WHEN") && !current.isKeyword("END") { operand = try parseExpression() }
        var branches: [WhenClause] = []
        while accept("WHEN") {
            let when = try parseExpression()
            try expect("THEN")
            branches.append(WhenClause(when: when, then: try parseExpression()))
        }
        if branches.isEmpty { throw unexpected("WHEN") }
        var otherwise: Expression?
        if accept("ELSE") { otherwise = try parseExpression() }
        try expect("END")
        return Expression(.caseWhen(operand: operand, branches: branches, otherwise: otherwise), span: token.span)
    }

    mutating func parseFunction() throws(SQLSyntaxError) -> Expression {
        let name = try parseIdentifier("a function name")
        try expectSymbol("(")
        var call = FunctionCall(name: name, arguments: [])
        if current.isSymbol("*") {
            position += 1
            call.isStar = true
        } else if !current.isSymbol(")") {
            if accept("DISTINCT") { call.isDistinct = true } else { _ = accept("ALL") }
            repeat { call.arguments.append(try parseExpression()) } while acceptSymbol(",")
            call.ignoresNulls = try parseNullTreatment()
        }
        try expectSymbol(")", "to close the arguments of \(name.name)")
        if accept("FILTER") {
            try expectSymbol("(", "after FILTER")
            try expect("WHERE")
            call.filter = try parseExpression()
            try expectSymbol(")", "to close FILTER")
        }
        try parseWindowSuffix(&call)
        return Expression(.function(call), span: name.span)
    }

    /// A type name: BIGINT, INTEGER, DOUBLE, DECIMAL(p,s), VARCHAR, DATE, TIMESTAMP, BOOLEAN, INTERVAL….
    mutating func parseType() throws(SQLSyntaxError) -> DataType {
        let token = current
        guard token.kind == .word else { throw unexpected("a type name") }
        position += 1
        switch token.text.uppercased() {
        case "BOOLEAN", "BOOL", "LOGICAL": return .boolean
        case "BIGINT", "INT8", "LONG", "INTEGER", "INT", "INT4", "INT32", "INT64", "SMALLINT", "INT2", "TINYINT",
            "INT1", "HUGEINT", "UBIGINT", "UINTEGER":
            return .bigint
        case "DOUBLE", "FLOAT8", "FLOAT", "FLOAT4", "REAL":
            _ = accept("PRECISION")
            return .double
        case "VARCHAR", "TEXT", "STRING", "CHAR", "BPCHAR":
            if acceptSymbol("(") {
                guard current.kind == .integer else { throw unexpected("a length") }
                position += 1
                try expectSymbol(")")
            }
            return .varchar
        case "DATE": return .date
        case "TIMESTAMP", "DATETIME": return .timestamp
        case "INTERVAL": return .interval
        case "DECIMAL", "NUMERIC", "DEC":
            var precision = 18, scale = 3
            if acceptSymbol("(") {
                let p = current
                guard p.kind == .integer, let value = Int(p.text) else { throw unexpected("a precision") }
                position += 1
                precision = value
                scale = 0
                if acceptSymbol(",") {
                    let s = current
                    guard s.kind == .integer, let value = Int(s.text) else { throw unexpected("a scale") }
                    position += 1
                    scale = value
                }
                try expectSymbol(")", "to close DECIMAL(")
                guard precision >= 1, precision <= DataType.maxDecimalPrecision else {
                    throw error(
                        "DECIMAL precision must be between 1 and \(DataType.maxDecimalPrecision), not \(precision)",
                        at: p)
                }
                guard scale <= precision else {
                    throw error("DECIMAL scale \(scale) must not exceed its precision \(precision)", at: p)
                }
            }
            return .decimal(precision: precision, scale: scale)
        default:
            throw error("unknown type \"\(token.text)\"", at: token)
        }
    }
}

extension ParserState {
    /// Whether a `VALUES (…)` list starts here (there is no function named `values`).
    var startsValues: Bool { current.isKeyword("VALUES") && next.isSymbol("(") }
}
