import PlazaCore

/// Type rules: common types, implicit and explicit casts, and overload resolution.
extension FunctionCatalog {
    /// The type two operands are unified to (comparisons, `in`, `coalesce`, CASE branches…), or nil.
    ///
    /// NULL unifies with anything; BIGINT + DECIMAL(p,s) → DECIMAL(cap,s); DECIMAL(p1,s1) +
    /// DECIMAL(p2,s2) → DECIMAL(min(cap, max(p1−s1, p2−s2) + max(s1,s2)), max(s1,s2)), where cap is
    /// 18 for two narrow operands and 38 when one is wide; BIGINT + DOUBLE → DOUBLE;
    /// DECIMAL + DOUBLE → DOUBLE; DATE + TIMESTAMP → TIMESTAMP. Anything else must match exactly.
    package static func commonType(_ a: DataType, _ b: DataType) -> DataType? {
        if a == b { return a }
        switch (a, b) {
        case (.null, _): return b
        case (_, .null): return a
        case (.bigint, .double), (.double, .bigint), (.decimal, .double), (.double, .decimal): return .double
        case (.bigint, .decimal(_, let s)), (.decimal(_, let s), .bigint):
            return .decimal(precision: decimalCap(a, b), scale: s)
        case (.decimal(let p1, let s1), .decimal(let p2, let s2)):
            let scale = max(s1, s2)
            let digits = max(p1 - s1, p2 - s2)
            return .decimal(precision: min(decimalCap(a, b), digits + scale), scale: scale)
        case (.date, .timestamp), (.timestamp, .date): return .timestamp
        default: return nil
        }
    }

    /// The precision results of DECIMAL operands are capped at: 18 while both are narrow (they stay in
    /// Int64, checked at run time), 38 as soon as one is wide (DuckDB's rule for hugeint operands).
    static func decimalCap(_ a: DataType, _ b: DataType) -> Int {
        a.isWideDecimal || b.isWideDecimal ? DataType.maxDecimalPrecision : DataType.maxNarrowDecimalPrecision
    }

    /// The common type of a list of types (NULL for an empty list), or nil when two cannot be unified.
    package static func commonType(of types: [DataType]) -> DataType? {
        var result = DataType.null
        for type in types {
            guard let next = commonType(result, type) else { return nil }
            result = next
        }
        return result
    }

    /// The cost of an implicit cast (0 for none), or nil when the binder may not cast implicitly.
    ///
    /// Implicit casts only widen: NULL → any, BIGINT → DECIMAL (1) or DOUBLE (2), DECIMAL →
    /// wider DECIMAL (1) or DOUBLE (2), DATE → TIMESTAMP (1). String literals are handled apart:
    /// the binder parses a literal as the type it meets (`d >= '2024-01-01'`).
    package static func implicitCastCost(from source: DataType, to target: DataType) -> Int? {
        if source == target { return 0 }
        switch (source, target) {
        case (.null, _): return 0
        case (.bigint, .decimal): return 1
        case (.bigint, .double), (.decimal, .double): return 2
        case (.decimal(let p1, let s1), .decimal(let p2, let s2)):
            return s2 >= s1 && p2 - s2 >= p1 - s1 ? 1 : nil
        case (.date, .timestamp): return 1
        default: return nil
        }
    }

    /// The cost of casting an argument to the common type of its siblings: as `implicitCastCost`, and
    /// also DECIMAL → DECIMAL(18, s) with no fewer fraction digits when the common type was capped at
    /// 18 digits (DECIMAL(18,3) = DECIMAL(18,4)); a value that no longer fits is an error at run time.
    static func unifyingCastCost(from source: DataType, to target: DataType) -> Int? {
        if let cost = implicitCastCost(from: source, to: target) { return cost }
        if case .decimal(_, let s1) = source, case .decimal(let p2, let s2) = target,
            p2 == DataType.maxNarrowDecimalPrecision || p2 == DataType.maxDecimalPrecision, s2 >= s1
        {
            return 1
        }
        return nil
    }

    /// Whether `CAST(x AS target)` is allowed for an `x` of type `source` (it may still fail per value).
    ///
    /// Allowed: anything to and from VARCHAR (parsing is strict: surrounding spaces are trimmed, anything
    /// else is an error; TRY_CAST gives NULL); between BIGINT, DOUBLE and DECIMAL (DOUBLE and DECIMAL to
    /// BIGINT round half away from zero; out of range is an error); DECIMAL rescaling (rounds half away
    /// from zero); BOOLEAN ↔ BIGINT (0/1; any non-zero is true); DATE ↔ TIMESTAMP (midnight; the date part);
    /// NULL to anything. INTERVAL only to and from VARCHAR.
    package static func canCast(from source: DataType, to target: DataType) -> Bool {
        if source == target { return true }
        switch (source, target) {
        case (.null, _), (_, .varchar), (.varchar, _): return target != .null
        case (.bigint, .double), (.bigint, .decimal), (.double, .bigint), (.double, .decimal),
            (.decimal, .bigint), (.decimal, .double), (.decimal, .decimal):
            return true
        case (.boolean, .bigint), (.bigint, .boolean): return true
        case (.date, .timestamp), (.timestamp, .date): return true
        default: return false
        }
    }

    /// Chooses the overload of `name` for arguments of `argumentTypes`: the applicable one with the
    /// lowest total implicit-cast cost (the first listed on a tie), or nil when none applies.
    package static func resolve(_ name: String, argumentTypes: [DataType]) -> ResolvedFunction? {
        var best: (cost: Int, resolved: ResolvedFunction)?
        for signature in signatures(named: name) {
            guard let (cost, targets) = match(signature, argumentTypes) else { continue }
            guard let result = resultType(signature, targets) else { continue }
            if best == nil || cost < best!.cost {
                best = (cost, ResolvedFunction(signature: signature, argumentTypes: targets, resultType: result))
            }
        }
        return best?.resolved
    }

    /// The parameter a given argument position falls on (variadic signatures repeat the last).
    static func parameter(_ signature: FunctionSignature, at position: Int) -> ParameterType? {
        if position < signature.parameters.count { return signature.parameters[position] }
        return signature.isVariadic ? signature.parameters.last : nil
    }

    /// The cast cost and target types for a signature, or nil when it does not apply.
    static func match(_ signature: FunctionSignature, _ types: [DataType]) -> (Int, [DataType])? {
        let minimum = signature.parameters.count
        guard types.count == minimum || (signature.isVariadic && types.count >= minimum) else { return nil }
        if signature.sameTypeArguments {
            guard let common = commonType(of: types) else { return nil }
            var cost = 0
            for (position, type) in types.enumerated() {
                guard let parameter = parameter(signature, at: position), accepts(parameter, common),
                    let step = unifyingCastCost(from: type, to: common)
                else { return nil }
                cost += step
            }
            return (cost, Array(repeating: common, count: types.count))
        }
        var cost = 0
        var targets: [DataType] = []
        for (position, type) in types.enumerated() {
            guard let parameter = parameter(signature, at: position) else { return nil }
            switch parameter {
            case .any:
                targets.append(type)
            case .anyAsText:
                targets.append(.varchar)
                cost += type == .varchar || type == .null ? 0 : 1
            case .exact(let wanted):
                guard let step = implicitCastCost(from: type, to: wanted) else { return nil }
                targets.append(wanted)
                cost += step
            case .anyDecimal:
                switch type {
                case .decimal: targets.append(type)
                case .bigint:
                    targets.append(.decimal(precision: DataType.maxNarrowDecimalPrecision, scale: 0))
                    cost += 1
                case .null:
                    targets.append(.decimal(precision: DataType.maxNarrowDecimalPrecision, scale: 0))
                default: return nil
                }
            }
        }
        return (cost, targets)
    }

    /// Whether a unified type fits a parameter.
    static func accepts(_ parameter: ParameterType, _ type: DataType) -> Bool {
        switch parameter {
        case .any, .anyAsText: return true
        case .exact(let wanted): return type == wanted || type == .null
        case .anyDecimal:
            if case .decimal = type { return true }
            return false
        }
    }

    /// The result type of a signature for cast argument types (nil when a DECIMAL result would not fit).
    ///
    /// `.decimalRound` uses the scale of its first argument; the binder narrows it to the constant's digits.
    static func resultType(_ signature: FunctionSignature, _ types: [DataType]) -> DataType? {
        switch signature.result {
        case .exact(let type): return type
        case .firstArgument: return types.first ?? .null
        case .decimalAddSubtract:
            guard case .decimal(let p, let s) = types[0] else { return nil }
            return .decimal(precision: min(decimalCap(types[0], types[0]), p + 1), scale: s)
        case .decimalMultiply:
            guard case .decimal(let p1, let s1) = types[0], case .decimal(let p2, let s2) = types[1] else { return nil }
            // As DuckDB: two narrow operands stay narrow (checked at run time) unless the scale needs
            // more than 18 digits; a wide operand gives up to 38 digits.
            let narrow =
                !types[0].isWideDecimal && !types[1].isWideDecimal && s1 + s2 <= DataType.maxNarrowDecimalPrecision
            let cap = narrow ? DataType.maxNarrowDecimalPrecision : DataType.maxDecimalPrecision
            guard s1 + s2 <= cap else { return nil }
            return .decimal(precision: min(cap, max(p1 + p2, s1 + s2)), scale: s1 + s2)
        case .decimalScaleZero:
            guard case .decimal(let p, _) = types[0] else { return nil }
            return .decimal(precision: p, scale: 0)
        case .decimalRound:
            return types[0]
        }
    }
}
