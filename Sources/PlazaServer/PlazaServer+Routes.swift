import Foundation
import Hummingbird
import Plaza

extension PlazaServer {
    /// The page, its assets and the API.
    func makeRouter() -> Router<ServerRequestContext> {
        let router = Router(context: ServerRequestContext.self)
        let queries = QueryHandler(database: database, configuration: configuration, gate: gate)
        let catalog = CatalogHandler(database: database, queries: queries)
        let imports = ImportHandler(database: database, configuration: configuration)
        let maxRequestBytes = configuration.maxRequestBytes

        router.get("/") { _, _ in Self.asset(Page.html, type: "text/html; charset=utf-8") }
        router.get("/assets/plaza.css") { _, _ in Self.asset(Page.css, type: "text/css; charset=utf-8") }
        router.get("/assets/plaza.js") { _, _ in Self.asset(Page.script, type: "text/javascript; charset=utf-8") }
        router.get("/api/version") { _, _ in CatalogHandler.json(Self.versionJSON()) }
        router.get("/api/tables") { _, _ in Self.answer { () throws(APIError) in try catalog.tables() } }
        router.get("/api/tables/:name") { _, context in
            await Self.answer { () async throws(APIError) in
                guard let name = context.parameters.get("name") else { throw .request("missing table name") }
                return try await catalog.table(name.removingPercentEncoding ?? name, context: context)
            }
        }
        router.get("/api/query") { request, context in
            await Self.answer { () async throws(APIError) in
                let items = try QueryString.parse(request.uri.query)
                return try await queries.respond(to: try QueryRequest.decode(query: items), context: context)
            }
        }
        router.post("/api/query") { request, context in
            await Self.answer { () async throws(APIError) in
                let body: ByteBuffer
                do {
                    body = try await request.body.collect(upTo: maxRequestBytes)
                } catch {
                    throw APIError(
                        status: .contentTooLarge, kind: "too_large",
                        message: "the request body is larger than the server's limit of \(maxRequestBytes) bytes",
                        headers: [.connection: "close"])
                }
                let query = try QueryRequest.decode(json: Data(body.readableBytesView))
                return try await queries.respond(to: query, context: context)
            }
        }
        router.post("/api/import") { request, _ in
            await Self.answer { () async throws(APIError) in try await imports.respond(to: request) }
        }
        return router
    }

    /// The response of `body`, or its error's.
    static func answer(_ body: () async throws(APIError) -> Response) async -> Response {
        do { return try await body() } catch { return error.response }
    }

    /// The response of `body`, or its error's.
    static func answer(_ body: () throws(APIError) -> Response) -> Response {
        do { return try body() } catch { return error.response }
    }

    /// A static file of the page, cached by the browser for a short while.
    static func asset(_ text: String, type: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: type, .cacheControl: "max-age=60"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
