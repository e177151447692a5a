// Compares the rights the roles have in a database with RolePrivileges, and says what differs.
public import PostgresClient

/// What `ebbflow roles check` prints and the roles test asserts: one line per difference
/// between the database and the grant list (a right a role lacks, a right it should not have,
/// a table the list does not name, an object the owner does not own). Read from PostgreSQL's
/// own answers (`has_table_privilege`, `has_function_privilege`, `has_schema_privilege`), so
/// rights through PUBLIC or a membership count as they do at run time.
public struct RoleCheck: Sendable {
    public let schema: SchemaName
    public let roles: RoleNames

    public init(schema: SchemaName, roles: RoleNames) {
        self.schema = schema
        self.roles = roles
    }

    public func differences(on connection: isolated PGConnection) throws -> [String] {
        let names = RoleKind.allCases.map(roles.name)
        let existing = Set(
            try connection.query(RoleCatalogSQL.existingRoles, [names]).rows.map {
                try $0.decode("rolname", as: String.self)
            })
        var lines: [String] = []
        for kind in RoleKind.allCases where !existing.contains(roles.name(kind)) {
            lines.append("role \(roles.name(kind)) does not exist (ebbflow roles setup creates it)")
        }
        let ownership = try connection.query(RoleCatalogSQL.schemaOwnership, [schema.name]).first!
        guard try ownership.decode("present", as: Bool.self) else {
            return lines + ["schema \(schema) does not exist (ebbflow roles setup creates it)"]
        }
        let owner = roles.name(.owner)
        let schemaOwner: String = try ownership.decode("owner")
        if schemaOwner != owner { lines.append("schema \(schema) is owned by \(schemaOwner), not \(owner)") }
        let kinds = Dictionary(uniqueKeysWithValues: RoleKind.allCases.map { (roles.name($0), $0) })
        for row in try connection.query(RoleCatalogSQL.schemaRights, [schema.name, names]).rows {
            let role: String = try row.decode("rolname")
            if try row.decode("rolsuper", as: Bool.self) { lines.append("role \(role) is a superuser") }
            guard kinds[role] != .owner else { continue }
            if !(try row.decode("usage", as: Bool.self)) { lines.append("\(role) lacks USAGE on schema \(schema)") }
            if try row.decode("create", as: Bool.self) {
                lines.append("\(role) has CREATE on schema \(schema), which it should not")
            }
        }
        var reportedOwners: Set<String> = []
        for row in try connection.query(RoleCatalogSQL.tableRights, [schema.name, names]).rows {
            let table: String = try row.decode("relname")
            let role: String = try row.decode("rolname")
            let tableOwner: String = try row.decode("owner")
            if tableOwner != owner, reportedOwners.insert(table).inserted {
                lines.append("table \(table) is owned by \(tableOwner), not \(owner)")
            }
            guard let kind = kinds[role], kind != .owner else { continue }
            guard let rights = RolePrivileges.tables[table] else {
                if kind == .worker {
                    lines.append(
                        "table \(table) has no entry in the grant list (Sources/EbbflowCore/Roles/RolePrivileges.swift)"
                    )
                }
                continue
            }
            var actual: Set<RolePrivileges.Privilege> = []
            for (column, privilege) in [("s", .select), ("i", .insert), ("u", .update), ("d", .delete)]
                as [(String, RolePrivileges.Privilege)]
            where try row.decode(column, as: Bool.self) {
                actual.insert(privilege)
            }
            let expected = rights.rights(kind)
            for missing in expected.subtracting(actual).sorted() {
                lines.append("\(role) lacks \(missing.rawValue) on \(table)")
            }
            for extra in actual.subtracting(expected).sorted() {
                lines.append("\(role) has \(extra.rawValue) on \(table), which it should not")
            }
            if try row.decode("other", as: Bool.self) {
                lines.append("\(role) has TRUNCATE, REFERENCES or TRIGGER on \(table), which it should not")
            }
        }
        for row in try connection.query(RoleCatalogSQL.functionRights, [schema.name, names]).rows {
            let role: String = try row.decode("rolname")
            guard let kind = kinds[role], kind != .owner else { continue }
            let function = RoleCatalogSQL.Function(
                name: try row.decode("proname"), signature: "", securityDefiner: try row.decode("prosecdef"))
            let may: Bool = try row.decode("may")
            if function.mayCall(kind) && !may { lines.append("\(role) lacks EXECUTE on function \(function.name)") }
            if !function.mayCall(kind) && may {
                lines.append("\(role) has EXECUTE on function \(function.name), which it should not")
            }
        }
        return lines
    }
}
