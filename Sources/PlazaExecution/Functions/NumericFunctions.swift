#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import PlazaCore
import PlazaPlanner
import PlazaVector

/// `abs round floor ceil sqrt ln log10 power` over BIGINT, DOUBLE and DECIMAL.
enum NumericFunctions {
    static func kernel(_ name: ScalarFunction, _ types: [DataType], _ result: DataType, _ constants: [Value?])
        throws(ExecutionError) -> ScalarKernel
    {
        let type = types.first ?? .null
        if type.isWideDecimal {
            var digits: Int64 = 0
            if name == .round && types.count == 2 {
                guard case .bigint(let n)? = constants[1] else { throw Self.missingDigits() }
                digits = n
            }
            return try WideDecimalKernels.numeric(name, type, result, digits: digits)
        }
        switch (name, type) {
        case (.abs, .bigint), (.abs, .decimal):
            return { (inputs, count) throws(ExecutionError) in
                let out = makeOutput(result, count)
                // Int64.min is the one value whose magnitude overflows: flagged, looked for only when seen.
                // Branch-free (`||` and `?:` compiled to jumps that kept the loop scalar): sign mask, OR-ed flag.
                var sawMin: UInt8 = 0
                mapUnary(inputs[0], out, count) { (x: Int64) -> Int64 in
                    sawMin |= unsafeBitCast(x == .min, to: UInt8.self)
                    let sign = x &>> 63
                    return (x ^ sign) &- sign
                }
                if sawMin != 0 {
                    try ArithmeticKernels.checkRows(inputs, out, count, "abs") { row in
                        inputs[0].data.load(fromByteOffset: row * 8, as: Int64.self) == .min
                    }
                }
                propagateNulls(inputs, into: out, count: count)
                return out
            }
        case (.abs, .double):
            return { (inputs, count) throws(ExecutionError) in
                ArithmeticKernels.mapped(inputs, count, result) { (x: Double) in x.magnitude }
            }
        case (.round, .bigint), (.floor, .bigint), (.ceil, .bigint):
            if types.count == 2 {
                guard case .bigint(let digits)? = constants[1] else { throw Self.missingDigits() }
                return roundInteger(result, scale: 0, digits: digits)
            }
            return { (inputs, _) throws(ExecutionError) in inputs[0] }
        case (.round, .double):
            if types.count == 2 {
                return { (inputs, count) throws(ExecutionError) in
                    let out = makeOutput(result, count)
                    mapBinary(inputs[0], inputs[1], out, count) { (x: Double, n: Int64) -> Double in roundDouble(x, n) }
                    propagateNulls(inputs, into: out, count: count)
                    return out
                }
            }
            return { (inputs, count) throws(ExecutionError) in
                ArithmeticKernels.mapped(inputs, count, result) { (x: Double) in roundHalfAway(x) }
            }
        case (.floor, .double):
            return { (inputs, count) throws(ExecutionError) in
                ArithmeticKernels.mapped(inputs, count, result) { (x: Double) in floorDouble(x) }
            }
        case (.ceil, .double):
            return { (inputs, count) throws(ExecutionError) in
                ArithmeticKernels.mapped(inputs, count, result) { (x: Double) in ceilDouble(x) }
            }
        case (.round, .decimal(_, let s)):
            var digits: Int64 = 0
            if types.count == 2 {
                guard case .bigint(let n)? = constants[1] else { throw Self.missingDigits() }
                digits = n
            }
            return roundInteger(result, scale: s, digits: digits)
        case (.floor, .decimal(_, let s)), (.ceil, .decimal(_, let s)):
            let divisor = powersOfTen[s]
            let up = name == .ceil
            return { (inputs, count) throws(ExecutionError) in
                ArithmeticKernels.mapped(inputs, count, result) { (x: Int64) -> Int64 in
                    let q = x / divisor, r = x % divisor
                    if r == 0 { return q }
                    if up { return x > 0 ? q + 1 : q }
                    return x < 0 ? q - 1 : q
                }
            }
        // IEEE 754 as DuckDB: a negative argument gives nan, ln(0) and log10(0) give -inf.
        case (.sqrt, _):
            return { (inputs, count) throws(ExecutionError) in
                ArithmeticKernels.mapped(inputs, count, result) { (x: Double) in x.squareRoot() }
            }
        case (.ln, _):
            return { (inputs, count) throws(ExecutionError) in
                ArithmeticKernels.mapped(inputs, count, result) { (x: Double) in log(x) }
            }
        case (.log10, _):
            return { (inputs, count) throws(ExecutionError) in
                ArithmeticKernels.mapped(inputs, count, result) { (x: Double) in log10(x) }
            }
        case (.power, _):
            return { (inputs, count) throws(ExecutionError) in
                ArithmeticKernels.mappedPairs(inputs, count, result) { (x: Double, y: Double) in pow(x, y) }
            }
        default:
            throw ExecutionError(
                .internal, "unexpected argument types for \(name): \(types) (a bug; please report)")
        }
    }

    /// The whole part of `x` toward zero, and whether `x` is below 2^52 in magnitude (false for NaN).
    /// Baseline x86-64 has no rounding instruction (SSE4.1), so `rounded(_:)` called libm per value;
    /// below 2^52 a conversion through Int64 truncates exactly, and larger values, infinities and NaN
    /// are their own floor, ceiling and rounding.
    @inline(__always)
    static func truncated(_ x: Double) -> (whole: Double, isSmall: Bool) {
        let isSmall = x.magnitude < 4_503_599_627_370_496
        return (Double(Int64(isSmall ? x : 0)), isSmall)
    }

    /// 1 when `condition` holds, else 0, without a branch (a select on random fractions compiled to a
    /// mispredicted jump: round(d) took 30 ns a value).
    @inline(__always)
    static func one(_ condition: Bool) -> Double { Double(unsafeBitCast(condition, to: UInt8.self)) }

    /// `floor(x)`; a zero result keeps the sign of `x` (`floor(-0.0)` is -0.0), as IEEE 754.
    @inline(__always)
    static func floorDouble(_ x: Double) -> Double {
        let (t, isSmall) = truncated(x)
        return isSmall ? Double(signOf: x, magnitudeOf: t - one(t > x)) : x
    }

    /// `ceil(x)`; a zero result keeps the sign of `x` (`ceil(-0.5)` is -0.0).
    @inline(__always)
    static func ceilDouble(_ x: Double) -> Double {
        let (t, isSmall) = truncated(x)
        return isSmall ? Double(signOf: x, magnitudeOf: t + one(t < x)) : x
    }

    /// `round(x)`, half away from zero: the fraction `x - t` is exact below 2^52.
    @inline(__always)
    static func roundHalfAway(_ x: Double) -> Double {
        let (t, isSmall) = truncated(x)
        return isSmall ? Double(signOf: x, magnitudeOf: t.magnitude + one((x - t).magnitude >= 0.5)) : x
    }

    /// The binder guarantees round's digit count is a constant; without one the plan is broken.
    @inline(never)
    static func missingDigits() -> ExecutionError {
        ExecutionError(.internal, "round needs a constant digit count (a bug; please report)")
    }

    /// Rounds unscaled values at `scale` to `digits` places (half away from zero), giving the
    /// result type's scale.
    static func roundInteger(_ result: DataType, scale: Int, digits: Int64) -> ScalarKernel {
        let targetScale = result.decimalScale
        let keep = Int(Swift.max(Swift.min(digits, Int64(scale)), -18))
        return { (inputs, count) throws(ExecutionError) in
            let out = makeOutput(result, count)
            let input = inputs[0].data.assumingMemoryBound(to: Int64.self)
            let output = out.data.assumingMemoryBound(to: Int64.self)
            let drop = scale - keep  // digits removed, ≥ 0
            if drop >= 1 && drop <= 18 && keep >= 0 && targetScale <= 18 {
                // The common case (`round(price, 1)`), branch-free, the divisor a literal where it can be.
                let current = keep
                let up = targetScale > current ? powersOfTen[targetScale - current] : 1
                let down = targetScale < current ? powersOfTen[current - targetScale] : 1
                switch drop {
                case 1: roundRows(input, output, count, by: 10, up: up, down: down)
                case 2: roundRows(input, output, count, by: 100, up: up, down: down)
                case 3: roundRows(input, output, count, by: 1000, up: up, down: down)
                default: roundRows(input, output, count, by: powersOfTen[drop], up: up, down: down)
                }
                propagateNulls(inputs, into: out, count: count)
                return out
            }
            for row in 0..<count {
                var x = input[row]
                if drop > 0 {
                    if drop > 18 {
                        x = 0
                    } else {
                        let divisor = powersOfTen[drop]
                        let q = x / divisor, r = x % divisor
                        let rounded = r.magnitude * 2 >= UInt64(divisor) ? q + (x < 0 ? -1 : 1) : q
                        // Back to `keep` places, then to the result's scale.
                        x = rounded
                        if keep < 0 {
                            let (m, o) = x.multipliedReportingOverflow(by: powersOfTen[-keep])
                            if o { throw ExecutionError(.overflow, "round(\(input[row]), \(digits)) is out of range") }
                            x = m
                        }
                    }
                }
                let current = Swift.max(keep, 0)
                if targetScale > current {
                    x *= powersOfTen[targetScale - current]
                } else if targetScale < current {
                    x /= powersOfTen[current - targetScale]
                }
                output[row] = x
            }
            propagateNulls(inputs, into: out, count: count)
            return out
        }
    }

    /// Rows of `input` rounded half away from zero to a multiple of `divisor`, divided by it,
    /// then scaled by `up` or `down` (one of them 1) to the result's scale.
    @inline(__always)
    private static func roundRows(
        _ input: UnsafeMutablePointer<Int64>, _ output: UnsafeMutablePointer<Int64>, _ count: Int, by divisor: Int64,
        up: Int64, down: Int64
    ) {
        @inline(__always) func rounded(_ x: Int64) -> Int64 {
            let q = x / divisor, r = x &- q &* divisor
            let sign = (x &>> 63) | 1  // -1 or 1
            return q &+ (r.magnitude &* 2 >= UInt64(divisor) ? sign : 0)
        }
        // |q| < 10^17 here, and the result's precision bounds `up`: no overflow. One loop per
        // direction: a division by a `down` of 1 still cost a hardware divide per row.
        if down == 1 {
            for row in 0..<count { output[row] = rounded(input[row]) &* up }
        } else {
            for row in 0..<count { output[row] = rounded(input[row]) / down }
        }
    }

    /// `round(x, n)` on a DOUBLE as DuckDB gives it: the binary value of `x` rounded to `n`
    /// decimal places, half away from zero (`round(822.65, 1)` is 822.6 because 822.65 is stored as
    /// 822.6499…; `round(0.125, 2)` is 0.13 because 0.125 is exact). Only a product that lands
    /// exactly on a half can be on the wrong side of it; an fma then tells which side is true.
    static func roundDouble(_ x: Double, _ n: Int64) -> Double {
        guard x.isFinite else { return x }
        if n >= 0 {
            if n > 308 { return x }
            let factor = pow(10.0, Double(n))
            let p = x * factor
            guard p.isFinite else { return x }
            var r = p.rounded(.toNearestOrAwayFromZero)
            if n <= 22 && (p - p.rounded(.towardZero)).magnitude == 0.5 {
                // x * factor - p, exact (factor is exact up to 10^22).
                let error = (-p).addingProduct(x, factor)
                if error > 0 { r = p.rounded(.up) } else if error < 0 { r = p.rounded(.down) }
            }
            return r / factor
        }
        if n < -308 { return x.sign == .minus ? -0.0 : 0.0 }
        let divisor = pow(10.0, Double(-n))
        let p = x / divisor
        var r = p.rounded(.toNearestOrAwayFromZero)
        if n >= -22 && (p - p.rounded(.towardZero)).magnitude == 0.5 {
            // x - p * divisor has the sign of the exact quotient minus p.
            let error = x.addingProduct(-p, divisor)
            if error > 0 { r = p.rounded(.up) } else if error < 0 { r = p.rounded(.down) }
        }
        return r * divisor
    }
}
