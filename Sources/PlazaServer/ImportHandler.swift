import Foundation
import Hummingbird
import Plaza

/// Answers `POST /api/import?table=NAME&mode=create|append|replace`: the body is a CSV file,
/// imported as `plaza import` would. Only with the server's token, and never on a read-only server.
struct ImportHandler: Sendable {
    let database: Database
    let configuration: ServerConfiguration

    /// Checks the caller, saves the body to a private temporary file, imports it and answers
    /// the import's summary as JSON.
    func respond(to request: Request) async throws(APIError) -> Response {
        guard !configuration.isReadOnly else {
            throw APIError(
                status: .forbidden, kind: "forbidden",
                message:
                    "this server is read-only (it was started with --read-only, or listens beyond loopback without --allow-import)"
            )
        }
        guard let token = configuration.token else {
            throw APIError(
                status: .forbidden, kind: "forbidden",
                message: "imports need a token: start plaza serve with --token-file")
        }
        guard let presented = Self.bearerToken(request.headers[.authorization]),
            TokenComparison.isEqual(presented, token)
        else {
            throw APIError(
                status: .unauthorized, kind: "unauthorized",
                message: "missing or wrong token; send Authorization: Bearer <token>",
                headers: [.wwwAuthenticate: "Bearer realm=\"plaza\""])
        }
        var table: String?
        var mode = ImportOptions.Mode.create
        for (name, value) in try QueryString.parse(request.uri.query) {
            switch name {
            case "table": table = value
            case "mode":
                guard let chosen = ImportOptions.Mode(rawValue: value) else {
                    throw .request("\"mode\" must be create, append or replace, not \"\(value)\"")
                }
                mode = chosen
            default: throw .request("unknown query parameter \"\(name)\" (known: table, mode)")
            }
        }
        guard let table, !table.isEmpty else { throw .request("missing query parameter \"table\"") }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "plaza-upload-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: file) }
        try await save(request.body, to: file)
        let database = self.database
        let options = ImportOptions(mode: mode)
        let summary: ImportSummary
        do {
            summary = try await Self.onOwnThread {
                try database.importCSV(from: file.path, into: table, options: options)
            }
        } catch let error as PlazaError {
            throw APIError(error)
        } catch {
            throw APIError(status: .internalServerError, kind: "internal", message: "\(error)")
        }
        let json =
            "{\"table\":\(JSONText.string(summary.table)),\"mode\":\(JSONText.string(summary.mode.rawValue))"
            + ",\"rows_read\":\(summary.rowsRead),\"rows_imported\":\(summary.rowsImported)"
            + ",\"rows_rejected\":\(summary.rowsRejected),\"columns\":" + JSONText.columns(summary.columns)
            + ",\"notes\":[" + summary.notes.map(JSONText.string).joined(separator: ",") + "]}"
        return CatalogHandler.json(json)
    }

    /// Writes the body to `file`, refusing more than `maxImportBytes`.
    private func save(_ body: RequestBody, to file: URL) async throws(APIError) {
        guard FileManager.default.createFile(atPath: file.path, contents: nil, attributes: [.posixPermissions: 0o600]),
            let handle = try? FileHandle(forWritingTo: file)
        else {
            throw APIError(status: .internalServerError, kind: "internal", message: "cannot create a temporary file")
        }
        defer { try? handle.close() }
        var total = 0
        do {
            for try await buffer in body {
                total += buffer.readableBytes
                guard total <= configuration.maxImportBytes else {
                    throw APIError(
                        status: .contentTooLarge, kind: "too_large",
                        message: "the upload is larger than the server's limit of \(configuration.maxImportBytes) bytes"
                    )
                }
                try handle.write(contentsOf: Data(buffer.readableBytesView))
            }
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError(status: .badRequest, kind: "request", message: "the upload was interrupted: \(error)")
        }
    }

    /// The token of an `Authorization: Bearer …` header.
    static func bearerToken(_ header: String?) -> String? {
        guard let header, header.count > 7, header.prefix(7).lowercased() == "bearer " else { return nil }
        return String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
    }

    /// Runs blocking work on a thread of its own, so the server's few cooperative threads stay free.
    static func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                do { continuation.resume(returning: try work()) } catch { continuation.resume(throwing: error) }
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }
}

/// Compares secrets in time that depends on their lengths only, not on where they first differ.
enum TokenComparison {
    /// Whether `presented` equals `expected`, looking at every byte either way.
    static func isEqual(_ presented: String, _ expected: String) -> Bool {
        let a = Array(presented.utf8), b = Array(expected.utf8)
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count) | (a.count == b.count ? 0 : 1)
        for index in 0..<max(a.count, b.count) {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}
