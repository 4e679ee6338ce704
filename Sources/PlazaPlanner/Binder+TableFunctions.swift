import PlazaCore
import PlazaSQL

extension BindingSession {
    /// Binds a table function in FROM: `range(…)` and `generate_series(…)`, with DuckDB's signatures:
    /// `(stop)`, `(start, stop)` or `(start, stop, step)` over BIGINT, or `(start, stop, INTERVAL)`
    /// over DATE and TIMESTAMP (giving TIMESTAMP). `range` stops before `stop`, `generate_series` at it.
    func bindTableFunction(
        _ name: Identifier, _ arguments: [Expression], alias: Identifier?, columns: [Identifier]
    ) throws(BindError) -> (LogicalPlan, Scope) {
        let lowered = name.name.lowercased()
        if let format = Self.fileFormats[lowered] {
            return try bindFileTable(format, name, arguments, alias: alias, columns: columns)
        }
        guard lowered == "range" || lowered == "generate_series" else {
            let names = (["range", "generate_series"] + Self.fileFormats.keys.sorted()).joined(separator: ", ")
            throw BindError("unknown table function \"\(name.name)\" (table functions: \(names))", span: name.span)
        }
        guard (1...3).contains(arguments.count) else {
            throw BindError(
                "\(lowered) takes 1 to 3 arguments (start, stop, step), not \(arguments.count)", span: name.span)
        }
        guard columns.count <= 1 else {
            throw BindError("\(lowered) has one column; \(columns.count) names were given", span: columns[1].span)
        }
        var values: [Value] = []
        for argument in arguments {
            let bound = Optimizer.fold(try bindExpression(argument, in: Scope(columns: []), context: .plain(lowered)))
            guard case .literal(let value, _) = bound else {
                throw BindError("the arguments of \(lowered) must be constants", span: argument.span)
            }
            values.append(value)
        }
        let columnName = columns.first?.name ?? lowered
        let qualifier = alias?.name ?? lowered
        func plan(_ series: SeriesPlan) -> (LogicalPlan, Scope) {
            (.series(series), Scope(fields: [series.field], qualifier: qualifier))
        }
        let includesStop = lowered == "generate_series"
        // A NULL argument gives no rows (as DuckDB).
        if values.contains(where: \.isNull) {
            let field = Field(
                name: columnName, type: values.contains { $0.dataType == .interval } ? .timestamp : .bigint)
            return plan(SeriesPlan(field: field, start: 1, stop: 0, includesStop: false, step: 1, interval: nil))
        }
        switch values.count == 1 ? [Value.bigint(0), values[0]] : values {
        case let all where all.allSatisfy({ $0.dataType == .bigint }):
            let numbers = all.map { (value) -> Int64 in if case .bigint(let n) = value { n } else { 0 } }
            let step = numbers.count == 3 ? numbers[2] : 1
            guard step != 0 else {
                throw BindError("the step of \(lowered) must not be 0", span: arguments[arguments.count - 1].span)
            }
            return plan(
                SeriesPlan(
                    field: Field(name: columnName, type: .bigint), start: numbers[0], stop: numbers[1],
                    includesStop: includesStop, step: step, interval: nil))
        case let all where all.count == 3 && all[2].dataType == .interval:
            func micros(_ value: Value, _ index: Int) throws(BindError) -> Int64 {
                switch value {
                case .date(let days): return Int64(days) * CivilCalendar.microsPerDay
                case .timestamp(let micros): return micros
                default:
                    throw BindError(
                        "\(lowered) with an INTERVAL step needs DATE or TIMESTAMP bounds, not \(value.dataType)",
                        span: arguments[index].span)
                }
            }
            guard case .interval(let step) = all[2] else { preconditionFailure("checked above") }
            let parts: [Int64] = [Int64(step.months), Int64(step.days), step.micros]
            guard parts.contains(where: { $0 != 0 }) else {
                throw BindError("the step of \(lowered) must not be a zero interval", span: arguments[2].span)
            }
            guard parts.allSatisfy({ $0 >= 0 }) || parts.allSatisfy({ $0 <= 0 }) else {
                throw BindError(
                    "the INTERVAL step of \(lowered) must not mix positive and negative parts", span: arguments[2].span)
            }
            return plan(
                SeriesPlan(
                    field: Field(name: columnName, type: .timestamp), start: try micros(all[0], 0),
                    stop: try micros(all[1], 1), includesStop: includesStop, step: 0, interval: step))
        default:
            let types = values.map(\.dataType.description).joined(separator: ", ")
            throw BindError(
                "\(lowered) takes BIGINT arguments, or DATE or TIMESTAMP bounds with an INTERVAL step, not (\(types))",
                span: name.span)
        }
    }
}
