// Creates or updates the four roles and the schema they share, idempotently, as an administrator.
public import PostgresClient

/// What `ebbflow roles setup` does, in one transaction: each role created as a LOGIN role if
/// missing (kept, with its password, if present), given the password of its file if one is
/// named (as a SCRAM verifier computed here: the password never travels in SQL text), the
/// schema created owned by the owner role (or, when it exists with another owner, it and
/// everything in it handed to the owner: an installation that ran as one role moves to the
/// roles this way), and the grants applied if the schema holds tables already.
public struct RoleSetup: Sendable {
    public let schema: SchemaName
    public let roles: RoleNames
    /// Passwords by role, read from their files by the caller.
    public let passwords: [RoleKind: String]

    public init(schema: SchemaName, roles: RoleNames, passwords: [RoleKind: String]) {
        self.schema = schema
        self.roles = roles
        self.passwords = passwords
    }

    /// One line per thing done, for the command to print (never a password).
    public func run(on connection: isolated PGConnection) throws -> [String] {
        try connection.withTransactionSync {
            var lines: [String] = []
            let admin = try connection.query(Self.administrator).first!
            let me: String = try admin.decode("rolname")
            let superuser: Bool = try admin.decode("rolsuper")
            let createRole: Bool = try admin.decode("rolcreaterole")
            guard superuser || createRole else {
                throw PGError(
                    .invalidConfiguration,
                    "roles setup needs a role with CREATEROLE (or a superuser); connected as \(me)")
            }
            for kind in RoleKind.allCases {
                lines.append(try ensureRole(kind, on: connection))
            }
            lines.append(contentsOf: try ensureSchema(superuser: superuser, on: connection))
            let member: Bool = try connection.query(Self.memberOfOwner, [roles.name(.owner)]).first!.decode("member")
            if !(try RoleCatalogSQL.tables(in: schema, on: connection)).isEmpty, !member {
                lines.append(
                    "not a member of \(roles.name(.owner)): run `ebbflow migrate` as \(roles.name(.owner)); it grants the rights"
                )
            } else if !(try RoleCatalogSQL.tables(in: schema, on: connection)).isEmpty {
                try connection.simpleQuery("SET LOCAL ROLE \(roles.quoted(.owner))")
                let outcome = try RoleGrants(schema: schema, roles: roles).apply(on: connection)
                try connection.simpleQuery("RESET ROLE")
                lines.append("granted the rights of the grant list on schema \(schema)")
                lines.append(contentsOf: RoleSetup.warnings(outcome))
            } else {
                lines.append(
                    "schema \(schema) has no tables yet: run `ebbflow migrate` as \(roles.name(.owner)); it grants the rights"
                )
            }
            return lines
        }
    }

    /// Lines for tables and SECURITY DEFINER functions the grant list does not name.
    public static func warnings(_ outcome: RoleGrants.Outcome) -> [String] {
        outcome.unlistedTables.map {
            "warning: table \($0) has no entry in the grant list (Sources/EbbflowCore/Roles/RolePrivileges.swift): only its owner may use it"
        }
            + outcome.unlistedDefinerFunctions.map {
                "warning: SECURITY DEFINER function \($0) has no entry in the grant list: only its owner may call it"
            }
    }

    static let administrator =
        "SELECT rolname, rolsuper, rolcreaterole FROM pg_catalog.pg_roles WHERE rolname = current_user"
    /// Superusers count as members of every role.
    static let memberOfOwner = "SELECT pg_catalog.pg_has_role(current_user, $1, 'MEMBER') AS member"
    static let role = "SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = $1"

    private func ensureRole(_ kind: RoleKind, on connection: isolated PGConnection) throws -> String {
        let name = roles.name(kind)
        var done: String
        if let existing = try connection.query(Self.role, [name]).first {
            guard !(try existing.decode("rolsuper", as: Bool.self)) else {
                throw PGError(
                    .invalidConfiguration,
                    "role \(name) exists and is a superuser; a least-privilege role must not be (ALTER ROLE \(name) NOSUPERUSER)"
                )
            }
            try connection.simpleQuery("ALTER ROLE \(roles.quoted(kind)) LOGIN")
            done = "role \(name): kept"
        } else {
            try connection.simpleQuery("CREATE ROLE \(roles.quoted(kind)) LOGIN")
            done = "role \(name): created"
        }
        if let password = passwords[kind] {
            let verifier = try connection.scramVerifier(password: password, role: name)
            try connection.simpleQuery("ALTER ROLE \(roles.quoted(kind)) PASSWORD '\(verifier)'")
            done += ", password set from its file"
        }
        return done
    }

    private func ensureSchema(superuser: Bool, on connection: isolated PGConnection) throws -> [String] {
        let ownership = try connection.query(RoleCatalogSQL.schemaOwnership, [schema.name]).first!
        let owner = roles.name(.owner)
        guard try ownership.decode("present", as: Bool.self) else {
            try connection.simpleQuery("CREATE SCHEMA \(schema.quoted) AUTHORIZATION \(roles.quoted(.owner))")
            return ["schema \(schema): created, owned by \(owner)"]
        }
        let current: String = try ownership.decode("owner")
        let strays = try connection.query(Self.objectsNotOwned, [schema.name, owner]).rows
        guard current != owner || !strays.isEmpty else { return ["schema \(schema): kept, owned by \(owner)"] }
        guard superuser else {
            throw PGError(
                .invalidConfiguration,
                "schema \(schema) and its objects must be owned by \(owner) (owned by \(current)); only a superuser can hand them over: run roles setup as one"
            )
        }
        try connection.simpleQuery("ALTER SCHEMA \(schema.quoted) OWNER TO \(roles.quoted(.owner))")
        for row in strays {
            let statement: String = try row.decode("statement")
            try connection.simpleQuery(statement + " OWNER TO \(roles.quoted(.owner))")
        }
        return ["schema \(schema): handed to \(owner) with its \(strays.count) object(s) owned by others"]
    }

    /// `ALTER … <object>` (without its `OWNER TO`) for every object of the schema that `$2`
    /// does not own: tables (partitions too), views, sequences a column does not own (those
    /// follow their table), functions and procedures, and types that are not a table's row type
    /// or an array.
    static let objectsNotOwned = """
        SELECT CASE c.relkind WHEN 'v' THEN 'ALTER VIEW ' WHEN 'm' THEN 'ALTER MATERIALIZED VIEW '
                              WHEN 'S' THEN 'ALTER SEQUENCE ' ELSE 'ALTER TABLE ' END
               || pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) AS statement
        FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
          AND pg_catalog.pg_get_userbyid(c.relowner) <> $2
          AND NOT (c.relkind = 'S' AND EXISTS (
              SELECT 1 FROM pg_catalog.pg_depend d
              WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')))
        UNION ALL
        SELECT 'ALTER ROUTINE ' || pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(p.proname)
               || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')'
        FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = $1 AND pg_catalog.pg_get_userbyid(p.proowner) <> $2
        UNION ALL
        SELECT CASE t.typtype WHEN 'd' THEN 'ALTER DOMAIN ' ELSE 'ALTER TYPE ' END
               || pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(t.typname)
        FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = $1 AND pg_catalog.pg_get_userbyid(t.typowner) <> $2
          AND t.typtype IN ('e', 'c', 'd', 'r') AND t.typelem = 0
          AND NOT (t.typtype = 'c' AND EXISTS (
              SELECT 1 FROM pg_catalog.pg_class rc WHERE rc.oid = t.typrelid AND rc.relkind <> 'c'))
        """
}
