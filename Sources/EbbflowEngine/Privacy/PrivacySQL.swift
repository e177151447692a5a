// The statements of `contacts export` and `contacts forget`.
import EbbflowCore
import Foundation
import PostgresClient

struct PrivacySQL: Sendable {
    let schema: SchemaName

    func table(_ name: String) -> String { schema.qualified(name) }

    /// The contact by external id, locked for an erasure.
    func lockContact(_ externalID: String) -> PGQuery {
        """
        SELECT id, external_id, email, campaign_status::text AS status, suppression_reason
        FROM \(identifier: table("contacts")) WHERE external_id = \(bind: externalID) FOR UPDATE
        """
    }

    /// The contact by external id, unlocked (an export reads it in its own snapshot).
    func findContact(_ externalID: String) -> PGQuery {
        "SELECT id FROM \(identifier: table("contacts")) WHERE external_id = \(bind: externalID)"
    }

    /// Whether $1 (an external id, or an email normalised by the caller) is a forgotten person's.
    var isForgotten: String {
        """
        SELECT EXISTS (SELECT 1 FROM \(table("forgotten_digests")) d, \(table("privacy_secret")) ps
                       WHERE d.digest = \(ForgottenPeople.digest("$1::text"))) AS forgotten
        """
    }

    /// Keeps the digests of $1 (external id) and, when not NULL, $2 (email, normalised here).
    var keepDigests: String {
        """
        INSERT INTO \(table("forgotten_digests")) (digest, kind)
        SELECT \(ForgottenPeople.digest("v.value")), v.kind
        FROM \(table("privacy_secret")) ps,
             (VALUES ($1::text, 'external_id'), (\(ForgottenPeople.normalisedEmail("$2::text")), 'email')) AS v(value, kind)
        WHERE v.value IS NOT NULL AND v.value <> ''
        ON CONFLICT (digest) DO NOTHING
        """
    }

    func audit(contact: Int64, action: String, via: String, detail: String?, at now: Date) -> PGQuery {
        """
        INSERT INTO \(identifier: table("contact_audit")) (contact_id, action, via, detail, at)
        VALUES (\(bind: contact), \(bind: action), \(bind: via), \(bind: detail), \(bind: now))
        """
    }
}
