// Suppress and unsuppress one contact for both front doors: `contacts suppress|unsuppress` and POST /v1/contacts/{external_id}/suppress|unsuppress.
import EbbflowCore
import EbbflowEngine
import Foundation
import PostgresClient

/// The administrator's consent actions, each one transaction with the contact locked
/// (`ContactConsent`). Refusals: an unknown contact is `notFound` (404), unsuppressing a contact
/// that is not suppressed is `conflict` (409), a bad text is `invalid` naming `reason` or
/// `consent_source` (400).
public struct ConsentOperations: Sendable {
    public let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    /// Suppresses the contact for `reason` (`manual_suppression`, the text in the audit row's
    /// detail). Suppressed already for as strong a reason: nothing written, and the message says so.
    @discardableResult
    public func suppress(externalID: String, reason: String, on database: PGConnection) async throws -> ActionOutcome {
        let consent = ContactConsent(schema: schema)
        let outcome = try await Self.mapped {
            try await database.withTransaction { try consent.suppress(externalID: externalID, reason: reason, on: $0) }
        }
        let (message, kept, changed): (String, String, Bool)
        switch outcome {
        case .suppressed(let from):
            (message, kept, changed) = (
                "contact \(externalID) suppressed (was \(from.rawValue)): manual_suppression; its pending sends are cancelled",
                "manual_suppression", true
            )
        case .reasonChanged(let previous):
            (message, kept, changed) = (
                "contact \(externalID) suppressed: reason now manual_suppression (was \(previous ?? "unknown"))",
                "manual_suppression", true
            )
        case .alreadySuppressed(let reason):
            (message, kept, changed) = (
                "contact \(externalID) already suppressed (\(reason)): nothing changed", reason, false
            )
        }
        return ActionOutcome(
            message,
            [
                "external_id": .string(externalID), "campaign_status": .string("suppressed"),
                "suppression_reason": .string(kept), "changed": .bool(changed),
            ])
    }

    /// Lifts the contact's suppression whatever its reason (the way back for an administrator
    /// holding new consent): `active`, on email, `manual_reinstatement` with the consent source
    /// in the audit row's detail.
    @discardableResult
    public func unsuppress(externalID: String, consentSource: String, on database: PGConnection) async throws
        -> ActionOutcome
    {
        let consent = ContactConsent(schema: schema)
        let lifted = try await Self.mapped {
            try await database.withTransaction {
                try consent.unsuppress(externalID: externalID, consentSource: consentSource, on: $0)
            }
        }
        return ActionOutcome(
            "contact \(externalID) unsuppressed (was suppressed for \(lifted ?? "an unknown reason")): active",
            [
                "external_id": .string(externalID), "campaign_status": .string("active"),
                "lifted_reason": .text(lifted),
            ])
    }

    /// The one text of a suppress or unsuppress body, `{"reason": "…"}` or
    /// `{"consent_source": "…"}`: a JSON object with exactly that key, a string. Anything else is
    /// `invalid` naming the key (or the unknown key). The text's own bounds are the engine's.
    public static func text(fromBody body: Data, key: String) throws(OperationError) -> String {
        let shape = "the body must be a JSON object {\"\(key)\": \"…\"}"
        guard body.count <= 65_536, let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw .invalid(shape, field: key)
        }
        if let unknown = object.keys.sorted().first(where: { $0 != key }) {
            throw .invalid("unknown key \"\(unknown.prefix(64))\" in the body; \(shape)", field: unknown)
        }
        guard let text = object[key] as? String else {
            throw .invalid("\(shape): \(key) must be a string", field: key)
        }
        return text
    }

    /// The engine's refusals as the operations' own.
    static func mapped<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as ConsentError {
            switch error {
            case .unknownContact: throw OperationError.notFound(error.description)
            case .notSuppressed: throw OperationError.conflict(error.description)
            case .invalidText(let field, _): throw OperationError.invalid(error.description, field: field)
            }
        }
    }
}
