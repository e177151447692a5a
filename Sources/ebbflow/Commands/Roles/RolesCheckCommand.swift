// `ebbflow roles check`: what each role lacks, or has beyond the grant list; exit 1 when anything differs.
import ArgumentParser
import EbbflowCore

struct RolesCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Compare the roles' rights on the schema with the grant list; print each difference.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var roles: RolePrefixOption

    func run() async throws {
        let check = RoleCheck(schema: try connection.schemaName, roles: try roles.names)
        let database = try await connection.connect()
        let differences = try await database.run { try check.differences(on: $0) }
        guard !differences.isEmpty else {
            print("roles \(try roles.names.prefix)_* match the grant list on schema \(try connection.schemaName)")
            return
        }
        for line in differences { print(line) }
        throw ExitCode.failure
    }
}
