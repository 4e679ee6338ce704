/// A value the Arrow stream cannot carry, naming its column.
package struct ArrowError: Error, CustomStringConvertible, Sendable {
    /// What went wrong.
    package let message: String
    /// The column's name.
    package let column: String

    /// Creates an error about `column`.
    package init(_ message: String, column: String) {
        self.message = message
        self.column = column
    }

    /// The message with the column: `column "lapso": …`.
    package var description: String { "column \"\(column)\": \(message)" }
}
