import PlazaCore

/// A mistake in SQL text, with the place it was found.
///
/// `description` is the message, then the offending line with a `^` under the spot:
/// ```
/// syntax error at or near "FORM"
/// LINE 1: SELECT a FORM t
///                  ^
/// ```
package struct SQLSyntaxError: Error, CustomStringConvertible, Sendable {
    /// What is wrong, and where helpful how to fix it.
    package var message: String
    /// Where in the text.
    package var span: SourceSpan
    /// The text that was parsed (for the caret diagram).
    package var sql: String

    /// Creates an error.
    package init(message: String, span: SourceSpan, sql: String) {
        self.message = message
        self.span = span
        self.sql = sql
    }

    /// The message, a newline and the caret diagram.
    public var description: String {
        let diagram = span.caretDiagram(in: sql)
        return diagram.isEmpty ? message : message + "\n" + diagram
    }
}
