import PlazaCore

/// A query that parses but cannot be planned: unknown names, type mismatches, misplaced aggregates.
///
/// `message` says what and how to fix (`unknown column "colonai" (did you mean "colonia"?)`);
/// `span` points at the offending token when there is one.
package struct BindError: Error, CustomStringConvertible, Sendable {
    /// What is wrong.
    package var message: String
    /// Where in the SQL text, if known.
    package var span: SourceSpan?
    /// Whether the general unnesting of a correlated subquery refused its shape: that message,
    /// rather than the one of the special shapes tried first, is the one to report.
    package var refusesUnnesting = false

    /// Creates an error.
    package init(_ message: String, span: SourceSpan?) {
        self.message = message
        self.span = span
    }

    /// The message alone (use `description(in:)` for the caret diagram).
    public var description: String { message }

    /// The message, a newline and the offending line of `sql` with a `^` under the spot.
    package func description(in sql: String) -> String {
        guard let span else { return message }
        let diagram = span.caretDiagram(in: sql)
        return diagram.isEmpty ? message : message + "\n" + diagram
    }
}
