// Applies RolePrivileges to a schema: the GRANTs and REVOKEs that make each role's rights exactly the list's.
public import PostgresClient

/// Turns the grant list into statements and runs them in the caller's transaction, as the
/// schema's owner (GRANT needs the objects' owner). Idempotent: every run revokes the three
/// roles' rights on each table and function and grants the list's, so a right taken off the
/// list is taken from the database too. Run at the end of every `ebbflow migrate` (tables of
/// later migrations get their rights there) and by `ebbflow roles setup`.
public struct RoleGrants: Sendable {
    public let schema: SchemaName
    public let roles: RoleNames

    public init(schema: SchemaName, roles: RoleNames) {
        self.schema = schema
        self.roles = roles
    }

    /// What a run did: tables of the schema that the list does not name (nobody but the owner may use them).
    public struct Outcome: Sendable {
        public var unlistedTables: [String]
        public var unlistedDefinerFunctions: [String]
    }

    /// The granted roles that exist (a role dropped by hand is left out, not recreated).
    public func existingRoles(on connection: isolated PGConnection) throws -> [RoleKind] {
        let names = RoleKind.granted.map(roles.name)
        let found = Set(
            try connection.query(RoleCatalogSQL.existingRoles, [names]).rows.map {
                try $0.decode("rolname", as: String.self)
            })
        return RoleKind.granted.filter { found.contains(roles.name($0)) }
    }

    @discardableResult
    public func apply(on connection: isolated PGConnection) throws -> Outcome {
        let kinds = try existingRoles(on: connection)
        var outcome = Outcome(unlistedTables: [], unlistedDefinerFunctions: [])
        guard !kinds.isEmpty else { return outcome }
        let everyone = kinds.map(roles.quoted).joined(separator: ", ")
        try connection.simpleQuery("GRANT USAGE ON SCHEMA \(schema.quoted) TO \(everyone)")
        try connection.simpleQuery("REVOKE CREATE ON SCHEMA \(schema.quoted) FROM \(everyone)")
        for table in try RoleCatalogSQL.tables(in: schema, on: connection) {
            let target = "\(schema.quoted).\(RoleCatalogSQL.quoteIdentifier(table))"
            try connection.simpleQuery("REVOKE ALL ON TABLE \(target) FROM \(everyone)")
            guard let rights = RolePrivileges.tables[table] else {
                outcome.unlistedTables.append(table)
                continue
            }
            for kind in kinds where !rights.rights(kind).isEmpty {
                let list = rights.rights(kind).sorted().map(\.rawValue).joined(separator: ", ")
                try connection.simpleQuery("GRANT \(list) ON TABLE \(target) TO \(roles.quoted(kind))")
            }
        }
        try connection.simpleQuery("REVOKE ALL ON ALL SEQUENCES IN SCHEMA \(schema.quoted) FROM \(everyone)")
        let sequenceUsers = kinds.filter(RolePrivileges.sequenceUsers.contains).map(roles.quoted)
        if !sequenceUsers.isEmpty {
            try connection.simpleQuery(
                "GRANT USAGE ON ALL SEQUENCES IN SCHEMA \(schema.quoted) TO \(sequenceUsers.joined(separator: ", "))")
        }
        // New functions the owner creates are not callable by PUBLIC either (PostgreSQL's
        // default grants EXECUTE to PUBLIC, which would open a SECURITY DEFINER function to
        // every role until this ran).
        try connection.simpleQuery("ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON ROUTINES FROM PUBLIC")
        try connection.simpleQuery("REVOKE ALL ON ALL ROUTINES IN SCHEMA \(schema.quoted) FROM PUBLIC, \(everyone)")
        for function in try RoleCatalogSQL.functions(in: schema, on: connection) {
            let callers = kinds.filter { function.mayCall($0) }
            if function.securityDefiner && RolePrivileges.definerFunctions[function.name] == nil {
                outcome.unlistedDefinerFunctions.append(function.name)
            }
            guard !callers.isEmpty else { continue }
            try connection.simpleQuery(
                "GRANT EXECUTE ON ROUTINE \(function.signature) TO \(callers.map(roles.quoted).joined(separator: ", "))"
            )
        }
        return outcome
    }
}
