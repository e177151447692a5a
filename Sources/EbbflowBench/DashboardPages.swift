// Every dashboard URL the bench times, with the rare filters and worst cases of issue 19's "What must hold".
/// One URL to time. `olderOf`: the URL is the "older" timeline link found on that page (its
/// cursor is the page's own); `audience`: the page counts contacts, so it is timed again after
/// 10 % of them were updated without a vacuum.
struct DashboardURL: Sendable {
    var path: String
    var olderOf: String?
    var audience: Bool

    init(_ path: String, audience: Bool = false) {
        self.path = path
        self.audience = audience
    }

    init(olderTimelineOf page: String) {
        path = page + "?before=…"
        olderOf = page
        audience = false
    }
}

/// Why one array: adding a page to the dashboard means adding its URLs here, and the bench
/// then holds it to the budget; a URL whose page is not built yet is reported as missing.
/// Ids follow DashboardFill: finished job `n` is completed unless n % 100 is 97 or 98
/// (discarded) or 99 (cancelled); live jobs follow the finished ones; contact `c85` is
/// suppressed, `c42` holds the heavy timeline.
enum DashboardPages {
    static func urls(_ sizes: DashboardSizes) -> [DashboardURL] {
        let heavy = "/dashboard/contacts/c\(DashboardSizes.heavyContact)"
        let rare = DashboardSizes.rareKind
        let firstLive = sizes.finishedJobs + 1
        let jobStates = ["available", "scheduled", "running", "retryable", "completed", "discarded", "cancelled"]
        return [
            DashboardURL("/dashboard/overview", audience: true),
            DashboardURL("/dashboard/overview/fragments/audience", audience: true),
            DashboardURL("/dashboard/overview/fragments/activity"),
            DashboardURL("/dashboard/overview/fragments/suppressions", audience: true),
            DashboardURL("/dashboard/overview/fragments/queue"),
            DashboardURL("/dashboard/contacts", audience: true),
            DashboardURL("/dashboard/contacts?q=c\(DashboardSizes.heavyContact)"),
            DashboardURL("/dashboard/contacts?q=c\(DashboardSizes.heavyContact)%40example.com"),
            DashboardURL("/dashboard/contacts?status=active&segment=\(DashboardSizes.rareSegment)", audience: true),
            DashboardURL("/dashboard/contacts?segment=\(DashboardSizes.rareSegment)", audience: true),
            DashboardURL("/dashboard/contacts?status=suppressed", audience: true),
            DashboardURL("/dashboard/contacts?status=engaged&after=c5", audience: true),
            DashboardURL(heavy),
            DashboardURL(olderTimelineOf: heavy),
            DashboardURL("\(heavy)/suppress"),
            DashboardURL("/dashboard/contacts/c85/unsuppress"),
            DashboardURL("\(heavy)/export"),
            DashboardURL("\(heavy)/forget"),
            DashboardURL("/dashboard/streams"),
            DashboardURL("/dashboard/streams/welcome"),
            DashboardURL("/dashboard/decisions"),
            DashboardURL("/dashboard/decisions?stream=post_return"),
            DashboardURL("/dashboard/decisions?before=\(sizes.contacts / 2)&stream=post_return"),
            DashboardURL("/dashboard/experiments"),
            DashboardURL("/dashboard/experiments/welcome_subject"),
            DashboardURL("/dashboard/experiments/welcome_subject/promote?variant=question"),
            DashboardURL("/dashboard/jobs"),
            DashboardURL("/dashboard/jobs/fragments/counts"),
        ] + jobStates.map { DashboardURL("/dashboard/jobs?state=\($0)&kind=\(rare)") } + [
            DashboardURL("/dashboard/jobs?state=completed&queue=mail"),
            DashboardURL("/dashboard/jobs/500"),
            DashboardURL("/dashboard/jobs/98"),
            DashboardURL("/dashboard/jobs/\(firstLive)"),
            DashboardURL("/dashboard/jobs/confirm?action=retry&id=98"),
            DashboardURL("/dashboard/jobs/confirm?action=cancel&id=\(firstLive + 4)"),
            DashboardURL("/dashboard/jobs/confirm?action=delete&state=completed&kind=\(rare)"),
            DashboardURL("/dashboard/jobs/confirm?action=retry&state=discarded&queue=default"),
            DashboardURL("/dashboard/schedules"),
            DashboardURL("/dashboard/workers"),
            DashboardURL("/dashboard/workers/fragments/workers"),
            DashboardURL("/dashboard/workers/fragments/outbox"),
        ]
    }
}
