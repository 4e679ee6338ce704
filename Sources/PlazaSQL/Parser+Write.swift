import PlazaCore

extension ParserState {
    /// Whether a statement that changes the database starts here.
    var startsWriteStatement: Bool {
        current.isKeyword("CREATE") || current.isKeyword("DROP") || current.isKeyword("INSERT")
            || current.isKeyword("DELETE") || current.isKeyword("UPDATE") || current.isKeyword("ALTER")
    }

    /// CREATE TABLE/VIEW, DROP TABLE/VIEW or INSERT INTO.
    mutating func parseWriteStatement() throws(SQLSyntaxError) -> WriteStatement {
        if accept("ALTER") {
            try expect("TABLE")
            let name = try parseIdentifier("a table name")
            return .alterTable(name: name, change: try parseTableChange())
        }
        if accept("DELETE") {
            try expect("FROM")
            let table = try parseIdentifier("a table name")
            let alias = try parseTargetAlias()
            if current.isKeyword("USING") {
                throw error("DELETE … USING is not supported; use WHERE … IN (SELECT …)", at: current)
            }
            let condition = accept("WHERE") ? try parseExpression() : nil
            if current.isKeyword("RETURNING") { throw error("RETURNING is not supported", at: current) }
            return .delete(table: table, alias: alias, condition: condition)
        }
        if accept("UPDATE") {
            let table = try parseIdentifier("a table name")
            let alias = try parseTargetAlias()
            try expect("SET")
            var assignments: [Assignment] = []
            repeat {
                let column = try parseIdentifier("a column name")
                if current.isSymbol(".") {
                    throw error("SET names a column of the updated table without a qualifier", at: current)
                }
                try expectSymbol("=", "after the column name in SET")
                assignments.append(Assignment(column: column, value: try parseExpression()))
            } while acceptSymbol(",")
            let from = accept("FROM") ? try parseFrom() : nil
            let condition = accept("WHERE") ? try parseExpression() : nil
            if current.isKeyword("RETURNING") { throw error("RETURNING is not supported", at: current) }
            return .update(table: table, alias: alias, assignments: assignments, from: from, condition: condition)
        }
        if accept("INSERT") {
            try expect("INTO")
            let table = try parseIdentifier("a table name")
            var columns: [Identifier]?
            if current.isSymbol("("), !next.isKeyword("SELECT"), !next.isKeyword("WITH"), !next.isKeyword("VALUES") {
                position += 1
                var list: [Identifier] = []
                repeat { list.append(try parseIdentifier("a column name")) } while acceptSymbol(",")
                try expectSymbol(")", "to close the column list")
                columns = list
            }
            if current.isKeyword("DEFAULT") {
                throw error("INSERT … DEFAULT VALUES is not supported; list the values", at: current)
            }
            guard
                current.isKeyword("SELECT") || current.isKeyword("WITH") || current.isKeyword("VALUES")
                    || current.isSymbol("(")
            else { throw unexpected("VALUES or a query") }
            return .insert(table: table, columns: columns, query: try parseQuery())
        }
        if accept("DROP") {
            let isView = accept("VIEW")
            if !isView { try expect("TABLE") }
            var ifExists = false
            if accept("IF") {
                try expect("EXISTS")
                ifExists = true
            }
            let name = try parseIdentifier(isView ? "a view name" : "a table name")
            return isView ? .dropView(name: name, ifExists: ifExists) : .dropTable(name: name, ifExists: ifExists)
        }
        try expect("CREATE")
        var orReplace = false
        if accept("OR") {
            try expect("REPLACE")
            orReplace = true
        }
        let isView = accept("VIEW")
        if !isView {
            if current.isKeyword("TEMP") || current.isKeyword("TEMPORARY") {
                throw error("temporary tables are not supported; every table is stored", at: current)
            }
            try expect("TABLE")
        }
        var ifNotExists = false
        if current.isKeyword("IF") {
            let ifToken = advance()
            guard accept("NOT") else {
                throw error("syntax error at or near \"IF\": expected IF NOT EXISTS", at: ifToken)
            }
            try expect("EXISTS")
            ifNotExists = true
        }
        if orReplace && ifNotExists {
            throw error("OR REPLACE and IF NOT EXISTS cannot be used together", at: current)
        }
        let name = try parseIdentifier(isView ? "a view name" : "a table name")
        if isView {
            try expect("AS")
            return .createView(name: name, query: try parseQuery(), orReplace: orReplace, ifNotExists: ifNotExists)
        }
        if accept("AS") {
            return .createTableAs(name: name, query: try parseQuery(), orReplace: orReplace, ifNotExists: ifNotExists)
        }
        try expectSymbol("(", "or AS after the table name")
        var columns: [ColumnDefinition] = []
        repeat {
            let column = try parseIdentifier("a column name")
            let type = try parseType()
            var isNotNull = false
            while true {
                if accept("NOT") {
                    try expect("NULL")
                    isNotNull = true
                } else if accept("NULL") {
                    isNotNull = false
                } else if current.isKeyword("PRIMARY") || current.isKeyword("UNIQUE") || current.isKeyword("DEFAULT")
                    || current.isKeyword("CHECK") || current.isKeyword("REFERENCES")
                {
                    throw error("column constraint \(current.text.uppercased()) is not supported", at: current)
                } else {
                    break
                }
            }
            columns.append(ColumnDefinition(name: column, type: type, isNotNull: isNotNull))
        } while acceptSymbol(",")
        try expectSymbol(")", "to close the column list")
        return .createTable(name: name, columns: columns, orReplace: orReplace, ifNotExists: ifNotExists)
    }

    /// The optional `[AS] alias` after the table of DELETE or UPDATE.
    private mutating func parseTargetAlias() throws(SQLSyntaxError) -> Identifier? {
        if accept("AS") { return try parseIdentifier("an alias") }
        let word = current.text.uppercased()
        if current.kind == .quotedIdentifier
            || (current.kind == .word && !Keywords.reserved.contains(word) && word != "SET" && word != "RETURNING")
        {
            return try parseIdentifier("an alias")
        }
        return nil
    }

    /// What follows `ALTER TABLE name`.
    private mutating func parseTableChange() throws(SQLSyntaxError) -> TableChange {
        if accept("RENAME") {
            if accept("TO") { return .rename(to: try parseIdentifier("the new table name")) }
            _ = accept("COLUMN")
            let old = try parseIdentifier("a column name")
            try expect("TO")
            return .renameColumn(old, to: try parseIdentifier("the new column name"))
        }
        if accept("ADD") {
            _ = accept("COLUMN")
            let name = try parseIdentifier("a column name")
            let type = try parseType()
            var isNotNull = false, defaultValue: Expression?
            while true {
                if accept("NOT") {
                    try expect("NULL")
                    isNotNull = true
                } else if accept("DEFAULT") {
                    defaultValue = try parseExpression()
                } else {
                    break
                }
            }
            return .addColumn(
                ColumnDefinition(name: name, type: type, isNotNull: isNotNull), defaultValue: defaultValue)
        }
        if accept("DROP") {
            _ = accept("COLUMN")
            return .dropColumn(try parseIdentifier("a column name"))
        }
        throw unexpected("RENAME, ADD or DROP after ALTER TABLE name")
    }
}
