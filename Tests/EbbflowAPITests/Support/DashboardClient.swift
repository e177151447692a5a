// A browser's view of the dashboard for tests: its own cookie, no redirects followed, forms posted as browsers post them.
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Why not URLSession's defaults: a test must see each redirect and each `Set-Cookie` as the
/// server sent them (flags included), and send exactly the cookie and `Origin` it chooses.
final class DashboardClient: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    let baseURL: String
    private var session: URLSession!
    /// The session cookie as `name=value`, once signed in.
    var cookie: String?

    init(server: ServeProcess) {
        baseURL = server.baseURL
        super.init()
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 60
        configuration.httpShouldSetCookies = false
        configuration.httpCookieStorage = nil
        session = URLSession(configuration: configuration, delegate: self, delegateQueue: nil)
    }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }

    func get(_ path: String, headers: [String: String] = [:]) async throws -> APIResponse {
        try await send("GET", path, headers: headers)
    }

    /// POSTs `fields` form-encoded, from this server's own origin unless `origin` says otherwise
    /// (nil: no Origin header at all, as curl sends).
    func post(_ path: String, _ fields: [(String, String)], origin: String?? = .none) async throws -> APIResponse {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._*"))
        let body = fields.map { name, value in
            "\(name.addingPercentEncoding(withAllowedCharacters: allowed)!)=\(value.addingPercentEncoding(withAllowedCharacters: allowed)!)"
        }.joined(separator: "&")
        var headers = ["Content-Type": "application/x-www-form-urlencoded"]
        switch origin {
        case .none: headers["Origin"] = baseURL
        case .some(.some(let value)): headers["Origin"] = value
        case .some(.none): break
        }
        return try await send("POST", path, headers: headers, body: Data(body.utf8))
    }

    /// Signs in with `key` and keeps the session cookie; returns the answer to the POST.
    @discardableResult
    func signIn(_ key: String, next: String = "/dashboard/overview") async throws -> APIResponse {
        let response = try await post("/dashboard/sign-in", [("key", key), ("next", next)])
        if let setCookie = response.header("Set-Cookie"), response.status == 303 {
            cookie = String(setCookie.split(separator: ";")[0])
        }
        return response
    }

    /// The CSRF token the page at `path` puts in its forms.
    func csrfToken(on path: String = "/dashboard/overview") async throws -> String {
        let page = try await get(path).text
        guard let range = page.range(of: #"name="_csrf" value="([A-Za-z0-9_-]+)""#, options: .regularExpression)
        else { throw ServeFailure("no CSRF token on \(path)") }
        return String(page[range].split(separator: "\"")[3])
    }

    private func send(_ method: String, _ path: String, headers: [String: String] = [:], body: Data? = nil)
        async throws -> APIResponse
    {
        var request = URLRequest(url: URL(string: baseURL + path)!)
        request.httpMethod = method
        if let cookie { request.setValue(cookie, forHTTPHeaderField: "Cookie") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.httpBody = body
        let (data, response) = try await session.data(for: request)
        return APIResponse(data: data, response: response)
    }
}
