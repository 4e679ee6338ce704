/// `column <op> constant`, with the column a position in `TableScan.fields`.
@usableFromInline package struct ScanPredicate: Hashable, Sendable {
    /// The comparison.
    @usableFromInline package enum Comparison: String, Hashable, Sendable {
        case equal = "=", notEqual = "<>", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
        case isNull = "IS NULL", isNotNull = "IS NOT NULL", inList = "IN"
    }
    /// Position of the column in the scan's output.
    package var column: Int
    /// The comparison.
    package var comparison: Comparison
    /// The constants, already of the column's type (one, none for IS [NOT] NULL, several for IN).
    package var constants: [Value]

    /// Creates a predicate.
    package init(column: Int, comparison: Comparison, constants: [Value]) {
        self.column = column
        self.comparison = comparison
        self.constants = constants
    }
}
