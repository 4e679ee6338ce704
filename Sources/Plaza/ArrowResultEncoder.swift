internal import PlazaArrow
internal import PlazaCore

/// Encodes streamed results as an Apache Arrow IPC stream, for `plaza serve` (package access:
/// the server's, not the library's API; `COPY … (FORMAT arrow)` writes the same bytes to a file).
///
/// ```swift
/// let encoder = ArrowResultEncoder(fields: fields)
/// send(encoder.schema())
/// for try await batch in db.stream(sql) { send(try encoder.recordBatch(batch, count: batch.count)) }
/// send(ArrowResultEncoder.endOfStream)
/// ```
package struct ArrowResultEncoder: Sendable {
    private let encoder: ArrowStreamEncoder

    /// An encoder for results with the columns `fields`.
    package init(fields: [Field]) { encoder = ArrowStreamEncoder(fields: fields) }

    /// The stream's first message: the schema.
    package func schema() -> [UInt8] { encoder.schemaMessage() }

    /// A record batch message of the first `count` rows of `result`, read from its column buffers.
    ///
    /// - Throws: `PlazaError` (`.execution`) for an INTERVAL past Arrow's 64-bit nanoseconds.
    package func recordBatch(_ result: QueryResult, count: Int) throws(PlazaError) -> [UInt8] {
        precondition(count >= 0 && count <= result.count, "count \(count) outside 0...\(result.count)")
        do {
            return try encoder.recordBatchMessage(result.storage.columns, count: count)
        } catch {
            throw PlazaError.from(error)
        }
    }

    /// The end-of-stream marker that closes the stream.
    package static var endOfStream: [UInt8] { ArrowStreamEncoder.endOfStream }
}
