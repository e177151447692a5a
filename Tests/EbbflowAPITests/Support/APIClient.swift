// A real HTTP client (URLSession, libcurl underneath) for the API's tests.
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

struct APIResponse: Sendable {
    let status: Int
    let headers: [String: String]
    let body: Data

    var text: String { String(decoding: body, as: UTF8.self) }
    /// The body as a JSON object (empty when it is not one).
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    /// What URLSession answered, headers as a flat dictionary.
    init(data: Data, response: URLResponse) {
        let http = response as! HTTPURLResponse
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields { fields["\(name)"] = "\(value)" }
        self.init(status: http.statusCode, headers: fields, body: data)
    }

    init(status: Int, headers: [String: String], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    func header(_ name: String) -> String? {
        headers.first { $0.key.lowercased() == name.lowercased() }?.value
    }
}

struct APIClient: Sendable {
    let baseURL: String
    let session: URLSession

    init(server: ServeProcess) {
        baseURL = server.baseURL
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 60
        session = URLSession(configuration: configuration)
    }

    func send(
        _ method: String, _ path: String, key: String? = nil, headers: [String: String] = [:], body: Data? = nil,
        contentType: String? = nil
    ) async throws -> APIResponse {
        var request = URLRequest(url: URL(string: baseURL + path)!)
        request.httpMethod = method
        if let key { request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization") }
        if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.httpBody = body
        let (data, response) = try await session.data(for: request)
        return APIResponse(data: data, response: response)
    }

    /// POSTs `object` as JSON.
    func post(_ path: String, key: String?, json object: Any, headers: [String: String] = [:]) async throws
        -> APIResponse
    {
        let body = try JSONSerialization.data(withJSONObject: object)
        return try await send("POST", path, key: key, headers: headers, body: body, contentType: "application/json")
    }
}
