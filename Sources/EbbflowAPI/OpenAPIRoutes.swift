// GET /openapi.yaml: the API's OpenAPI 3.1 description, as committed at the repository's root and built into the binary.
import EbbflowHTTP
import Hummingbird

/// Open to all, like the description of any public API: it holds no data, and clients and
/// contract testers (schemathesis) read it before they hold a key.
public struct OpenAPIRoutes: HTTPRoutes {
    static let contentType = "application/yaml; charset=utf-8"

    public init() {}

    public func add(to router: HTTPRouter) {
        router.get("/openapi.yaml") { _, _ in
            Response(
                status: .ok, headers: [.contentType: Self.contentType],
                body: ResponseBody(byteBuffer: ByteBuffer(string: embeddedOpenAPIDocument)))
        }
    }
}
