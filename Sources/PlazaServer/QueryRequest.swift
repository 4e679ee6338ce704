import Foundation
import Plaza

/// What `POST /api/query` and `GET /api/query` ask: SQL, its parameters, the output format and a row limit.
struct QueryRequest: Sendable {
    /// The answer's encoding.
    enum Format: String, Sendable {
        case json, csv, parquet, xlsx, arrow
    }

    var sql: String
    var parameters: [Value] = []
    var format: Format = .json
    /// The most rows wanted; nil means the server's maximum.
    var limit: Int?

    /// Reads a JSON body `{"sql": …, "parameters": […], "format": …, "limit": N}`.
    ///
    /// - Throws: `APIError` (400) naming the field that is missing, of the wrong type or unknown.
    static func decode(json body: Data) throws(APIError) -> QueryRequest {
        do {
            return try JSONDecoder().decode(Body.self, from: body).request
        } catch let error as APIError {
            throw error
        } catch let error as DecodingError {
            throw .request(describe(error))
        } catch {
            throw .request("the body is not valid JSON: \(error.localizedDescription)")
        }
    }

    /// Reads the query string of `GET /api/query?sql=…&format=csv&limit=N`.
    static func decode(query items: [(String, String)]) throws(APIError) -> QueryRequest {
        var sql: String?
        var request = QueryRequest(sql: "")
        for (name, value) in items {
            switch name {
            case "sql": sql = value
            case "format": request.format = try format(value)
            case "limit": request.limit = try limit(Int(value), text: value)
            case "chart", "lang": continue  // the page's own settings, carried in shared links
            default: throw .request("unknown query parameter \"\(name)\" (known: sql, format, limit)")
            }
        }
        guard let sql else { throw .request("missing query parameter \"sql\"") }
        request.sql = sql
        return request
    }

    static func format(_ text: String) throws(APIError) -> Format {
        guard let format = Format(rawValue: text.lowercased()) else {
            throw .request(
                "\"format\" must be \"json\", \"csv\", \"parquet\", \"xlsx\" or \"arrow\", not \"\(text)\"")
        }
        return format
    }

    static func limit(_ value: Int?, text: String) throws(APIError) -> Int {
        guard let value, value >= 0 else {
            throw .request("\"limit\" must be a whole number of rows, 0 or more, not \(text)")
        }
        return value
    }

    /// A message for a JSON decoding failure that names the field.
    static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined()
                .trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
        switch error {
        case .keyNotFound(let key, _):
            return "missing field \"\(key.stringValue)\"; the body is {\"sql\": \"SELECT …\"}"
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            guard !context.codingPath.isEmpty else {
                return "the body must be a JSON object such as {\"sql\": \"SELECT …\"}"
            }
            let expected =
                type == String.self
                ? "a string"
                : type == Int.self
                    ? "a whole number"
                    : type == Value.self ? "null, true, false, a number or a string" : "an array"
            return "field \"\(path(context.codingPath))\" must be \(expected)"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                return "the body is not valid JSON; send {\"sql\": \"SELECT …\"} with Content-Type: application/json"
            }
            return "field \"\(path(context.codingPath))\": \(context.debugDescription)"
        @unknown default:
            return "the body could not be read: \(error)"
        }
    }

    /// The JSON body as decoded; unknown fields are refused so that a misspelt one is not ignored.
    private struct Body: Decodable {
        let request: QueryRequest

        private struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            for key in container.allKeys where !["sql", "parameters", "format", "limit"].contains(key.stringValue) {
                throw APIError.request(
                    "unknown field \"\(key.stringValue)\" (known: sql, parameters, format, limit)")
            }
            var request = QueryRequest(sql: try container.decode(String.self, forKey: Key(stringValue: "sql")))
            if let parameters = try container.decodeIfPresent(
                [Parameter].self, forKey: Key(stringValue: "parameters"))
            {
                request.parameters = parameters.map(\.value)
            }
            if let format = try container.decodeIfPresent(String.self, forKey: Key(stringValue: "format")) {
                request.format = try QueryRequest.format(format)
            }
            if let limit = try container.decodeIfPresent(Int.self, forKey: Key(stringValue: "limit")) {
                request.limit = try QueryRequest.limit(limit, text: String(limit))
            }
            self.request = request
        }
    }

    /// One parameter: JSON null, true/false, a whole number (BIGINT), another number (DOUBLE) or a string.
    private struct Parameter: Decodable {
        let value: Value

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                value = .null
            } else if let flag = try? container.decode(Bool.self) {
                value = .boolean(flag)
            } else if let number = try? container.decode(Int64.self) {
                value = .bigint(number)
            } else if let number = try? container.decode(Double.self) {
                value = .double(number)
            } else if let text = try? container.decode(String.self) {
                value = .varchar(text)
            } else {
                throw DecodingError.typeMismatch(
                    Value.self,
                    .init(
                        codingPath: decoder.codingPath,
                        debugDescription: "a parameter is null, true, false, a number or a string"))
            }
        }
    }
}
