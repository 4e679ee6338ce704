import Foundation
import Hummingbird
import Plaza

/// Answers `/api/query`: runs the SQL under the server's limits and streams the rows as JSON, CSV
/// or an Arrow IPC stream.
///
/// The first batch is awaited before the status is sent, so syntax, binding and most execution
/// errors are a 400 with their place. A failure after rows have gone out ends a JSON answer with
/// an `"error"` member, and breaks off a CSV or Arrow download (the client sees an incomplete transfer).
struct QueryHandler: Sendable {
    let database: Database
    let configuration: ServerConfiguration
    let gate: QueryGate

    /// The response to `query`, sent on the connection `context` describes.
    func respond(to query: QueryRequest, context: ServerRequestContext) async throws(APIError) -> Response {
        try SettingsGuard.check(query.sql)
        let ticket: QueryGate.Ticket
        do {
            ticket = try await gate.enter()
        } catch .busy {
            throw APIError(
                status: .serviceUnavailable, kind: "busy",
                message: "the server is running as many queries as it allows; try again shortly",
                headers: [.retryAfter: "1"])
        } catch {
            throw APIError(status: .badRequest, kind: "cancelled", message: "the client disconnected")
        }
        let started = ContinuousClock.now
        let channel = context.channel
        let watch = QueryWatch(
            deadline: started + configuration.queryTimeout, timeout: configuration.queryTimeout,
            isConnected: { channel.isActive })
        let limit = min(query.limit ?? configuration.maxRows, configuration.maxRows)
        if query.format == .parquet || query.format == .xlsx {
            defer { ticket.release() }
            return try await file(query, limit: limit, watch: watch)
        }
        let cursor = QueryCursor(database.stream(query.sql, parameters: query.parameters))
        let first = try await step(watch) { try await cursor.next() }
        let fields: [Field]
        if let first {
            fields = first.fields
        } else {
            // A query without rows streams no batch; planning it again gives its columns.
            let database = self.database
            fields = try await step(watch) { try database.resultFields(of: query.sql, parameters: query.parameters) }
        }
        let stream = ResultStream(
            cursor: cursor, first: first, fields: fields, limit: limit, watch: watch, started: started, ticket: ticket)
        var headers: HTTPFields = [.cacheControl: "no-store"]
        switch query.format {
        case .json:
            headers[.contentType] = "application/json; charset=utf-8"
            return Response(
                status: .ok, headers: headers, body: ResponseBody { writer in try await stream.json(&writer) })
        case .csv:
            headers[.contentType] = "text/csv; charset=utf-8"
            headers[.contentDisposition] = "attachment; filename=\"plaza.csv\""
            return Response(
                status: .ok, headers: headers, body: ResponseBody { writer in try await stream.csv(&writer) })
        case .arrow:
            // The first batch is encoded before the status, so a value Arrow cannot carry is a 400 too.
            let arrow = ArrowResultWriter(fields: fields)
            var opening = arrow.schema()
            if let first {
                do {
                    opening += try arrow.append(first, count: min(limit, first.count))
                } catch {
                    throw APIError(error)
                }
            }
            headers[.contentType] = "application/vnd.apache.arrow.stream"
            headers[.contentDisposition] = "attachment; filename=\"plaza.arrows\""
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody { [opening] writer in try await stream.arrow(&writer, arrow, opening: opening) })
        case .parquet, .xlsx:
            preconditionFailure("files are answered by file(_:limit:watch:)")
        }
    }

    /// A Parquet or Excel download of at most `limit` rows: the query is planned on its own first
    /// (so errors carry its own line and column), then written to a temporary file by `export`,
    /// which is sent whole and removed.
    private func file(_ query: QueryRequest, limit: Int, watch: QueryWatch) async throws(APIError) -> Response {
        let database = self.database
        _ = try await step(watch) { try database.resultFields(of: query.sql, parameters: query.parameters) }
        var text = query.sql.trimmingCharacters(in: .whitespacesAndNewlines)
        while text.hasSuffix(";") { text = String(text.dropLast()).trimmingCharacters(in: .whitespacesAndNewlines) }
        let bounded = "SELECT * FROM (\n" + text + "\n) AS download LIMIT \(limit)"
        let isParquet = query.format == .parquet
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "plaza-download-\(UUID().uuidString)." + (isParquet ? "parquet" : "xlsx")
        ).path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let parameters = query.parameters
        _ = try await step(watch) {
            try database.export(bounded, parameters: parameters, to: path, format: isParquet ? .parquet : .xlsx)
        }
        let bytes: Data
        do {
            bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw APIError(
                status: .internalServerError, kind: "internal", message: "the download file vanished: \(error)")
        }
        var headers: HTTPFields = [.cacheControl: "no-store"]
        headers[.contentType] =
            isParquet
            ? "application/vnd.apache.parquet" : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        headers[.contentDisposition] = "attachment; filename=\"plaza." + (isParquet ? "parquet" : "xlsx") + "\""
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// Runs one step of the query under `watch`, turning every failure into its API error.
    private func step<T: Sendable>(_ watch: QueryWatch, _ body: @escaping @Sendable () async throws -> T)
        async throws(APIError) -> T
    {
        do {
            return try await watch.run(body)
        } catch {
            throw Self.apiError(error, watch: watch)
        }
    }

    /// The API error for whatever a query step threw.
    static func apiError(_ error: any Error, watch: QueryWatch) -> APIError {
        switch error {
        case let stop as QueryWatch.Stop: return watch.error(for: stop)
        case let error as PlazaError: return APIError(error)
        case let error as APIError: return error
        default:
            return APIError(
                status: .internalServerError, kind: "internal", message: "\(error) (a bug; please report it)")
        }
    }
}

/// The rows of one answer as they go out: the first batch already read, the rest read on demand.
struct ResultStream: Sendable {
    let cursor: QueryCursor
    let first: QueryResult?
    let fields: [Field]
    let limit: Int
    let watch: QueryWatch
    let started: ContinuousClock.Instant
    /// Held until the last byte is written, so the gate counts streaming answers as running.
    let ticket: QueryGate.Ticket

    /// Writes `{"columns": […], "rows": [[…], …], "row_count": n, "truncated": b, "elapsed_ms": t}`.
    func json(_ writer: inout any ResponseBodyWriter) async throws {
        defer { ticket.release() }
        try await writer.write(ByteBuffer(string: "{\"columns\":" + JSONText.columns(fields) + ",\"rows\":["))
        var written = 0
        var isTruncated = false
        var batch = first
        var failure: APIError?
        while let current = batch {
            let room = limit - written
            if current.count > room { isTruncated = true }
            if room > 0 {
                let text = JSONText.rows(current, limit: room, first: written == 0)
                written += min(room, current.count)
                try await writer.write(ByteBuffer(string: text))
            }
            if written >= limit {
                // One row more tells whether the limit cut anything; then the query is stopped.
                if !isTruncated, let next = try? await watch.run({ try await cursor.next() }), next != nil {
                    isTruncated = true
                }
                break
            }
            do {
                batch = try await watch.run { try await cursor.next() }
            } catch {
                failure = QueryHandler.apiError(error, watch: watch)
                break
            }
        }
        var tail = "],\"row_count\":\(written),\"truncated\":\(isTruncated),\"elapsed_ms\":\(elapsedMilliseconds)"
        if let failure { tail += ",\"error\":" + failure.jsonObject }
        try await writer.write(ByteBuffer(string: tail + "}\n"))
        try await writer.finish(nil)
    }

    /// Writes a header line and the rows as RFC 4180 CSV, NULL as an empty field.
    func csv(_ writer: inout any ResponseBodyWriter) async throws {
        defer { ticket.release() }
        try await writer.write(
            ByteBuffer(string: fields.map { CSVText.field($0.name) }.joined(separator: ",") + "\r\n"))
        var written = 0
        var batch = first
        while let current = batch, written < limit {
            let count = min(limit - written, current.count)
            try await writer.write(ByteBuffer(string: CSVText.rows(current, count: count)))
            written += count
            guard written < limit else { break }
            // A failure here is thrown: the transfer breaks off rather than looking complete.
            batch = try await watch.run { try await cursor.next() }
        }
        try await writer.finish(nil)
    }

    /// Writes an Arrow IPC stream: `opening` (the schema and the first batch's rows, encoded by
    /// `arrow` before the status went out), record batches of up to 2,048 rows (at most `limit`
    /// rows in all), then the end-of-stream marker; an empty result is the schema and the marker.
    func arrow(_ writer: inout any ResponseBodyWriter, _ arrow: ArrowResultWriter, opening: [UInt8]) async throws {
        defer { ticket.release() }
        try await writer.write(ByteBuffer(bytes: opening))
        var written = min(limit, first?.count ?? 0)
        while first != nil, written < limit {
            // A failure here is thrown: the transfer breaks off before the end-of-stream marker.
            guard let current = try await watch.run({ try await cursor.next() }) else { break }
            let count = min(limit - written, current.count)
            let messages = try arrow.append(current, count: count)
            if !messages.isEmpty { try await writer.write(ByteBuffer(bytes: messages)) }
            written += count
        }
        try await writer.write(ByteBuffer(bytes: try arrow.finish()))
        try await writer.finish(nil)
    }

    private var elapsedMilliseconds: String {
        let elapsed = ContinuousClock.now - started
        let milliseconds =
            Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        return String(format: "%.1f", milliseconds)
    }
}
