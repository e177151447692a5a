// The `--prefix` option the roles commands share: `<prefix>_owner`, `<prefix>_worker`, ….
import ArgumentParser
import EbbflowCore

struct RolePrefixOption: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Roles are <prefix>_owner, <prefix>_worker, <prefix>_api and <prefix>_readonly.", valueName: "prefix"))
    var prefix: String = RoleNames.defaultPrefix

    func validate() throws { _ = try RoleNames(prefix: prefix) }

    var names: RoleNames { get throws { try RoleNames(prefix: prefix) } }
}
