// Counts and times the API's requests by route template and status, for /metrics.
import EbbflowHTTP
import Hummingbird
import Metrics

/// Why route templates and not paths: `/v1/contacts/{external_id}` is one series, where the
/// paths would be one per contact and grow the scrape without bound. Requests that match no
/// route are counted under "unmatched".
public struct RequestMetrics: RouterMiddleware {
    public typealias Context = HTTPContext

    public init() {}

    static let help = [
        "ebbflow_http_requests_total": "API requests answered, by route template, method and status code.",
        "ebbflow_http_request_duration_seconds": "Time from a request's head to its answer, by route template.",
    ]

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws
        -> Response
    {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(request, context, status: response.status.code, since: start)
            return response
        } catch let error as any HTTPResponseError {
            record(request, context, status: error.status.code, since: start)
            throw error
        } catch {
            record(request, context, status: 500, since: start)
            throw error
        }
    }

    private func record(_ request: Request, _ context: Context, status: Int, since start: ContinuousClock.Instant) {
        let route = context.endpointPath ?? "unmatched"
        Counter(
            label: "ebbflow_http_requests_total",
            dimensions: [("route", route), ("method", request.method.rawValue), ("status", "\(status)")]
        ).increment()
        Timer(label: "ebbflow_http_request_duration_seconds", dimensions: [("route", route)])
            .record(duration: ContinuousClock.now - start)
    }
}
