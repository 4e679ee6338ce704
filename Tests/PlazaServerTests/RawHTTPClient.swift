import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A bare HTTP/1.1 client over a loopback socket, so tests can send anything (broken JSON, huge
/// bodies, half a request) and hang up whenever they like.
///
/// `@unchecked Sendable`: one thread may send while another receives, which sockets allow.
final class RawHTTPClient: @unchecked Sendable {
    /// A response: status, headers (names lower-cased) and the body, de-chunked.
    struct Response {
        var status: Int
        var headers: [String: String]
        var body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
        /// The body as a JSON object.
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
        /// `error.kind` of an error body.
        var errorKind: String? { (json["error"] as? [String: Any])?["kind"] as? String }
        /// `error.message` of an error body.
        var errorMessage: String { (json["error"] as? [String: Any])?["message"] as? String ?? "" }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let socket: Int32

    /// Connects to `127.0.0.1:port`.
    init(port: Int) throws {
        #if canImport(Glibc)
            socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            socket = Darwin.socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard socket >= 0 else { throw Failure(description: "socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(socket)
            throw Failure(description: "connect() to port \(port) failed")
        }
    }

    deinit { close(socket) }

    /// Sends raw bytes; false when the server has closed the connection.
    @discardableResult
    func send(_ bytes: Data) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { buffer in
                Glibc.send(socket, buffer.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent <= 0 { return false }
            offset += sent
        }
        return true
    }

    /// Sends a request with `Connection: close`; the body is sent with its length.
    @discardableResult
    func sendRequest(_ method: String, _ path: String, headers: [String: String] = [:], body: Data? = nil) -> Bool {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if let body { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        return send(Data(head.utf8) + (body ?? Data()))
    }

    /// Reads until the server closes the connection and parses the response.
    func readResponse() throws -> Response {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(socket, &buffer, buffer.count, 0)
            if count <= 0 { break }
            data.append(contentsOf: buffer[0..<count])
        }
        guard let split = data.range(of: Data("\r\n\r\n".utf8)) else {
            throw Failure(description: "no complete response head in \(data.count) bytes")
        }
        let head = String(decoding: data[..<split.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = head[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw Failure(description: "bad status line \(head[0])")
        }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        var body = Data(data[split.upperBound...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" { body = try Self.dechunk(body) }
        return Response(status: status, headers: headers, body: body)
    }

    /// The payload of a chunked body; throws when it ends before its last chunk.
    static func dechunk(_ data: Data) throws -> Data {
        var output = Data()
        var index = data.startIndex
        while true {
            guard let lineEnd = data[index...].range(of: Data("\r\n".utf8)) else {
                throw Failure(description: "chunked body ends early")
            }
            let sizeText = String(decoding: data[index..<lineEnd.lowerBound], as: UTF8.self)
            guard let size = Int(sizeText.split(separator: ";")[0], radix: 16) else {
                throw Failure(description: "bad chunk size \(sizeText)")
            }
            if size == 0 { return output }
            let start = lineEnd.upperBound
            guard data.distance(from: start, to: data.endIndex) >= size + 2 else {
                throw Failure(description: "chunk cut short")
            }
            output.append(data[start..<data.index(start, offsetBy: size)])
            index = data.index(start, offsetBy: size + 2)
        }
    }

    /// One request on a new connection, and its response.
    static func request(
        port: Int, _ method: String, _ path: String, headers: [String: String] = [:], body: Data? = nil
    ) throws -> Response {
        let client = try RawHTTPClient(port: port)
        // Sent from another thread while this one reads, as real clients do: a server may answer
        // (413) before the whole body is in, and then stops reading it.
        let sent = DispatchSemaphore(value: 0)
        Thread {
            client.sendRequest(method, path, headers: headers, body: body)
            sent.signal()
        }.start()
        let response = Result { try client.readResponse() }
        shutdown(client.socket, Int32(SHUT_RDWR))  // unblocks a send the server no longer reads
        sent.wait()
        return try response.get()
    }

    /// `POST /api/query` with a JSON object.
    static func query(port: Int, _ object: [String: Any]) throws -> Response {
        let body = try JSONSerialization.data(withJSONObject: object)
        return try request(port: port, "POST", "/api/query", headers: ["Content-Type": "application/json"], body: body)
    }
}
