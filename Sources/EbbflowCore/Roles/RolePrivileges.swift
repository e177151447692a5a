// THE grant list: which role may do what on each table and function of the schema. Change rights here only.

/// The rights of each role, in one place. `RoleGrants` turns it into GRANT statements (run by
/// `ebbflow migrate` at its end and by `ebbflow roles setup`), `RoleCheck` compares a
/// database with it (`ebbflow roles check`), and a test checks every table of a migrated schema
/// against it, so a new table without an entry here fails that test.
///
/// Why the worker and the API differ so little on the engine's and the queue's tables: `serve`
/// applies ingested events in the request, with the same engine code as a worker's
/// `apply_events` job (contacts, events, transitions, sends, memberships), and its admin routes
/// and dashboard act on jobs (retry, cancel, delete), schedules, streams, templates and the
/// policy. Taking a write away from it there would break a route, not harden one. Where they
/// differ: the API's own tables (keys, dashboard sessions, webhook tokens, SES
/// confirmations) are closed to the worker, and `workers` is the worker's alone to write.
/// The read-only role reads everything but secrets.
public enum RolePrivileges {
    public enum Privilege: String, Sendable, CaseIterable, Comparable {
        case select = "SELECT", insert = "INSERT", update = "UPDATE", delete = "DELETE"

        public static func < (lhs: Privilege, rhs: Privilege) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    /// One table's rights per role (the owner has all rights by owning it).
    public struct TableRights: Sendable {
        public var worker: Set<Privilege>
        public var api: Set<Privilege>
        public var readonly: Set<Privilege>

        public func rights(_ kind: RoleKind) -> Set<Privilege> {
            switch kind {
            case .owner: return Set(Privilege.allCases)
            case .worker: return worker
            case .api: return api
            case .readonly: return readonly
            }
        }
    }

    static let all: Set<Privilege> = [.select, .insert, .update, .delete]
    static let read: Set<Privilege> = [.select]
    static let append: Set<Privilege> = [.select, .insert]
    static let none: Set<Privilege> = []

    /// The engine's and the queue's data: both processes read and write it, analysts read it.
    static let data = TableRights(worker: all, api: all, readonly: read)
    /// Written by migrations and the owner's admin commands only (`clock set`, `migrate`).
    static let reference = TableRights(worker: read, api: read, readonly: read)

    /// Every table (ordinary or partitioned; partitions are reached through their parent) of
    /// the schema. A table missing here gets no rights but the owner's, and `migrate` says so.
    public static let tables: [String: TableRights] = [
        // core
        "schema_migrations": reference,
        "database_info": reference,
        "clock": reference,
        // queue
        "jobs": data,
        "finished_jobs": data,
        "schedules": data,
        "builtin_schedules": data,
        "counters": data,
        "queue_limits": data,
        "workers": TableRights(worker: all, api: read, readonly: read),
        // api: closed to the worker; secrets closed to the read-only role
        "api_keys": TableRights(worker: none, api: [.select, .insert, .update], readonly: none),
        "dashboard_sessions": TableRights(worker: none, api: all, readonly: none),
        "webhook_tokens": TableRights(worker: none, api: [.select, .insert, .delete], readonly: none),
        // engine: secrets
        "privacy_secret": TableRights(worker: read, api: read, readonly: none),
        "forgotten_digests": TableRights(worker: append, api: append, readonly: none),
        "link_keys": TableRights(
            worker: [.select, .insert, .update], api: [.select, .insert, .update], readonly: none),
        // engine: an audit trail is appended to, never rewritten
        "contact_audit": TableRights(worker: append, api: append, readonly: read),
        "ses_subscription_confirmations": TableRights(worker: none, api: append, readonly: read),
        // engine: data
        "contacts": data, "engagement_events": data, "transitions": data, "sends": data, "send_errors": data,
        "policies": data, "flows": data, "flow_skips": data, "audience_snapshots": data,
        "experiment_promotions": data, "experiment_tallies": data, "ingest_identify_messages": data,
        "streams": data, "stream_versions": data, "stream_memberships": data, "stream_outcomes": data,
        "stream_decisions": data, "stream_decisions_daily": data, "stream_snapshots": data,
        "templates": data, "template_versions": data, "time_zone_names": data, "tracked_links": data,
        "unmatched_provider_events": data, "activity_hourly": data, "flow_send_counts": data,
    ]

    /// Functions that run with their owner's rights (`SECURITY DEFINER`), and who may call
    /// them; EXECUTE is revoked from everyone else, PUBLIC included. Every other function of
    /// the schema runs with its caller's rights and may be called by the worker and the API
    /// (it can do nothing their table rights do not allow); the read-only role may call only
    /// `readonlyFunctions`. A SECURITY DEFINER function missing here may be called by nobody
    /// but its owner. docs/architecture.md ("Rights the roles lack: SECURITY DEFINER
    /// functions") has the pattern.
    public static let definerFunctions: [String: Set<RoleKind>] = [
        "refresh_outgrown_statistics": [.worker]
    ]

    /// What the read-only role's queries call.
    public static let readonlyFunctions: Set<String> = ["clock_now"]

    /// Sequences (identity columns) are used by INSERTs: USAGE for the roles that insert.
    public static let sequenceUsers: [RoleKind] = [.worker, .api]
}
