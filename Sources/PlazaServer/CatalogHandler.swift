import Foundation
import Hummingbird
import Plaza

/// Answers `/api/tables` (every table with its columns, rows, size and last import) and
/// `/api/tables/{name}` (the same plus per-column statistics and a sample of rows).
struct CatalogHandler: Sendable {
    let database: Database
    let queries: QueryHandler

    /// Rows in a table's sample.
    static let sampleRows = 5

    /// `{"tables": [{"name", "rows", "bytes", "last_import", "columns": […]}, …]}`.
    func tables() throws(APIError) -> Response {
        var items: [String] = []
        for name in database.tableNames() {
            // A table dropped between the listing and this look is left out rather than failing the list.
            guard let item = try? summary(of: name) else { continue }
            items.append(item)
        }
        return Self.json("{\"tables\":[" + items.joined(separator: ",") + "]}")
    }

    /// The description of one table, its column statistics and a sample of its rows.
    func table(_ name: String, context: ServerRequestContext) async throws(APIError) -> Response {
        let summary: String
        let schema: Schema
        do {
            summary = try self.summary(of: name)
            schema = try database.schema(ofTable: name)
        } catch {
            throw APIError(status: .notFound, kind: error.kind.description, message: error.message)
        }
        let quoted = Self.quote(name)
        var statistics: [String] = []
        for field in schema.fields {
            let column = Self.quote(field.name)
            let orderable = field.type != .boolean && field.type != .interval
            let sql =
                "SELECT count(*) - count(\(column)), count(DISTINCT \(column))"
                + (orderable ? ", min(\(column)), max(\(column))" : "") + " FROM \(quoted)"
            let values = try await run(sql, context: context).rows.first ?? []
            guard values.count >= 2 else { continue }
            var item = "{\"name\":\(JSONText.string(field.name)),\"type\":\(JSONText.string(field.type.description))"
            item += ",\"nulls\":\(JSONText.value(values[0]))"
            item += ",\"distinct\":\(JSONText.value(values[1]))"
            if orderable && values.count >= 4 {
                item += ",\"min\":\(JSONText.value(values[2]))"
                item += ",\"max\":\(JSONText.value(values[3]))"
            }
            statistics.append(item + "}")
        }
        let sample = try await run("SELECT * FROM \(quoted) LIMIT \(Self.sampleRows)", context: context)
        var text = String(summary.dropLast())
        text += ",\"statistics\":[" + statistics.joined(separator: ",") + "]"
        let sampleFields = sample.fields.isEmpty ? schema.fields : sample.fields
        let sampleRows = sample.rows.map { "[" + $0.map(JSONText.value).joined(separator: ",") + "]" }
        text += ",\"sample\":{\"columns\":" + JSONText.columns(sampleFields)
        text += ",\"rows\":[" + sampleRows.joined(separator: ",") + "]}}"
        return Self.json(text)
    }

    /// The columns and rows of a small statistics or sample query.
    struct SmallResult: Sendable {
        var fields: [Field] = []
        var rows: [[Value]] = []
    }

    /// Runs one statistics query through the gate and under the timeout, as any query; it runs on
    /// the stream's own thread, so the server's cooperative threads are never blocked.
    private func run(_ sql: String, context: ServerRequestContext) async throws(APIError) -> SmallResult {
        let ticket: QueryGate.Ticket
        do { ticket = try await queries.gate.enter() } catch {
            throw APIError(
                status: .serviceUnavailable, kind: "busy", message: "the server is busy; try again shortly",
                headers: [.retryAfter: "1"])
        }
        defer { ticket.release() }
        let channel = context.channel
        let watch = QueryWatch(
            deadline: .now + queries.configuration.queryTimeout, timeout: queries.configuration.queryTimeout,
            isConnected: { channel.isActive })
        let database = self.database
        do {
            return try await watch.run {
                var result = SmallResult()
                for try await batch in database.stream(sql) {
                    result.fields = batch.fields
                    result.rows += batch.rows.map(\.values)
                }
                return result
            }
        } catch {
            throw QueryHandler.apiError(error, watch: watch)
        }
    }

    /// `{"name", "rows", "bytes", "last_import", "columns"}` for table `name`.
    private func summary(of name: String) throws(PlazaError) -> String {
        let schema = try database.schema(ofTable: name)
        let rows = try database.rowCount(ofTable: name)
        let usage = try database.storageUsage(ofTable: name)
        let stored = database.tableNames().first { $0.lowercased() == name.lowercased() } ?? name
        return "{\"name\":\(JSONText.string(stored)),\"rows\":\(rows),\"bytes\":\(usage.bytes)"
            + ",\"last_import\":\(JSONText.string(Self.iso8601(usage.lastImport)))"
            + ",\"columns\":" + JSONText.columns(schema.fields) + "}"
    }

    /// `name` as a double-quoted SQL identifier.
    static func quote(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `2026-12-04T13:05:00Z`.
    static func iso8601(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    /// A 200 response with a JSON body.
    static func json(_ text: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text + "\n")))
    }
}
