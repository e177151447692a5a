// An administrator's suppress and unsuppress of one contact: locked, audited, its pending sends cancelled.
import EbbflowCore
import Foundation
import PostgresClient

/// Why an administrator's suppress or unsuppress was refused.
public enum ConsentError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No contact has that external id.
    case unknownContact(String)
    /// Unsuppress of a contact that is not suppressed (its status).
    case notSuppressed(String, CampaignStatus)
    /// A text (`reason`, `consent_source`) refused: which, and why.
    case invalidText(field: String, problem: String)

    public var description: String {
        switch self {
        case .unknownContact(let id): "no contact with external id \"\(id)\""
        case .notSuppressed(let id, let status):
            "contact \"\(id)\" is not suppressed (it is \(status.rawValue)): nothing to unsuppress"
        case .invalidText(let field, let problem): "\(field) \(problem)"
        }
    }
}

/// What `suppress` did.
public enum SuppressOutcome: Sendable, Equatable {
    /// Suppressed from `from` (a transition row, pending sends cancelled).
    case suppressed(from: CampaignStatus)
    /// Suppressed already for a weaker reason (`previous`, nil when unknown): the reason is now
    /// `manual_suppression`, with a suppressed → suppressed row.
    case reasonChanged(previous: String?)
    /// Suppressed already for `reason`, as strong or stronger: nothing written.
    case alreadySuppressed(reason: String)
}

/// `contacts suppress` and `contacts unsuppress`. Why an engine API and not an `UPDATE`: a
/// suppression must go through the state machine with an audit row saying who and why, keep
/// `suppression_reason` true, and cancel everything pending for the contact in the same
/// transaction, exactly as a suppressing event does (`SuppressedContacts`). Each call runs in
/// the caller's transaction, with the contact locked first.
public struct ContactConsent: Sendable {
    let schema: SchemaName
    var sql: ConsentSQL { ConsentSQL(schema: schema) }

    public init(schema: SchemaName) { self.schema = schema }

    /// Checks an administrator's text (`field`: `reason` or `consent_source`): 1 to 500 bytes,
    /// not only white space, no control characters.
    public static func checkText(_ text: String, field: String) throws(ConsentError) {
        if let problem = ConsentRules.sourceProblem(text) { throw .invalidText(field: field, problem: problem) }
    }

    /// Suppresses contact `externalID` for `reason` (the administrator's words, kept in the
    /// transition's detail; the transition's reason is `manual_suppression`). A contact
    /// suppressed already keeps the stronger reason: a row is written only when
    /// `manual_suppression` replaces a weaker one (`SuppressionStrength`).
    public func suppress(externalID: String, reason: String, on connection: isolated PGConnection) throws
        -> SuppressOutcome
    {
        try Self.checkText(reason, field: "reason")
        guard let row = try connection.query(sql.lockContact, [externalID]).first else {
            throw ConsentError.unknownContact(externalID)
        }
        let id: Int64 = try row.decode("id")
        let status = CampaignStatus(rawValue: try row.decode("status")) ?? .active
        let current: String? = try row.decode("suppression_reason")
        let change = StatusChange.manualSuppression
        let kept = status == .suppressed ? SuppressionStrength.kept(current: current, incoming: change.reason) : nil
        if let kept, kept == current { return .alreadySuppressed(reason: kept) }
        try change.check(from: status)
        let now = try DatabaseClock(schema: schema).now(on: connection)
        try connection.execute(sql.change(change), [id, now, change.reason.rawValue, reason])
        try SuppressedContacts(schema: schema).cleanUp(
            [(id, change.reason.rawValue, nil)], now: now, on: connection)
        return status == .suppressed ? .reasonChanged(previous: current) : .suppressed(from: status)
    }

    /// Lifts contact `externalID`'s suppression, whatever its reason: the documented way back
    /// for an administrator holding new consent (`consentSource`, kept in the transition's
    /// detail). The contact becomes `active` (`manual_reinstatement`), on email. Returns the
    /// reason it was suppressed for (nil when unknown).
    @discardableResult
    public func unsuppress(externalID: String, consentSource: String, on connection: isolated PGConnection) throws
        -> String?
    {
        try Self.checkText(consentSource, field: "consent_source")
        guard let row = try connection.query(sql.lockContact, [externalID]).first else {
            throw ConsentError.unknownContact(externalID)
        }
        let status = CampaignStatus(rawValue: try row.decode("status")) ?? .active
        guard status == .suppressed else { throw ConsentError.notSuppressed(externalID, status) }
        let change = StatusChange.manualReinstatement
        try change.check(from: status)
        let now = try DatabaseClock(schema: schema).now(on: connection)
        try connection.execute(
            sql.change(change), [try row.decode("id", as: Int64.self), now, String?.none, consentSource])
        return try row.decode("suppression_reason")
    }
}
