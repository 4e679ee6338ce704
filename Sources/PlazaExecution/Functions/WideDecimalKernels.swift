import PlazaCore
import PlazaPlanner
import PlazaVector

/// Casts and `+ - * % negate` where a DECIMAL wider than 18 digits (Int128) is an operand or the result.
///
/// Narrow operands are widened to Int128 once per batch; every result is checked against the
/// result type's precision (at most 38 digits) and an overflow names the operands, as DuckDB's
/// "Overflow in addition of DECIMAL(38)". These kernels run mostly over aggregated rows (sums per
/// group), so they favour one simple loop per batch over the narrow kernels' branch-free tricks.
enum WideDecimalKernels {
    /// The values of `vector` (BIGINT, narrow or wide DECIMAL) as unscaled Int128s, one per row
    /// (NULL rows hold whatever the vector holds there).
    static func widened(_ vector: ColumnVector, _ count: Int) -> [Int128] {
        switch vector.physicalType {
        case .int128:
            return Array(UnsafeBufferPointer(start: vector.data.assumingMemoryBound(to: Int128.self), count: count))
        case .int64:
            let values = vector.data.assumingMemoryBound(to: Int64.self)
            return (0..<count).map { Int128(values[$0]) }
        default:
            preconditionFailure("wide decimal operand of type \(vector.type)")
        }
    }

    /// Writes `results` to a new vector of `type` (narrow results must fit Int64: checked before).
    static func output(_ results: [Int128], _ type: DataType, _ count: Int) -> ColumnVector {
        let out = makeOutput(type, count)
        if type.physicalType == .int128 {
            let target = out.data.assumingMemoryBound(to: Int128.self)
            for row in 0..<count { target[row] = results[row] }
        } else {
            let target = out.data.assumingMemoryBound(to: Int64.self)
            for row in 0..<count { target[row] = Int64(truncatingIfNeeded: results[row]) }
        }
        return out
    }

    /// The largest unscaled magnitude of a DECIMAL type, or of BIGINT.
    static func limit(_ type: DataType) -> Int128 {
        if case .decimal(let p, _) = type { return maxUnscaled(precision: p) }
        return Int128(Int64.max)
    }

    // MARK: Arithmetic

    /// The kernel of `name` over `types` giving `result`, where one of them is a wide DECIMAL.
    static func arithmetic(_ name: ScalarFunction, _ types: [DataType], _ result: DataType) throws(ExecutionError)
        -> ScalarKernel
    {
        let bound = limit(result)
        switch name {
        case .negate:
            return { (inputs, count) throws(ExecutionError) in
                let x = widened(inputs[0], count)
                // -x of a value within ±(10^38 − 1) cannot overflow.
                let out = output(x.map { 0 &- $0 }, result, count)
                propagateNulls(inputs, into: out, count: count)
                return out
            }
        case .add, .subtract, .multiply, .modulo:
            return { (inputs, count) throws(ExecutionError) in
                let x = widened(inputs[0], count), y = widened(inputs[1], count)
                var results = [Int128](repeating: 0, count: count)
                var failedRow: Int?
                for row in 0..<count {
                    let (r, o) = apply(name, x[row], y[row])
                    results[row] = r
                    if (o || r > bound || r < -bound) && failedRow == nil
                        && inputs[0].isValid(at: row) && inputs[1].isValid(at: row)
                    {
                        failedRow = row
                    }
                }
                if let row = failedRow { throw overflow(name, inputs, row, result) }
                let out = output(results, result, count)
                propagateNulls(inputs, into: out, count: count)
                if name == .modulo {
                    for row in 0..<count where y[row] == 0 { out.setValid(false, at: row) }
                }
                return out
            }
        default:
            throw ExecutionError(
                .invalidArgument, "\(name) of \(types.map(\.description).joined(separator: ", ")) is not supported")
        }
    }

    /// One operation with its overflow flag; `%` by zero gives 0 (the caller makes the row NULL).
    @inline(__always)
    static func apply(_ name: ScalarFunction, _ x: Int128, _ y: Int128) -> (Int128, Bool) {
        switch name {
        case .add: return x.addingReportingOverflow(y)
        case .subtract: return x.subtractingReportingOverflow(y)
        case .multiply: return x.multipliedReportingOverflow(by: y)
        default: return y == 0 || y == -1 ? (0, false) : (x % y, false)
        }
    }

    @inline(never)
    static func overflow(_ name: ScalarFunction, _ inputs: [ColumnVector], _ row: Int, _ result: DataType)
        -> ExecutionError
    {
        let operands = inputs.map { $0.value(at: row).description }.joined(separator: ", ")
        return ExecutionError(.overflow, "\(name) of \(operands) is out of range for \(result)")
    }
}

extension WideDecimalKernels {
    /// `CAST` where `source` or `target` is a wide DECIMAL: between DECIMALs (rescaling rounds half
    /// away from zero), BIGINT, DOUBLE and VARCHAR. Out of range throws, or gives NULL under TRY_CAST.
    static func cast(from source: DataType, to target: DataType, isTry: Bool) throws(ExecutionError) -> ScalarKernel {
        switch (source, target) {
        case (.varchar, .decimal(let p, let s)):
            return CastKernels.rowByRow(source, target, isTry) { (v, row) in
                let text = String(decoding: v.bytes(at: row), as: UTF8.self)
                return TextValueParser.wideDecimal(text, precision: p, scale: s).map { Value.wideDecimal($0, scale: s) }
            }
        case (.decimal(_, let s), .double):
            let divisor = Double(powersOfTen[min(s, 18)]) * (s > 18 ? Double(powersOfTen[s - 18]) : 1)
            return { (inputs, count) throws(ExecutionError) in
                let x = widened(inputs[0], count)
                let out = makeOutput(target, count)
                let output = out.data.assumingMemoryBound(to: Double.self)
                for row in 0..<count {
                    // Below 2^53 both operands are exact doubles and the division rounds once; a wider
                    // value is read from its decimal text, also correctly rounded.
                    output[row] =
                        x[row].magnitude < 1 << 53
                        ? Double(x[row]) / divisor : Double(formatDecimal(x[row], scale: s)) ?? Double(x[row]) / divisor
                }
                propagateNulls(inputs, into: out, count: count)
                return out
            }
        case (.double, .decimal(let p, let s)):
            let bound = Double(maxUnscaled(precision: p))
            let factor = Double(powersOfTen128[s])
            return { (inputs, count) throws(ExecutionError) in
                let input = inputs[0].data.assumingMemoryBound(to: Double.self)
                var results = [Int128](repeating: 0, count: count)
                var bad = [Bool](repeating: false, count: count)
                for row in 0..<count {
                    let scaled = (input[row] * factor).rounded(.toNearestOrAwayFromZero)
                    if scaled.isFinite && abs(scaled) <= bound {
                        results[row] = Int128(scaled)
                    } else {
                        bad[row] = true
                    }
                }
                return try finish(inputs, results, bad, source, target, isTry, count)
            }
        case (.bigint, .decimal), (.decimal, .decimal), (.decimal, .bigint):
            let fromScale = source.decimalScale, toScale = target.decimalScale
            let bound = limit(target)
            let lowest = target == .bigint ? -bound - 1 : -bound
            return { (inputs, count) throws(ExecutionError) in
                let x = widened(inputs[0], count)
                var results = [Int128](repeating: 0, count: count)
                var bad = [Bool](repeating: false, count: count)
                for row in 0..<count {
                    let (r, o) = rescale(x[row], from: fromScale, to: toScale)
                    results[row] = r
                    bad[row] = o || r > bound || r < lowest
                }
                return try finish(inputs, results, bad, source, target, isTry, count)
            }
        default:
            throw ExecutionError(.invalidArgument, "cannot cast \(source) to \(target)")
        }
    }

    /// `x` (scale `from`) at scale `to`: multiplied (overflow flagged) or divided rounding half away from zero.
    @inline(__always)
    static func rescale(_ x: Int128, from: Int, to: Int) -> (Int128, Bool) {
        if to >= from { return x.multipliedReportingOverflow(by: powersOfTen128[to - from]) }
        let divisor = powersOfTen128[from - to]
        let quotient = x / divisor, remainder = x % divisor
        let away: Int128 = remainder.magnitude * 2 >= divisor.magnitude ? (x < 0 ? -1 : 1) : 0
        return (quotient + away, false)
    }

    /// The cast's output: failed valid rows throw (naming the first) or become NULL under TRY_CAST.
    static func finish(
        _ inputs: [ColumnVector], _ results: [Int128], _ bad: [Bool], _ source: DataType, _ target: DataType,
        _ isTry: Bool, _ count: Int
    ) throws(ExecutionError) -> ColumnVector {
        let v = inputs[0]
        var results = results
        for row in 0..<count where bad[row] {
            results[row] = 0
            if v.isValid(at: row) && !isTry { throw CastKernels.conversionError(source, target, v, row) }
        }
        let out = output(results, target, count)
        propagateNulls(inputs, into: out, count: count)
        for row in 0..<count where bad[row] { out.setValid(false, at: row) }
        return out
    }
}

extension WideDecimalKernels {
    /// `abs`, `round(x, digits)`, `floor` and `ceil` of a wide DECIMAL of type `type`, giving `result`.
    /// Rounding is half away from zero at `digits` places (negative: left of the point), as DuckDB.
    static func numeric(_ name: ScalarFunction, _ type: DataType, _ result: DataType, digits: Int64)
        throws(ExecutionError) -> ScalarKernel
    {
        let scale = type.decimalScale, targetScale = result.decimalScale
        let bound = limit(result)
        // The places kept after the point (negative: tens, hundreds… are rounded away too).
        let keep: Int
        switch name {
        case .abs: keep = scale
        case .round: keep = Int(Swift.max(Swift.min(digits, Int64(scale)), -38))
        case .floor, .ceil: keep = 0
        default: throw ExecutionError(.invalidArgument, "\(name) of \(type) is not supported")
        }
        return { (inputs, count) throws(ExecutionError) in
            let x = widened(inputs[0], count)
            var results = [Int128](repeating: 0, count: count)
            for row in 0..<count where inputs[0].isValid(at: row) {
                var v = x[row]
                if name == .abs {
                    v = v < 0 ? 0 &- v : v
                } else if scale - keep > 38 {
                    v = 0
                } else if scale > keep {
                    let divisor = powersOfTen128[scale - keep]
                    let q = v / divisor, r = v % divisor
                    switch name {
                    case .floor: v = r < 0 ? q - 1 : q
                    case .ceil: v = r > 0 ? q + 1 : q
                    default: v = r.magnitude * 2 >= divisor.magnitude ? q + (v < 0 ? -1 : 1) : q
                    }
                    // Back to `keep` places (for negative `keep`, zeros left of the point).
                    if keep < 0 {
                        let (m, o) = v.multipliedReportingOverflow(by: powersOfTen128[-keep])
                        if o { throw overflow(name, inputs, row, result) }
                        v = m
                    }
                }
                let current = name == .abs ? scale : Swift.max(keep, 0)
                let (scaled, o) = rescale(v, from: current, to: targetScale)
                if o || scaled > bound || scaled < -bound { throw overflow(name, inputs, row, result) }
                results[row] = scaled
            }
            let out = output(results, result, count)
            propagateNulls(inputs, into: out, count: count)
            return out
        }
    }
}
