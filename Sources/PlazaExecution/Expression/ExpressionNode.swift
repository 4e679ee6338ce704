#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import PlazaCore
import PlazaPlanner
import PlazaVector

/// A compiled expression: evaluates over every row of a flat batch (no selection) and returns a
/// new vector of `batch.count` values.
///
/// Nodes are immutable after compilation and shared by every worker thread; each call allocates
/// its own output, so no state is shared between calls. A protocol rather than a base class, so a
/// node that forgets `evaluate` does not compile (a base class could only trap at run time).
protocol ExpressionNode: AnyObject, Sendable {
    /// The result type.
    var type: DataType { get }

    /// The value for every row of `batch` (`batch.count` rows, no selection).
    func evaluate(_ batch: Batch) throws(ExecutionError) -> ColumnVector

    /// The value for every row of `batch`, possibly as a dictionary vector (codes over entries
    /// computed once each); callers that read values directly use `evaluate`.
    func evaluateEncoded(_ batch: Batch) throws(ExecutionError) -> ColumnVector

    /// The value when the node is a constant.
    var constant: Value? { get }

    /// Whether evaluating never throws, whatever the rows hold: such a node may run over rows a
    /// selection leaves out (their results are ignored) instead of over a gathered copy.
    var neverFails: Bool { get }
}

extension ExpressionNode {
    /// Most nodes have no encoded form: their flat values.
    func evaluateEncoded(_ batch: Batch) throws(ExecutionError) -> ColumnVector { try evaluate(batch) }

    /// Most nodes are not constants.
    var constant: Value? { nil }

    /// Most nodes may fail on some row (overflow, a bad cast).
    var neverFails: Bool { false }
}

/// `column(index)`: the input column, dictionary vectors decoded.
final class ColumnNode: ExpressionNode, @unchecked Sendable {
    let type: DataType
    let index: Int
    init(index: Int, type: DataType) {
        self.index = index
        self.type = type
    }
    func evaluate(_ batch: Batch) throws(ExecutionError) -> ColumnVector {
        let column = batch.columns[index]
        return column.isDictionary ? column.flattened() : column
    }
    func evaluateEncoded(_ batch: Batch) throws(ExecutionError) -> ColumnVector {
        batch.columns[index]
    }
    var neverFails: Bool { true }
}

/// A constant, repeated for every row.
final class LiteralNode: ExpressionNode, @unchecked Sendable {
    let type: DataType
    let value: Value
    init(value: Value, type: DataType) {
        self.value = LiteralNode.conform(value, to: type)
        self.type = type
    }
    var constant: Value? { value }
    var neverFails: Bool { true }
    func evaluate(_ batch: Batch) throws(ExecutionError) -> ColumnVector {
        GatherKernel.constant(value, type: type, count: batch.count)
    }

    /// A literal's value in the representation of `type` (a decimal literal rescaled to the type's scale).
    static func conform(_ value: Value, to type: DataType) -> Value {
        switch (value, type) {
        case (.decimal(let v, let scale), .decimal(_, let target)) where scale != target:
            if target > scale { return .decimal(v * powersOfTen[target - scale], scale: target) }
            return .decimal(v / powersOfTen[scale - target], scale: target)
        case (.bigint(let v), .decimal(_, let s)): return .decimal(v * powersOfTen[s], scale: s)
        case (.bigint(let v), .double): return .double(Double(v))
        case (.decimal(let v, let s), .double): return .double(Double(v) / Double(powersOfTen[s]))
        case (.date(let d), .timestamp): return .timestamp(Int64(d) * CivilCalendar.microsPerDay)
        case (_, .null): return .null
        default: return value
        }
    }
}

// MARK: - Helpers shared by the kernels

/// Marks in `out` the rows where any of `inputs` is NULL (`out` starts all valid).
func propagateNulls(_ inputs: [ColumnVector], into out: ColumnVector, count: Int) {
    let words = ValidityBitmap.wordCount(for: count)
    var first = true
    for input in inputs where input.hasNulls || input.type == .null {
        if input.type == .null {
            for row in 0..<count { out.setValid(false, at: row) }
            return
        }
        if first {
            out.setValid(false, at: 0)  // creates the bitmap; row 0 is fixed below
            out.validityWords.update(from: input.validityWords, count: words)
            first = false
        } else {
            for w in 0..<words { out.validityWords[w] &= input.validityWords[w] }
        }
    }
}

/// A fresh vector of `type` with `count` rows whose fixed-width values the caller fills.
@inline(__always)
func makeOutput(_ type: DataType, _ count: Int) -> ColumnVector {
    let out = ColumnVector(type: type, capacity: Swift.max(count, 1))
    if type.physicalType != .string { out.setCount(count) }
    return out
}

/// Applies `body` to each value of `a` (fixed width), writing `out`; NULL rows are computed too
/// (their inputs are zero) and masked by the caller.
@inline(__always)
func mapUnary<A, R>(_ a: ColumnVector, _ out: ColumnVector, _ count: Int, _ body: (A) -> R) {
    let input = a.data.assumingMemoryBound(to: A.self)
    let output = out.data.assumingMemoryBound(to: R.self)
    for row in 0..<count { output[row] = body(input[row]) }
}

/// Applies `body` to pairs of values of `a` and `b` (fixed width), writing `out`.
@inline(__always)
func mapBinary<A, B, R>(_ a: ColumnVector, _ b: ColumnVector, _ out: ColumnVector, _ count: Int, _ body: (A, B) -> R) {
    let left = a.data.assumingMemoryBound(to: A.self)
    let right = b.data.assumingMemoryBound(to: B.self)
    let output = out.data.assumingMemoryBound(to: R.self)
    for row in 0..<count { output[row] = body(left[row], right[row]) }
}

/// The first valid row for which `failed` is true, to name it in an error.
func firstFailingRow(_ count: Int, _ inputs: [ColumnVector], _ failed: (Int) -> Bool) -> Int? {
    for row in 0..<count where inputs.allSatisfy({ $0.isValid(at: row) }) && failed(row) { return row }
    return nil
}
