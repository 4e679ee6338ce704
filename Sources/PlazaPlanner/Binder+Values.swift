import PlazaCore
import PlazaSQL

extension BindingSession {
    /// Binds `VALUES (…), (…)`: columns `col0`, `col1`, … (as DuckDB), each of the type its rows
    /// unify to by the rules of UNION.
    func bindValues(_ rows: [[Expression]], _ span: SourceSpan) throws(BindError) -> LogicalPlan {
        let width = rows[0].count
        var bound: [[BoundExpression]] = []
        for (number, row) in rows.enumerated() {
            guard row.count == width else {
                throw BindError(
                    "every row of VALUES needs the same number of values: row 1 has \(width), "
                        + "row \(number + 1) has \(row.count)", span: row[0].span)
            }
            var values: [BoundExpression] = []
            for expression in row {
                values.append(try bindExpression(expression, in: Scope(columns: []), context: .plain("VALUES")))
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
        return .values(rows: cast, fields: fields)
    }
}
