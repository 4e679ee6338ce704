import PlazaCore

/// Evaluates calls and casts whose arguments are constants, and simplifies AND/OR/NOT with
/// constant operands. A call that would fail (overflow, bad text) is left for the executor to
/// report. As in DuckDB, an arithmetic or comparison operator with a NULL constant operand is NULL
/// without evaluating its other operand (which then cannot fail either).
enum ConstantFolding {
    /// Operators that are NULL whenever one operand is NULL.
    static let nullPropagating: Set<ScalarFunction> = [
        .add, .subtract, .multiply, .divide, .modulo, .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual,
        .concatOperator,
    ]

    static func fold(_ expression: BoundExpression) -> BoundExpression {
        switch expression {
        case .column, .literal: return expression
        case .scalarSubquery(let plan, let type): return .scalarSubquery(Optimizer.optimize(plan), type: type)
        case .inSubquery(let needle, let plan, let negated):
            return .inSubquery(fold(needle), Optimizer.optimize(plan), isNegated: negated)
        case .cast(let inner, let type, let isTry):
            let folded = fold(inner)
            if case .literal(let value, _) = folded, let result = castValue(value, to: type) {
                return .literal(result, type: type)
            }
            if isTry, case .literal(let value, _) = folded, case .varchar = value {
                return .literal(.null, type: type)
            }
            return .cast(folded, to: type, isTry: isTry)
        case .caseWhen(let branches, let otherwise, let type):
            var kept: [CaseBranch] = []
            for branch in branches {
                let when = fold(branch.when), then = fold(branch.then)
                if case .literal(let value, _) = when {
                    if value == .boolean(true) && kept.isEmpty { return then }
                    if value == .boolean(true) {
                        kept.append(CaseBranch(when: when, then: then))
                        break
                    }
                    continue  // false or NULL: never taken
                }
                kept.append(CaseBranch(when: when, then: then))
            }
            let foldedOtherwise = otherwise.map(fold)
            if kept.isEmpty { return foldedOtherwise ?? .literal(.null, type: type) }
            return .caseWhen(branches: kept, otherwise: foldedOtherwise, type: type)
        case .call(let name, let arguments, let type):
            let folded = arguments.map(fold)
            return foldCall(name, folded, type) ?? .call(name: name, arguments: folded, type: type)
        }
    }

    private static func constant(_ expression: BoundExpression) -> Value? {
        if case .literal(let value, _) = expression { return value }
        return nil
    }

    private static func foldCall(_ name: ScalarFunction, _ arguments: [BoundExpression], _ type: DataType)
        -> BoundExpression?
    {
        if nullPropagating.contains(name), arguments.count == 2,
            arguments.contains(where: { constant($0)?.isNull == true })
        {
            return .literal(.null, type: type)
        }
        switch name {
        case .and, .or:
            let absorbing = Value.boolean(name == .or)
            var kept: [BoundExpression] = []
            var sawNull = false
            for argument in arguments {
                switch constant(argument) {
                case .some(absorbing): return .literal(absorbing, type: .boolean)
                case .some(.null): sawNull = true
                case .some: continue  // the neutral value
                case .none: kept.append(argument)
                }
            }
            if sawNull { kept.append(.literal(.null, type: .boolean)) }
            if kept.isEmpty { return .literal(.boolean(name == .and), type: .boolean) }
            if kept.count == 1 { return kept[0] }
            return .call(name: name, arguments: kept, type: .boolean)
        case .not:
            switch constant(arguments[0]) {
            case .boolean(let b)?: return .literal(.boolean(!b), type: .boolean)
            case .null?: return .literal(.null, type: .boolean)
            default: return nil
            }
        case .isNull, .isNotNull:
            guard let value = constant(arguments[0]) else { return nil }
            return .literal(.boolean(value.isNull == (name == .isNull)), type: .boolean)
        case .isDistinctFrom, .isNotDistinctFrom:
            // A column is never distinct from itself, NULL included (as DuckDB folds it); then a
            // conjunct beside it is not evaluated on rows the comparison would drop.
            guard arguments.count == 2, case .column = arguments[0], arguments[0] == arguments[1] else { return nil }
            return .literal(.boolean(name == .isNotDistinctFrom), type: .boolean)
        case .coalesce:
            var kept: [BoundExpression] = []
            for argument in arguments {
                if let value = constant(argument) {
                    if value.isNull { continue }
                    if kept.isEmpty { return .literal(value, type: type) }
                    kept.append(argument)
                    break
                }
                kept.append(argument)
            }
            if kept.isEmpty { return .literal(.null, type: type) }
            return kept.count == 1 && kept[0].type == type
                ? kept[0] : .call(name: name, arguments: kept, type: type)
        default:
            break
        }
        let values = arguments.compactMap(constant)
        guard values.count == arguments.count, !values.isEmpty else { return nil }
        let propagatesNull: Set<ScalarFunction> = [
            .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual, .add, .subtract, .multiply, .divide,
            .negate, .concatOperator, .like, .lower, .upper, .length,
        ]
        if propagatesNull.contains(name), values.contains(where: \.isNull) { return .literal(.null, type: type) }
        switch name {
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual:
            guard let order = compare(values[0], values[1]) else { return nil }
            let result: Bool
            switch name {
            case .equal: result = order == 0
            case .notEqual: result = order != 0
            case .less: result = order < 0
            case .lessOrEqual: result = order <= 0
            case .greater: result = order > 0
            default: result = order >= 0
            }
            return .literal(.boolean(result), type: .boolean)
        case .add, .subtract, .multiply:
            return arithmetic(name, values[0], values[1], type).map { .literal($0, type: type) }
        case .divide:
            guard case .double(let a) = values[0], case .double(let b) = values[1] else { return nil }
            return .literal(.double(a / b), type: type)
        case .negate:
            switch values[0] {
            case .bigint(let v) where v != .min: return .literal(.bigint(-v), type: type)
            case .double(let v): return .literal(.double(-v), type: type)
            case .decimal(let v, let s) where v != .min && !type.isWideDecimal:
                return .literal(.decimal(-v, scale: s), type: type)
            default: return nil
            }
        case .concatOperator:
            guard case .varchar(let a) = values[0], case .varchar(let b) = values[1] else { return nil }
            return .literal(.varchar(a + b), type: type)
        case .lower, .upper:
            guard case .varchar(let a) = values[0] else { return nil }
            return .literal(.varchar(name == .lower ? a.lowercased() : a.uppercased()), type: type)
        default:
            return nil
        }
    }

    /// Orders two constants of one type; nil when they are not comparable here.
    static func compare(_ a: Value, _ b: Value) -> Int? {
        func order<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : (x == y ? 0 : 1) }
        switch (a, b) {
        case (.bigint(let x), .bigint(let y)): return order(x, y)
        case (.double(let x), .double(let y)):
            if x.isNaN || y.isNaN { return x.isNaN && y.isNaN ? 0 : (x.isNaN ? 1 : -1) }
            return order(x, y)
        case (.decimal(let x, let s1), .decimal(let y, let s2)) where s1 == s2: return order(x, y)
        case (.varchar(let x), .varchar(let y)):
            return x.utf8.lexicographicallyPrecedes(y.utf8) ? -1 : (x == y ? 0 : 1)
        case (.date(let x), .date(let y)): return order(x, y)
        case (.timestamp(let x), .timestamp(let y)): return order(x, y)
        case (.boolean(let x), .boolean(let y)): return order(x ? 1 : 0, y ? 1 : 0)
        default: return nil
        }
    }

    private static func arithmetic(_ op: ScalarFunction, _ a: Value, _ b: Value, _ type: DataType) -> Value? {
        func int(_ x: Int64, _ y: Int64) -> Int64? {
            let (result, overflow): (Int64, Bool)
            switch op {
            case .add: (result, overflow) = x.addingReportingOverflow(y)
            case .subtract: (result, overflow) = x.subtractingReportingOverflow(y)
            default: (result, overflow) = x.multipliedReportingOverflow(by: y)
            }
            return overflow ? nil : result
        }
        switch (a, b) {
        case (.bigint(let x), .bigint(let y)): return int(x, y).map(Value.bigint)
        case (.double(let x), .double(let y)):
            return .double(op == .add ? x + y : op == .subtract ? x - y : x * y)
        case (.decimal(let x, let s1), .decimal(let y, let s2)):
            guard case .decimal(let precision, let scale) = type, !type.isWideDecimal,
                op == .multiply ? s1 + s2 == scale : (s1 == scale && s2 == scale),
                let result = int(x, y), precision >= 18 || result.magnitude < UInt64(powersOfTen[precision])
            else { return nil }
            return .decimal(result, scale: scale)
        case (.date(let d), .bigint(let n)) where op != .multiply:
            let days = op == .add ? Int64(d).addingReportingOverflow(n) : Int64(d).subtractingReportingOverflow(n)
            guard !days.overflow, let narrow = Int32(exactly: days.partialValue) else { return nil }
            return .date(narrow)
        case (.date(let x), .date(let y)) where op == .subtract:
            return .bigint(Int64(x) - Int64(y))
        default:
            return nil
        }
    }

    /// Converts a constant as CAST does, rounding where `castValue` would refuse: a DECIMAL to a
    /// smaller scale or to BIGINT rounds half away from zero, as the executor's cast and DuckDB do.
    /// For places that take a constant of a given type (lag/lead's default); the binder's own
    /// conversions of constants meeting columns must stay exact and use `castValue`.
    static func castValueRounding(_ value: Value, to type: DataType) -> Value? {
        if type.isWideDecimal { return nil }
        switch (value, type) {
        case (.decimal(let v, let s1), .decimal(let p, let s2)) where s2 < s1:
            guard let rounded = rescaleDecimal(v, from: s1, to: s2),
                p >= 18 || rounded.magnitude < UInt64(powersOfTen[p])
            else { return nil }
            return .decimal(rounded, scale: s2)
        case (.decimal(let v, let s), .bigint): return rescaleDecimal(v, from: s, to: 0).map(Value.bigint)
        default: return castValue(value, to: type)
        }
    }

    /// Converts a constant exactly; nil when the conversion fails, would lose digits, or is left to
    /// the executor.
    static func castValue(_ value: Value, to type: DataType) -> Value? {
        if value.isNull { return .null }
        // Wide DECIMALs (Int128) are converted by the executor's kernels only.
        if type.isWideDecimal { return nil }
        if case .wideDecimal = value { return nil }
        switch (value, type) {
        case (_, .varchar):
            switch value {
            // TIMESTAMP text is left to the executor's cast, so a constant prints as a column does.
            case .varchar, .bigint, .boolean, .date, .decimal: return .varchar(value.description)
            default: return nil
            }
        case (.varchar(let text), _): return TextValueParser.parse(text, as: type)
        case (.bigint(let v), .double): return .double(Double(v))
        case (.bigint(let v), .decimal(let p, let s)):
            let (scaled, overflow) = v.multipliedReportingOverflow(by: powersOfTen[s])
            guard !overflow, p >= 18 || scaled.magnitude < UInt64(powersOfTen[p]) else { return nil }
            return .decimal(scaled, scale: s)
        case (.decimal(let v, let s), .double):
            // Below 2^53 both operands are exact and the division rounds once; above, Double(v) would
            // round first, so parse the decimal text, which rounds correctly (as DuckDB does).
            if v.magnitude < 1 << 53 { return .double(Double(v) / Double(powersOfTen[s])) }
            return Double(formatDecimal(v, scale: s)).map { .double($0) }
        case (.decimal(let v, let s1), .decimal(let p, let s2)) where s2 >= s1:
            let (scaled, overflow) = v.multipliedReportingOverflow(by: powersOfTen[s2 - s1])
            guard !overflow, p >= 18 || scaled.magnitude < UInt64(powersOfTen[p]) else { return nil }
            return .decimal(scaled, scale: s2)
        case (.boolean(let b), .bigint): return .bigint(b ? 1 : 0)
        case (.bigint(let v), .boolean): return .boolean(v != 0)
        case (.date(let d), .timestamp): return .timestamp(Int64(d) * CivilCalendar.microsPerDay)
        case (.timestamp(let t), .date):
            return Int32(exactly: CivilCalendar.split(micros: t).days).map(Value.date)
        default: return nil
        }
    }
}
