// The catalog reads behind the roles' grants and checks: tables, functions, roles and privileges of one schema.
public import PostgresClient

/// Catalog queries shared by `RoleGrants`, `RoleCheck`, `RoleSetup` and the migrator's
/// ownership check; all bind the schema's name as a parameter.
public enum RoleCatalogSQL {
    public static let existingRoles = "SELECT rolname FROM pg_catalog.pg_roles WHERE rolname = ANY($1::text[])"

    /// Ordinary and partitioned tables; a partition is reached through its parent.
    static let tablesSQL = """
        SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY c.relname
        """

    public static func tables(in schema: SchemaName, on connection: isolated PGConnection) throws -> [String] {
        try connection.query(tablesSQL, [schema.name]).rows.map { try $0.decode("relname") }
    }

    /// A function or procedure of the schema, with who may call it by the grant list.
    public struct Function: Sendable {
        public var name: String
        /// `schema.name(arguments)`, quoted, as GRANT … ON ROUTINE takes it.
        public var signature: String
        public var securityDefiner: Bool

        public func mayCall(_ kind: RoleKind) -> Bool {
            if securityDefiner { return RolePrivileges.definerFunctions[name]?.contains(kind) ?? false }
            switch kind {
            case .owner, .worker, .api: return true
            case .readonly: return RolePrivileges.readonlyFunctions.contains(name)
            }
        }
    }

    static let functionsSQL = """
        SELECT p.proname, p.prosecdef,
               pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(p.proname)
                   || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')' AS signature
        FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = $1 ORDER BY 2
        """

    public static func functions(in schema: SchemaName, on connection: isolated PGConnection) throws -> [Function] {
        try connection.query(functionsSQL, [schema.name]).rows.map {
            Function(
                name: try $0.decode("proname"), signature: try $0.decode("signature"),
                securityDefiner: try $0.decode("prosecdef"))
        }
    }

    /// Who owns the schema, who is connected, and what the connected role may do about it.
    public static let schemaOwnership = """
        SELECT current_user AS connected, current_database() AS database,
               n.oid IS NOT NULL AS present,
               pg_catalog.pg_get_userbyid(n.nspowner) AS owner,
               coalesce(pg_catalog.pg_has_role(current_user, n.nspowner, 'MEMBER'), false) AS member,
               pg_catalog.has_database_privilege(current_database(), 'CREATE') AS may_create_schema
        FROM (SELECT 1) AS one LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = $1
        """

    /// Each granted role's rights on each table of the schema, as PostgreSQL decides them
    /// (`has_table_privilege`: through PUBLIC and memberships too).
    static let tableRights = """
        SELECT c.relname, r.rolname,
               pg_catalog.has_table_privilege(r.oid, c.oid, 'SELECT') AS s,
               pg_catalog.has_table_privilege(r.oid, c.oid, 'INSERT') AS i,
               pg_catalog.has_table_privilege(r.oid, c.oid, 'UPDATE') AS u,
               pg_catalog.has_table_privilege(r.oid, c.oid, 'DELETE') AS d,
               pg_catalog.has_table_privilege(r.oid, c.oid, 'TRUNCATE, REFERENCES, TRIGGER') AS other,
               pg_catalog.pg_get_userbyid(c.relowner) AS owner
        FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        CROSS JOIN pg_catalog.pg_roles r
        WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND r.rolname = ANY($2::text[])
        ORDER BY c.relname, r.rolname
        """

    static let functionRights = """
        SELECT p.proname, p.prosecdef, r.rolname, pg_catalog.has_function_privilege(r.oid, p.oid, 'EXECUTE') AS may
        FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
        CROSS JOIN pg_catalog.pg_roles r
        WHERE n.nspname = $1 AND r.rolname = ANY($2::text[])
        ORDER BY p.proname, r.rolname
        """

    static let schemaRights = """
        SELECT r.rolname, pg_catalog.has_schema_privilege(r.oid, n.oid, 'USAGE') AS usage,
               pg_catalog.has_schema_privilege(r.oid, n.oid, 'CREATE') AS create, r.rolsuper
        FROM pg_catalog.pg_namespace n CROSS JOIN pg_catalog.pg_roles r
        WHERE n.nspname = $1 AND r.rolname = ANY($2::text[])
        """

    /// An identifier from the catalog, quoted for SQL text.
    public static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
