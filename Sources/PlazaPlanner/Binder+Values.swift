import PlazaCore
import PlazaSQL

extension BindingSession {
    /// Binds `VALUES (…), (…)`: columns `col0`, `col1`, … (as DuckDB), each of the type its rows
    /// unify to by the rules of UNION.
    ///
    /// In a correlated subquery (`domain`), the rows may read the enclosing query: each D row gets
    /// every row, and the plan's columns are the values, then D's (see `DomainFrame`).
    func bindValues(_ rows: [[Expression]], _ span: SourceSpan, domain: DomainFrame? = nil) throws(BindError)
        -> LogicalPlan
    {
        let width = rows[0].count
        let scope = Scope(columns: domain?.columns ?? [])
        var bound: [[BoundExpression]] = []
        for (number, row) in rows.enumerated() {
            guard row.count == width else {
                throw BindError(
                    "every row of VALUES needs the same number of values: row 1 has \(width), "
                        + "row \(number + 1) has \(row.count)", span: row[0].span)
            }
            var values: [BoundExpression] = []
            for expression in row {
                values.append(try bindExpression(expression, in: scope, context: .plain("VALUES")))
            }
            bound.append(values)
        }
        var fields: [Field] = []
        for column in 0..<width {
            var type = DataType.null
            var isNullable = false
            for (number, row) in bound.enumerated() {
                guard let next = Self.unifiedType(type, row[column].type) else {
                    throw BindError(
                        "column \(column + 1) of VALUES is \(type) in the rows before row \(number + 1) and "
                            + "\(row[column].type) in it, which have no common type; CAST one of them",
                        span: rows[number][column].span)
                }
                type = next
                isNullable = isNullable || PlanUtilities.isNullable(row[column], [])
            }
            fields.append(Field(name: "col\(column)", type: type, isNullable: isNullable))
        }
        let cast = bound.map { row in
            row.enumerated().map { column, expression -> BoundExpression in
                let type = fields[column].type
                if expression.type == type { return expression }
                if expression.type == .null { return .literal(.null, type: type) }
                return .cast(expression, to: type, isTry: false)
            }
        }
        guard let domain else { return .values(rows: cast, fields: fields) }
        // D joined with the rows' numbers; each column picks its row's value for the D row.
        let numbers = LogicalPlan.values(
            rows: cast.indices.map { [.literal(.bigint(Int64($0)), type: .bigint)] },
            fields: [Field(name: "#row", type: .bigint, isNullable: false)])
        let k = domain.columns.count
        let joined = LogicalPlan.join(
            Join(left: domain.placeholder, right: numbers, kind: .inner, leftKeys: [], rightKeys: [], residual: nil))
        let number = BoundExpression.column(index: k, type: .bigint)
        var expressions: [BoundExpression] = []
        for column in 0..<width {
            let branches = cast.indices.map { row in
                CaseBranch(
                    when: .call(
                        name: .equal, arguments: [number, .literal(.bigint(Int64(row)), type: .bigint)],
                        type: .boolean),
                    then: cast[row][column])
            }
            let type = fields[column].type
            expressions.append(.caseWhen(branches: branches, otherwise: .literal(.null, type: type), type: type))
        }
        let domainFields = domain.fields
        expressions += (0..<k).map { BoundExpression.column(index: $0, type: domainFields[$0].type) }
        for index in fields.indices { fields[index].isNullable = true }
        return .project(input: joined, expressions: expressions, fields: fields + domainFields)
    }
}
