// A section whose page is still being built: a signed-in page saying so, so the navigation never leads to a 404.
import EbbflowHTTP
import Hummingbird

struct PendingPageRoutes: Sendable {
    let kit: DashboardKit
    let section: NavSection

    func add(to group: RouterGroup<HTTPContext>) {
        group.get(RouterPath(section.rawValue)) { request, context in
            try await kit.page(
                request, context, section: section, title: section.title, template: "pending",
                data: ["title": section.title])
        }
    }
}
