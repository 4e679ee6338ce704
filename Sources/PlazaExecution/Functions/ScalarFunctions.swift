import PlazaCore
import PlazaPlanner
import PlazaVector

/// Maps each bound function (`ScalarFunction`) to its kernel for concrete argument types, with one
/// exhaustive switch: a new catalogue function does not compile until it has a kernel here.
enum ScalarFunctions {
    /// The kernel for `function` over `argumentTypes` giving `resultType`; `constants` holds the value of
    /// each argument that is a constant (nil otherwise), for arguments the catalogue requires constant.
    static func kernel(
        function: ScalarFunction, argumentTypes types: [DataType], resultType: DataType, constants: [Value?]
    ) throws(ExecutionError) -> ScalarKernel {
        let name = function
        switch function {
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual:
            return compareKernel(compareOperator(function))
        case .add, .subtract, .multiply, .divide, .modulo, .negate:
            return try ArithmeticKernels.kernel(function, types, resultType)
        case .like, .ilike, .concatOperator, .concat, .lower, .upper, .length, .trim, .ltrim, .rtrim, .substring,
            .replace, .startsWith, .contains, .splitPart, .stripAccents, .regexpMatches:
            return try TextFunctions.kernel(function, types, resultType, constants)
        case .year, .quarter, .month, .week, .day, .dayofweek, .dayofyear, .hour, .minute, .second, .dateTrunc,
            .dateDiff, .strftime, .strptime, .makeDate:
            return try DateFunctions.kernel(function, types, resultType, constants)
        case .abs, .round, .floor, .ceil, .sqrt, .ln, .log10, .power:
            return try NumericFunctions.kernel(function, types, resultType, constants)
        case .and, .or, .in, .coalesce, .currentDate:
            preconditionFailure("\(function) is compiled to its own node by ExpressionCompiler")
        case .error:
            return { (inputs, count) throws(ExecutionError) in
                // Raised by the first row that reaches it; CASE evaluates it only on its own rows.
                guard count > 0 else { return makeOutput(.null, 0) }
                let message = inputs[0].type == .varchar && inputs[0].isValid(at: 0) ? inputs[0].value(at: 0) : .null
                if case .varchar(let text) = message { throw ExecutionError(.invalidArgument, text) }
                throw ExecutionError(.invalidArgument, "error() was called with NULL")
            }
        case .not:
            return { (inputs, count) throws(ExecutionError) in
                let out = makeOutput(.boolean, count)
                mapUnary(inputs[0], out, count) { (x: UInt8) in x ^ 1 }
                propagateNulls(inputs, into: out, count: count)
                return out
            }
        case .isNull, .isNotNull:
            let wantNull = name == .isNull
            return { (inputs, count) throws(ExecutionError) in
                let out = makeOutput(.boolean, count)
                let result = out.data.assumingMemoryBound(to: UInt8.self)
                let v = inputs[0]
                // Decided once per batch; a mixed batch reads the validity bits, branch-free.
                if v.type == .null {
                    result.update(repeating: wantNull ? 1 : 0, count: count)
                } else if let words = v.validity.words {
                    let flip: UInt8 = wantNull ? 1 : 0
                    for row in 0..<count {
                        let valid = UInt8(truncatingIfNeeded: (words[row &>> 6] &>> UInt64(row & 63)) & 1)
                        result[row] = valid ^ flip
                    }
                } else {
                    result.update(repeating: wantNull ? 0 : 1, count: count)
                }
                return out
            }
        case .isDistinctFrom, .isNotDistinctFrom:
            let distinct = name == .isDistinctFrom
            return { (inputs, count) throws(ExecutionError) in
                let a = inputs[0], b = inputs[1]
                let out = makeOutput(.boolean, count)
                let result = out.data.assumingMemoryBound(to: UInt8.self)
                if a.type != .null && b.type != .null {
                    CompareKernel.compare(a, b, .equal, count: count, into: result)
                } else {
                    result.initialize(repeating: 0, count: count)
                }
                for row in 0..<count {
                    let aNull = a.type == .null || !a.isValid(at: row), bNull = b.type == .null || !b.isValid(at: row)
                    let same = aNull || bNull ? aNull == bNull : result[row] != 0
                    result[row] = same != distinct ? 1 : 0
                }
                return out
            }
        case .nullif:
            return { (inputs, count) throws(ExecutionError) in
                let a = inputs[0], b = inputs[1]
                if a.type == .null || b.type == .null { return a }
                let equal = UnsafeMutablePointer<UInt8>.allocate(capacity: Swift.max(count, 1))
                defer { equal.deallocate() }
                CompareKernel.compare(a, b, .equal, count: count, into: equal)
                var indices = [Int32](repeating: 0, count: count)
                for row in 0..<count {
                    indices[row] = b.isValid(at: row) && a.isValid(at: row) && equal[row] != 0 ? -1 : Int32(row)
                }
                return indices.withUnsafeBufferPointer { GatherKernel.gather(a, $0) }
            }
        case .greatest, .least:
            let wantGreater = name == .greatest
            return { (inputs, count) throws(ExecutionError) in
                // Numbers, dates and booleans: one typed loop per argument; text and intervals by row below.
                switch resultType.physicalType {
                case .int64:
                    return extremum(inputs, resultType, count) { (x: Int64, o: Int64) in wantGreater ? x > o : x < o }
                case .int32:
                    return extremum(inputs, resultType, count) { (x: Int32, o: Int32) in wantGreater ? x > o : x < o }
                case .uint8:
                    return extremum(inputs, resultType, count) { (x: UInt8, o: UInt8) in wantGreater ? x > o : x < o }
                case .double:
                    // NaN is the greatest value, as CompareKernel.compareDoubles orders it.
                    return extremum(inputs, resultType, count) { (x: Double, o: Double) in
                        wantGreater ? x > o || (x.isNaN && !o.isNaN) : x < o || (o.isNaN && !x.isNaN)
                    }
                default: break
                }
                var best = [Int32](repeating: -1, count: count)
                for (position, v) in inputs.enumerated() where v.type != .null {
                    // Compare with the current best of each row, one candidate vector at a time.
                    for row in 0..<count where v.isValid(at: row) {
                        let current = Int(best[row])
                        if current < 0 {
                            best[row] = Int32(position)
                            continue
                        }
                        let ordering = compareRows(v, row, inputs[current], row)
                        if wantGreater ? ordering > 0 : ordering < 0 { best[row] = Int32(position) }
                    }
                }
                return ConditionalGather.pick(inputs, chosen: best, type: resultType, count: count)
            }
        }
    }

    /// `greatest`/`least` over fixed-width values: each argument in turn replaces the result where
    /// `better(value, result)` holds; NULLs are skipped, and a row is NULL only when every argument is.
    @inline(__always)
    static func extremum<T>(_ inputs: [ColumnVector], _ type: DataType, _ count: Int, _ better: (T, T) -> Bool)
        -> ColumnVector
    {
        let out = makeOutput(type, count)
        let output = out.data.assumingMemoryBound(to: T.self)
        let arguments = inputs.filter { $0.type != .null }
        guard let first = arguments.first else {
            for row in 0..<count { out.setValid(false, at: row) }
            return out
        }
        output.update(from: first.data.assumingMemoryBound(to: T.self), count: count)
        if !arguments.contains(where: { $0.hasNulls }) {
            for argument in arguments.dropFirst() {
                let input = argument.data.assumingMemoryBound(to: T.self)
                for row in 0..<count {
                    let x = input[row], o = output[row]
                    output[row] = better(x, o) ? x : o
                }
            }
            return out
        }
        propagateNulls([first], into: out, count: count)
        for argument in arguments.dropFirst() {
            let input = argument.data.assumingMemoryBound(to: T.self)
            for row in 0..<count where argument.isValid(at: row) {
                if !out.isValid(at: row) {
                    out.setValid(true, at: row)
                    output[row] = input[row]
                } else if better(input[row], output[row]) {
                    output[row] = input[row]
                }
            }
        }
        return out
    }

    /// The comparison a comparison function performs.
    static func compareOperator(_ function: ScalarFunction) -> CompareKernel.Operator {
        switch function {
        case .equal: return .equal
        case .notEqual: return .notEqual
        case .less: return .less
        case .lessOrEqual: return .lessOrEqual
        case .greater: return .greater
        case .greaterOrEqual: return .greaterOrEqual
        default: preconditionFailure("\(function) is not a comparison")
        }
    }

    /// `a op b` with NULL propagation; a constant right side uses the constant loop.
    static func compareKernel(_ op: CompareKernel.Operator) -> ScalarKernel {
        return { (inputs, count) throws(ExecutionError) in
            let a = inputs[0], b = inputs[1]
            let out = makeOutput(.boolean, count)
            if a.type == .null || b.type == .null {
                for row in 0..<count { out.setValid(false, at: row) }
                return out
            }
            CompareKernel.compare(a, b, op, count: count, into: out.data.assumingMemoryBound(to: UInt8.self))
            propagateNulls(inputs, into: out, count: count)
            return out
        }
    }

    /// Orders row `i` of `a` against row `j` of `b` (same type, both valid).
    static func compareRows(_ a: ColumnVector, _ i: Int, _ b: ColumnVector, _ j: Int) -> Int {
        switch a.physicalType {
        case .uint8:
            let x = a.data.load(fromByteOffset: i, as: UInt8.self), y = b.data.load(fromByteOffset: j, as: UInt8.self)
            return x < y ? -1 : (x > y ? 1 : 0)
        case .int32:
            let x = a.data.load(fromByteOffset: i * 4, as: Int32.self),
                y = b.data.load(fromByteOffset: j * 4, as: Int32.self)
            return x < y ? -1 : (x > y ? 1 : 0)
        case .int64:
            let x = a.data.load(fromByteOffset: i * 8, as: Int64.self),
                y = b.data.load(fromByteOffset: j * 8, as: Int64.self)
            return x < y ? -1 : (x > y ? 1 : 0)
        case .int128:
            let x = a.data.load(fromByteOffset: i * 16, as: Int128.self),
                y = b.data.load(fromByteOffset: j * 16, as: Int128.self)
            return x < y ? -1 : (x > y ? 1 : 0)
        case .double:
            return CompareKernel.compareDoubles(
                a.data.load(fromByteOffset: i * 8, as: Double.self), b.data.load(fromByteOffset: j * 8, as: Double.self)
            )
        case .interval:
            return CompareKernel.compareIntervals(
                a.data.load(fromByteOffset: i * 16, as: Interval.self),
                b.data.load(fromByteOffset: j * 16, as: Interval.self))
        case .string:
            return CompareKernel.compareBytes(a.bytes(at: i), b.bytes(at: j))
        }
    }
}

/// Builds a VARCHAR result row by row: a row where one of `inputs` is NULL is NULL; for the others
/// `body` appends the row's bytes to `text`. The bytes go into one buffer and the vector takes them
/// once at the end: `ColumnVector.appendBytes` per row cost two exclusivity checks a row.
@inline(__always)
func buildStrings(
    _ count: Int, _ inputs: [ColumnVector], _ body: (Int, inout [UInt8]) throws(ExecutionError) -> Void
) throws(ExecutionError) -> ColumnVector {
    let out = ColumnVector(type: .varchar, capacity: Swift.max(count, 1))
    if inputs.contains(where: { $0.type == .null }) {
        for _ in 0..<count { out.appendNull() }
        return out
    }
    propagateNulls(inputs, into: out, count: count)
    let words: UnsafeMutablePointer<UInt64>? = out.hasNulls ? out.validityWords : nil
    let ends = out.offsets  // count + 1 offsets, the first 0
    var text: [UInt8] = []
    text.reserveCapacity(count &* 16)
    for row in 0..<count {
        if words.map({ $0[row &>> 6] &>> UInt64(row & 63) & 1 != 0 }) ?? true {
            try body(row, &text)
        }
        ends[row &+ 1] = Int32(truncatingIfNeeded: text.count)
    }
    out.reserveHeap(text.count)
    text.withUnsafeBytes { bytes in
        if let start = bytes.baseAddress { out.heap.copyMemory(from: start, byteCount: bytes.count) }
    }
    out.setHeapCount(text.count)
    out.count = count
    return out
}

/// The text of string row `row` (for the slow Unicode paths).
@inline(__always)
func string(_ v: ColumnVector, _ row: Int) -> String { String(decoding: v.bytes(at: row), as: UTF8.self) }
