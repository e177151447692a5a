// The SQL of `contacts import`: a staging table loaded by COPY, then set-based statements.
import EbbflowCore
import Foundation
import PostgresClient

struct ContactImportSQL: Sendable {
    let schema: SchemaName
    var contacts: String { schema.qualified("contacts") }
    var statusType: String { schema.qualified("campaign_status") }

    /// Why a staging table: COPY is the fastest way in, and set-based statements then apply a
    /// million lines as one. NULL in a column means "not given": the stored value stays.
    var createStaging: String {
        """
        CREATE TEMP TABLE contact_import (line int, external_id text, email text, segment text, campaign_status text,
            engagement_score float8, last_engagement_at float8, reactivation_cycle int, attributes jsonb, consent_source text)
            ON COMMIT DROP
        """
    }

    var copyStaging: String { "COPY contact_import FROM STDIN" }

    /// The reasons an import may give a status change: an administrator's, never an engine's.
    static let importReasons: [TransitionReason] = [.manualSuppression, .manualReinstatement]

    /// The changes an import may make, from the state machine's own table (StateMachine.rules).
    static var legalChanges: (from: [String], to: [String], reason: [String]) {
        var result: (from: [String], to: [String], reason: [String]) = ([], [], [])
        for (from, targets) in StateMachine.rules {
            for (to, reasons) in targets where from != to {
                for reason in importReasons where reasons.contains(reason) {
                    result.from.append(from.rawValue)
                    result.to.append(to.rawValue)
                    result.reason.append(reason.rawValue)
                }
            }
        }
        return result
    }

    /// The one-line reason a status change is refused, naming what an import may do instead.
    static func refusal(from: CampaignStatus, to: CampaignStatus) -> String {
        let allowed = legalChanges
        let targets = zip(allowed.from, zip(allowed.to, allowed.reason)).filter { $0.0 == from.rawValue }
            .map { "\($0.1.0) (\($0.1.1))" }.sorted()
        let options = targets.isEmpty ? "none" : targets.joined(separator: ", ")
        return
            "campaign_status \(from.rawValue) → \(to.rawValue) is not a change an import may make; from \(from.rawValue) it may set: \(options)"
    }

    /// Every line after the first with the same external id leaves the staging table.
    var rejectRepeatedIDs: String {
        """
        WITH firsts AS (SELECT external_id, min(line) AS first FROM contact_import GROUP BY external_id HAVING count(*) > 1)
        DELETE FROM contact_import i USING firsts f WHERE i.external_id = f.external_id AND i.line > f.first
        RETURNING i.line, i.external_id, f.first
        """
    }

    /// The suppressions an import never lifts, with or without a consent source: a complaint
    /// (the person told their mailbox provider this is spam: only the person, through a
    /// `resubscribe` event or `contacts unsuppress`, undoes that) and an erasure (the contact is
    /// an anonymous tombstone; the person comes back as a new contact with a consent source).
    static let permanentSuppressions: [String] = [
        TransitionReason.complaint.rawValue, TransitionReason.forgotten.rawValue,
    ]

    /// Locks, in id order, the existing contacts whose status a line sets (so the status read
    /// here is the one changed below), and removes the lines whose change the state machine
    /// does not allow an import (`legalChanges`), and those that would lift a suppression
    /// without a consent source, or lift one an import never lifts (`permanentSuppressions`).
    /// Why consent: a suppression records that the person does not want mail; lifting it from a
    /// file without saying where consent came from is a silent re-subscription.
    var rejectIllegalStatusChanges: PGQuery {
        let legal = Self.legalChanges
        return """
            WITH current AS (
                SELECT c.external_id, c.campaign_status::text AS status, c.suppression_reason
                FROM \(identifier: contacts) c JOIN contact_import i ON i.external_id = c.external_id
                WHERE i.campaign_status IS NOT NULL ORDER BY c.id FOR UPDATE OF c
            )
            DELETE FROM contact_import i USING current c
            WHERE i.external_id = c.external_id AND i.campaign_status <> c.status
              AND (NOT EXISTS (SELECT 1 FROM unnest(\(bind: legal.from)::text[], \(bind: legal.to)::text[]) AS l(from_status, to_status)
                               WHERE l.from_status = c.status AND l.to_status = i.campaign_status)
                   OR (c.status = 'suppressed' AND (i.consent_source IS NULL
                       OR c.suppression_reason = ANY(\(bind: Self.permanentSuppressions)::text[]))))
            RETURNING i.line, c.status AS from_status, i.campaign_status AS to_status, c.suppression_reason,
                      i.consent_source IS NOT NULL AS consented
            """
    }

    /// The one-line reason a lift of a suppression is refused (see `rejectIllegalStatusChanges`).
    static func liftRefusal(to: CampaignStatus, suppressionReason: String?) -> String {
        let reason = suppressionReason ?? "unrecorded"
        if suppressionReason == TransitionReason.forgotten.rawValue {
            return
                "this contact was forgotten (contacts forget) and is never reinstated; re-add the person as a new contact with a consent_source"
        }
        if permanentSuppressions.contains(reason) {
            return
                "campaign_status suppressed → \(to.rawValue) is refused: a contact suppressed for \(reason) is never "
                + "reinstated by an import (only a resubscribe event or contacts unsuppress with its consent source)"
        }
        return
            "campaign_status suppressed → \(to.rawValue) lifts a suppression (\(reason)) and needs consent_source, saying where the person gave consent again"
    }

    /// Removes the lines that would create a contact for a forgotten person (their external id
    /// or normalised email has a digest in `forgotten_digests`) without a consent source, and
    /// the lines that name a forgotten contact's tombstone (its id always starts `forgotten:`).
    /// Run only when the schema holds a digest or a line names a tombstone
    /// (`rejectForgottenLines`), so an import costs nothing more when nobody was forgotten.
    var rejectForgotten: String {
        let external = ForgottenPeople.digest("i.external_id")
        let email = ForgottenPeople.digest(ForgottenPeople.normalisedEmail("i.email"))
        return """
            DELETE FROM contact_import i
            WHERE (i.external_id LIKE 'forgotten:%'
                   AND EXISTS (SELECT 1 FROM \(contacts) c WHERE c.external_id = i.external_id AND c.suppression_reason = 'forgotten'))
               OR (i.consent_source IS NULL
                   AND NOT EXISTS (SELECT 1 FROM \(contacts) c WHERE c.external_id = i.external_id)
                   AND EXISTS (SELECT 1 FROM \(schema.qualified("forgotten_digests")) d, \(schema.qualified("privacy_secret")) ps
                               WHERE d.digest = \(external) OR (i.email IS NOT NULL AND d.digest = \(email))))
            RETURNING i.line, NOT (i.external_id LIKE 'forgotten:%' AND EXISTS (
                SELECT 1 FROM \(contacts) c WHERE c.external_id = i.external_id AND c.suppression_reason = 'forgotten')) AS person
            """
    }

    /// Whether any person was ever forgotten (and not re-added) in this schema.
    var anyDigests: String { "SELECT EXISTS (SELECT 1 FROM \(schema.qualified("forgotten_digests"))) AS found" }

    /// After the upserts: a line with a consent source that names a forgotten person removes
    /// their digests (the person is back, by their own new consent) and writes the new
    /// contact's `readd` audit row with the source. $1 is who asked ('import', 'identify').
    var readdForgotten: String {
        let external = ForgottenPeople.digest("i.external_id")
        let email = ForgottenPeople.digest(ForgottenPeople.normalisedEmail("i.email"))
        return """
            WITH cleared AS (
                DELETE FROM \(schema.qualified("forgotten_digests")) d USING contact_import i, \(schema.qualified("privacy_secret")) ps
                WHERE i.consent_source IS NOT NULL AND (d.digest = \(external) OR (i.email IS NOT NULL AND d.digest = \(email)))
                RETURNING i.external_id, i.consent_source
            ),
            audited AS (
                INSERT INTO \(schema.qualified("contact_audit")) (contact_id, action, via, detail, at)
                SELECT DISTINCT c.id, 'readd', $1::text, r.consent_source, \(schema.qualified("clock_now"))()
                FROM cleared r JOIN \(contacts) c ON c.external_id = r.external_id
                RETURNING contact_id
            )
            SELECT count(*) AS readded FROM audited
            """
    }

    /// Existing contacts: each given field replaces the stored one (attributes merge key by
    /// key); a status change writes its transition row with the state machine's reason, and a
    /// contact it suppresses has its sends waiting for an attempt cancelled (`SuppressedSends`). An
    /// imported score is the score as of the last engagement, as for a new contact.
    var updateExisting: PGQuery {
        let legal = Self.legalChanges
        return """
            WITH t AS (
                SELECT \(identifier: schema.qualified("clock_now"))() AS now,
                       \(bind: CampaignStatus.suppressed.rawValue)::\(identifier: statusType) AS suppressed
            ),
            legal AS (
                SELECT * FROM unnest(\(bind: legal.from)::text[], \(bind: legal.to)::text[], \(bind: legal.reason)::text[])
                    AS l(from_status, to_status, reason)
            ),
            before AS (
                SELECT c.id, c.campaign_status::text AS status, i.campaign_status AS target, i.consent_source
                FROM \(identifier: contacts) c JOIN contact_import i ON i.external_id = c.external_id
                WHERE i.campaign_status IS NOT NULL AND i.campaign_status <> c.campaign_status::text
            ),
            moved AS (
                INSERT INTO \(identifier: schema.qualified("transitions")) (contact_id, from_status, to_status, reason, detail, at)
                SELECT b.id, b.status::\(identifier: statusType), b.target::\(identifier: statusType), l.reason,
                       CASE WHEN b.status = \(bind: CampaignStatus.suppressed.rawValue) THEN 'consent_source: ' || b.consent_source END, t.now
                FROM before b JOIN legal l ON l.from_status = b.status AND l.to_status = b.target, t
                RETURNING contact_id, to_status
            ),
            cancelled_sends AS (
                \(identifier: SuppressedSends.cancel(
                    sends: schema.qualified("sends"),
                    contactIDs: "(SELECT array_agg(m.contact_id) FROM moved m, t WHERE m.to_status = t.suppressed)::int8[]",
                    now: "(SELECT now FROM t)"))
            ),
            updated AS (
                UPDATE \(identifier: contacts) c SET
                    email = coalesce(i.email, c.email),
                    segment = coalesce(i.segment, c.segment),
                    attributes = c.attributes || coalesce(i.attributes, '{}'),
                    engagement_score = coalesce(i.engagement_score, c.engagement_score),
                    score_as_of = CASE WHEN i.engagement_score IS NULL THEN c.score_as_of END,
                    last_engagement_at = coalesce(to_timestamp(i.last_engagement_at), c.last_engagement_at),
                    reactivation_cycle = coalesce(i.reactivation_cycle, c.reactivation_cycle),
                    campaign_status = coalesce(i.campaign_status::\(identifier: statusType), c.campaign_status),
                    suppression_reason = CASE WHEN i.campaign_status IS NULL OR i.campaign_status = c.campaign_status::text
                                              THEN c.suppression_reason
                                              WHEN i.campaign_status = \(bind: CampaignStatus.suppressed.rawValue)
                                              THEN \(bind: TransitionReason.manualSuppression.rawValue) END,
                    status_changed_at = CASE WHEN i.campaign_status <> c.campaign_status::text THEN t.now ELSE c.status_changed_at END
                FROM contact_import i, t
                WHERE c.external_id = i.external_id
                RETURNING c.id
            )
            SELECT (SELECT count(*) FROM updated) AS updated, (SELECT count(*) FROM moved) AS changed
            """
    }

    /// New contacts, defaults for what is not given. A contact another transaction created
    /// since the update above is updated here the same way (its status is left as it is).
    var insertNew: String {
        """
        WITH t AS (SELECT \(schema.qualified("clock_now"))() AS now),
        upserted AS (
            INSERT INTO \(contacts) AS c (external_id, email, segment, campaign_status, suppression_reason, engagement_score,
                last_engagement_at, reactivation_cycle, attributes, status_changed_at, created_at)
            SELECT i.external_id, i.email, coalesce(i.segment, 'default'), coalesce(i.campaign_status, 'active')::\(statusType),
                   CASE WHEN i.campaign_status = '\(CampaignStatus.suppressed.rawValue)'
                        THEN '\(TransitionReason.manualSuppression.rawValue)' END,
                   coalesce(i.engagement_score, 0), to_timestamp(i.last_engagement_at), coalesce(i.reactivation_cycle, 0),
                   coalesce(i.attributes, '{}'), t.now, t.now
            FROM contact_import i, t
            WHERE NOT EXISTS (SELECT 1 FROM \(contacts) x WHERE x.external_id = i.external_id)
            ORDER BY i.line
            ON CONFLICT (external_id) DO UPDATE SET
                (email, segment, attributes, engagement_score, last_engagement_at, reactivation_cycle) = (
                    SELECT coalesce(i.email, c.email), coalesce(i.segment, c.segment), c.attributes || coalesce(i.attributes, '{}'),
                           coalesce(i.engagement_score, c.engagement_score), coalesce(to_timestamp(i.last_engagement_at), c.last_engagement_at),
                           coalesce(i.reactivation_cycle, c.reactivation_cycle)
                    FROM contact_import i WHERE i.external_id = excluded.external_id)
            RETURNING (xmax = 0) AS inserted
        )
        SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) FILTER (WHERE NOT inserted) AS updated FROM upserted
        """
    }
}
