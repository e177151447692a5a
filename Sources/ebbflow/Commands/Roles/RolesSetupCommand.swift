// `ebbflow roles setup`: create or update the four roles and the schema, as an administrator.
import ArgumentParser
import EbbflowCore
import PostgresClient

struct RolesSetupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "setup",
        abstract: "Create or update the four LOGIN roles and the schema owned by the owner role (idempotent).",
        discussion: """
            Run by a superuser or a role with CREATEROLE (the `postgres` role in docker-compose). \
            Roles: <prefix>_owner owns the schema and runs `ebbflow migrate`; <prefix>_worker runs \
            `ebbflow worker`; <prefix>_api runs `ebbflow serve`; <prefix>_readonly reads. A role \
            given --password-file gets that file's password (stored as a SCRAM verifier); others \
            keep theirs (a new one has none). When the schema holds tables, the grants are applied \
            too; otherwise `ebbflow migrate` as <prefix>_owner applies them.
            """)

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var roles: RolePrefixOption

    @Option(
        name: .customLong("password-file"),
        help: ArgumentHelp(
            "ROLE=PATH: the password of owner, worker, api or readonly, read from a file holding only it. Repeatable.",
            valueName: "role=path"))
    var passwordFiles: [String] = []

    func validate() throws { _ = try passwordPaths() }

    /// Each role's file, refusing an unknown role, a role named twice or a missing path.
    func passwordPaths() throws -> [RoleKind: String] {
        var paths: [RoleKind: String] = [:]
        for argument in passwordFiles {
            let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[1].isEmpty, let kind = RoleKind(rawValue: parts[0]) else {
                throw ValidationError(
                    "--password-file takes ROLE=PATH with ROLE one of owner, worker, api, readonly (got \"\(parts.first ?? "")\")"
                )
            }
            guard paths.updateValue(parts[1], forKey: kind) == nil else {
                throw ValidationError("--password-file names \(kind.rawValue) twice")
            }
        }
        return paths
    }

    func run() async throws {
        var passwords: [RoleKind: String] = [:]
        for (kind, path) in try passwordPaths() { passwords[kind] = try PGPasswordFile.read(path) }
        let setup = RoleSetup(schema: try connection.schemaName, roles: try roles.names, passwords: passwords)
        let database = try await connection.connect()
        let lines = try await database.run { try setup.run(on: $0) }
        for line in lines { print(line) }
    }
}
