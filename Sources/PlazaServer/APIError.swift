import Hummingbird
import Plaza

/// An error the API answers with: an HTTP status and a JSON body
/// `{"error": {"kind", "message", "line", "column"}}` carrying the `PlazaError` kind and place.
struct APIError: Error, Sendable {
    /// The HTTP status.
    var status: HTTPResponse.Status
    /// `syntax`, `binding`, … as `PlazaError.Kind` names them, or a server kind (`request`,
    /// `unauthorized`, `forbidden`, `busy`, `timeout`, `too_large`, `not_found`).
    var kind: String
    /// What went wrong and how to fix it.
    var message: String
    /// Where in the SQL, when known (1-based line and column).
    var line: Int?
    var column: Int?
    /// Extra headers (`Retry-After`, `WWW-Authenticate`).
    var headers: HTTPFields = [:]

    /// A mistake in the request itself (JSON, fields, parameters): 400.
    static func request(_ message: String) -> APIError {
        APIError(status: .badRequest, kind: "request", message: message)
    }

    /// The answer for an error the library threw: 400 for the user's mistakes, 500 for damage and bugs.
    init(_ error: PlazaError) {
        switch error.kind {
        case .format, .internal: status = .internalServerError
        default: status = .badRequest
        }
        kind = error.kind.description
        message = error.message
        if case .sql(let span) = error.location {
            line = span.line
            column = span.column
        }
    }

    init(
        status: HTTPResponse.Status, kind: String, message: String, line: Int? = nil, column: Int? = nil,
        headers: HTTPFields = [:]
    ) {
        self.status = status
        self.kind = kind
        self.message = message
        self.line = line
        self.column = column
        self.headers = headers
    }

    /// The JSON object `{"kind":…,"message":…,…}` without the `error` wrapper.
    var jsonObject: String {
        var text = "{\"kind\":\(JSONText.string(kind)),\"message\":\(JSONText.string(message))"
        if let line, let column { text += ",\"line\":\(line),\"column\":\(column)" }
        return text + "}"
    }

    /// The response: the status, the headers and `{"error": …}`.
    var response: Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        let body = "{\"error\":" + jsonObject + "}\n"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}
