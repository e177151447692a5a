// GET /dashboard/assets/…: the stylesheet and script, named by their hash and cached for a year.
import EbbflowHTTP
import Hummingbird
import NIOCore

/// Why from memory and never from disk: the binary carries them (EmbedDashboard), so there is
/// no directory to serve files from and nothing a crafted path could reach.
struct AssetRoutes: Sendable {
    let assets: DashboardAssets

    func add(to group: RouterGroup<HTTPContext>) {
        group.get("assets/:name") { request, _ in
            guard let asset = assets.asset(at: request.uri.path) else {
                throw APIError(.notFound, "no such file")
            }
            return Response(
                status: .ok,
                headers: [
                    .contentType: asset.contentType, .cacheControl: "public, max-age=31536000, immutable",
                ], body: ResponseBody(byteBuffer: ByteBuffer(string: asset.body)))
        }
    }
}
