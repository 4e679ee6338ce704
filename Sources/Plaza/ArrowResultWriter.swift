internal import PlazaArrow
internal import PlazaCore

/// Writes streamed results as an Apache Arrow IPC stream, for `plaza serve` (package access: the
/// server's, not the library's API; `COPY … (FORMAT arrow)` writes the same bytes to a file).
///
/// ```swift
/// let writer = ArrowResultWriter(fields: fields)
/// send(writer.schema())
/// for try await batch in db.stream(sql) { send(try writer.append(batch, count: batch.count)) }
/// send(try writer.finish())
/// ```
/// Small batches are gathered into record batches of up to 2,048 rows, so `append` often answers
/// no bytes.
///
/// `@unchecked Sendable`: one writer serves one stream; the server hands it from the request
/// handler to the response body, and one task at a time uses it.
package final class ArrowResultWriter: @unchecked Sendable {
    private let writer: ArrowStreamWriter

    /// A writer of results with the columns `fields`.
    package init(fields: [Field]) { writer = ArrowStreamWriter(fields: fields) }

    /// The stream's first message: the schema.
    package func schema() -> [UInt8] { writer.schemaMessage() }

    /// Takes the first `count` rows of `result`, read from its column buffers, and returns the
    /// record batch messages now complete (often none).
    ///
    /// - Throws: `PlazaError` (`.execution`) for an INTERVAL past Arrow's 64-bit nanoseconds.
    package func append(_ result: QueryResult, count: Int) throws(PlazaError) -> [UInt8] {
        precondition(count >= 0 && count <= result.count, "count \(count) outside 0...\(result.count)")
        do {
            return try writer.append(result.storage.columns, count: count)
        } catch {
            throw PlazaError.from(error)
        }
    }

    /// The rows still waiting and the end-of-stream marker that closes the stream.
    package func finish() throws(PlazaError) -> [UInt8] {
        do {
            return try writer.finish()
        } catch {
            throw PlazaError.from(error)
        }
    }
}
