// The dashboard's sections, in the order the navigation shows them.
/// Why one list: the navigation, the page titles and the browser test's "visit every page"
/// all come from it, so a page cannot be added without being reachable.
enum NavSection: String, Sendable, CaseIterable {
    case overview, contacts, streams, experiments, jobs, schedules, workers

    var title: String {
        switch self {
        case .overview: "Overview"
        case .contacts: "Contacts"
        case .streams: "Flows and streams"
        case .experiments: "Experiments"
        case .jobs: "Jobs"
        case .schedules: "Schedules"
        case .workers: "Workers and outbox"
        }
    }

    var path: String { "/dashboard/\(rawValue)" }
}
