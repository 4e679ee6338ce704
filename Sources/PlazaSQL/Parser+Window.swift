import PlazaCore

/// Window functions (`OVER`, `WINDOW`, frames, `IGNORE NULLS`), QUALIFY, and ROLLUP / CUBE /
/// GROUPING SETS.
extension ParserState {
    /// `IGNORE NULLS` or `RESPECT NULLS` if present.
    mutating func parseNullTreatment() throws(SQLSyntaxError) -> Bool? {
        let isIgnore = current.isKeyword("IGNORE")
        guard isIgnore || current.isKeyword("RESPECT"), next.isKeyword("NULLS") else { return nil }
        position += 2
        return isIgnore
    }

    /// After a call's `)` and FILTER: `[IGNORE | RESPECT NULLS] [OVER window]`.
    mutating func parseWindowSuffix(_ call: inout FunctionCall) throws(SQLSyntaxError) {
        if let treatment = try parseNullTreatment() {
            if call.ignoresNulls != nil {
                throw error("IGNORE or RESPECT NULLS is written twice", at: tokens[position - 2])
            }
            call.ignoresNulls = treatment
        }
        guard accept("OVER") else { return }
        if current.isSymbol("(") {
            call.window = try parseWindowSpecification()
        } else {
            let name = try parseIdentifier("a window name or \"(\" after OVER")
            call.window = WindowSpecification(baseName: name, span: name.span)
        }
    }

    /// `( [base] [PARTITION BY …] [ORDER BY …] [frame] )`.
    mutating func parseWindowSpecification() throws(SQLSyntaxError) -> WindowSpecification {
        let open = current
        try expectSymbol("(", "to open the window")
        var specification = WindowSpecification(span: open.span)
        if current.kind == .quotedIdentifier
            || (current.kind == .word && !current.isKeyword("PARTITION") && !current.isKeyword("ORDER")
                && !current.isKeyword("ROWS") && !current.isKeyword("RANGE") && !current.isKeyword("GROUPS"))
        {
            specification.baseName = try parseIdentifier("a window name, PARTITION BY, ORDER BY or a frame")
        }
        if accept("PARTITION") {
            try expect("BY")
            repeat { specification.partitionBy.append(try parseExpression()) } while acceptSymbol(",")
        }
        if accept("ORDER") {
            try expect("BY")
            repeat { specification.orderBy.append(try parseOrderItem()) } while acceptSymbol(",")
        }
        if current.isKeyword("ROWS") || current.isKeyword("RANGE") || current.isKeyword("GROUPS") {
            specification.frame = try parseFrame()
        }
        try expectSymbol(")", "to close the window")
        return specification
    }

    /// One ORDER BY item: `expr [ASC | DESC] [NULLS FIRST | LAST]`.
    mutating func parseOrderItem() throws(SQLSyntaxError) -> OrderItem {
        var item = OrderItem(expression: try parseExpression())
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
        return item
    }

    /// `ROWS | RANGE | GROUPS (BETWEEN bound AND bound | bound)`.
    mutating func parseFrame() throws(SQLSyntaxError) -> WindowFrame {
        let token = advance()
        let unit = WindowFrame.Unit(rawValue: token.text.uppercased())!
        if accept("BETWEEN") {
            let startToken = current
            let start = try parseFrameBound()
            try expect("AND")
            let endToken = current
            let end = try parseFrameBound()
            if start == .unboundedFollowing {
                throw error("a frame cannot start at UNBOUNDED FOLLOWING", at: startToken)
            }
            if end == .unboundedPreceding {
                throw error("a frame cannot end at UNBOUNDED PRECEDING", at: endToken)
            }
            if start.rank > end.rank {
                throw error(
                    "the frame starts after it ends: \(start.sql) cannot come before \(end.sql)", at: startToken)
            }
            return WindowFrame(unit: unit, start: start, end: end, span: token.span)
        }
        let startToken = current
        let start = try parseFrameBound()
        if start == .unboundedFollowing || start.rank > FrameBound.currentRow.rank {
            throw error("a frame without BETWEEN must start at or before CURRENT ROW", at: startToken)
        }
        return WindowFrame(unit: unit, start: start, end: .currentRow, span: token.span)
    }

    /// `UNBOUNDED PRECEDING | UNBOUNDED FOLLOWING | CURRENT ROW | expr PRECEDING | expr FOLLOWING`.
    mutating func parseFrameBound() throws(SQLSyntaxError) -> FrameBound {
        if accept("UNBOUNDED") {
            if accept("PRECEDING") { return .unboundedPreceding }
            if accept("FOLLOWING") { return .unboundedFollowing }
            throw unexpected("PRECEDING or FOLLOWING after UNBOUNDED")
        }
        if accept("CURRENT") {
            try expect("ROW")
            return .currentRow
        }
        let offset = try parseExpression()
        if accept("PRECEDING") { return .preceding(offset) }
        if accept("FOLLOWING") { return .following(offset) }
        throw unexpected("PRECEDING or FOLLOWING")
    }

    /// `WINDOW name AS (…), …`.
    mutating func parseWindowDefinitions() throws(SQLSyntaxError) -> [WindowDefinition] {
        var definitions: [WindowDefinition] = []
        repeat {
            let name = try parseIdentifier("a window name")
            try expect("AS")
            let specification = try parseWindowSpecification()
            if definitions.contains(where: { $0.name.name.lowercased() == name.name.lowercased() }) {
                throw error("window \"\(name.name)\" is defined twice", at: tokens[position - 1])
            }
            definitions.append(WindowDefinition(name: name, specification: specification))
        } while acceptSymbol(",")
        return definitions
    }

    // MARK: Grouping sets

    /// The GROUP BY list after `GROUP BY` (not ALL): plain keys, or keys with their grouping sets
    /// when ROLLUP, CUBE or GROUPING SETS appear (sets are the cross product of the items' sets).
    mutating func parseGroupByList() throws(SQLSyntaxError) -> (keys: [Expression], sets: [[Int]]?) {
        var keys: [Expression] = []
        var keyTexts: [String] = []
        func index(of expression: Expression) -> Int {
            let text = expression.sql
            if let existing = keyTexts.firstIndex(of: text) { return existing }
            keys.append(expression)
            keyTexts.append(text)
            return keys.count - 1
        }
        var sets: [[Int]] = [[]]
        var hasSets = false
        repeat {
            let itemSets: [[Int]]
            if current.isKeyword("ROLLUP") || current.isKeyword("CUBE"), next.isSymbol("(") {
                let isCube = advance().isKeyword("CUBE")
                hasSets = true
                position += 1
                var elements: [[Int]] = []
                repeat { elements.append(try parseGroupingElement().map(index)) } while acceptSymbol(",")
                try expectSymbol(")", "to close \(isCube ? "CUBE" : "ROLLUP")")
                if isCube {
                    guard elements.count <= 12 else {
                        throw error("CUBE takes at most 12 elements (4,096 grouping sets)", at: tokens[position - 1])
                    }
                    // Every subset, the full set first, in DuckDB's order of bit masks.
                    itemSets = (0..<(1 << elements.count)).reversed().map { mask in
                        elements.indices.filter { mask >> (elements.count - 1 - $0) & 1 == 1 }.flatMap { elements[$0] }
                    }
                } else {
                    itemSets = (0...elements.count).reversed().map { Array(elements[0..<$0].joined()) }
                }
            } else if current.isKeyword("GROUPING"), next.isKeyword("SETS") {
                position += 2
                hasSets = true
                try expectSymbol("(", "after GROUPING SETS")
                var elements: [[Int]] = []
                repeat { elements.append(try parseGroupingElement().map(index)) } while acceptSymbol(",")
                try expectSymbol(")", "to close GROUPING SETS")
                itemSets = elements
            } else {
                itemSets = [[index(of: try parseExpression())]]
            }
            var product: [[Int]] = []
            for left in sets {
                for right in itemSets { product.append(left + right.filter { !left.contains($0) }) }
            }
            guard product.count <= 4096 else { throw error("more than 4,096 grouping sets", at: current) }
            sets = product
        } while acceptSymbol(",")
        return (keys, hasSets ? sets : nil)
    }

    /// One element of ROLLUP, CUBE or GROUPING SETS: `(a, b)`, `()` or `a`.
    mutating func parseGroupingElement() throws(SQLSyntaxError) -> [Expression] {
        guard current.isSymbol("(") else { return [try parseExpression()] }
        position += 1
        if acceptSymbol(")") { return [] }
        var list: [Expression] = []
        repeat { list.append(try parseExpression()) } while acceptSymbol(",")
        try expectSymbol(")", "to close the grouping set")
        return list
    }
}
