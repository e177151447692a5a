// `contacts forget`: the erasure of one person in one transaction, keeping only anonymous figures and keyed digests.
import EbbflowCore
import EbbflowQueue
import Foundation
import PostgresClient

/// What an erasure did.
public enum ForgetOutcome: Sendable, Equatable {
    /// Erased now: the contact is the anonymous `tombstone`, suppressed as `forgotten`.
    case forgotten(tombstone: String, fromStatus: CampaignStatus, eventsKept: Int, jobsCancelled: Int)
    /// This person (by external id, or the tombstone itself) was forgotten before: nothing done.
    case alreadyForgotten
    /// No contact has that external id, and no forgotten person had it.
    case notFound
}

/// Why a tombstone and not a DELETE: the audience snapshots count contacts by segment and
/// status, experiment statistics count sends and the opens, clicks and reactivations that
/// followed them per contact, and `stream_outcomes` holds its own counters. Deleting the
/// contact, its events and sends would change every one of those figures after the fact. So
/// the contact row stays under an opaque id (`forgotten:<uuid>`), suppressed as `forgotten`,
/// with its events and sends: each keeps only what the figures read (kind, times, flags,
/// points, flow, step, template, variant, the links between them), and everything that could
/// name or describe the person is removed (email, external id, attributes, URLs, properties,
/// provider ids and payloads, send variables, consent details, identify messages). See
/// docs/architecture.md ("Privacy requests").
public struct ContactForgetting: Sendable {
    let schema: SchemaName
    let sql: PrivacySQL

    public init(schema: SchemaName) {
        self.schema = schema
        sql = PrivacySQL(schema: schema)
    }

    /// What a forgotten person's delivery errors say instead of the relay's reply.
    static let forgottenError = "(removed: the contact was forgotten)"

    /// The kinds of job that are about one contact: all cancelled, since a forgotten contact
    /// must receive nothing.
    static var contactJobKinds: [any JobKind.Type] {
        [FlowStepJob.self, FlowWaitEndJob.self, ReactivationStepJob.self, StreamStepJob.self]
    }

    /// Forgets the contact `externalID` (or recognises one forgotten before), in one
    /// transaction, the contact locked. `via` says who asked ('cli', 'api').
    public func forget(externalID: String, via: String, on connection: PGConnection) async throws -> ForgetOutcome {
        try await connection.withTransaction(.retrying()) { [self] connection in
            try forget(externalID: externalID, via: via, in: connection)
        }
    }

    func forget(externalID: String, via: String, in connection: isolated PGConnection) throws -> ForgetOutcome {
        guard let row = try connection.query(sql.lockContact(externalID)).first else {
            let known = try connection.query(sql.isForgotten, [externalID]).first!.decode("forgotten", as: Bool.self)
            return known ? .alreadyForgotten : .notFound
        }
        let id: Int64 = try row.decode("id")
        if try row.decode("suppression_reason", as: String?.self) == TransitionReason.forgotten.rawValue {
            return .alreadyForgotten
        }
        let email: String? = try row.decode("email")
        let from = CampaignStatus(rawValue: try row.decode("status")) ?? .active
        do throws(IllegalTransition) {
            try StateMachine.check(from: from, to: .suppressed, reason: .forgotten)
        } catch {
            throw error
        }
        let now = try DatabaseClock(schema: schema).now(on: connection)
        let tombstone = ForgottenPeople.tombstonePrefix + UUID().uuidString.lowercased()
        let t = sql.table
        try connection.execute(sql.keepDigests, [externalID, email])
        try connection.execute(
            """
            INSERT INTO \(identifier: t("transitions")) (contact_id, from_status, to_status, reason, at)
            VALUES (\(bind: id), \(bind: from.rawValue)::\(identifier: t("campaign_status")),
                    \(bind: CampaignStatus.suppressed.rawValue)::\(identifier: t("campaign_status")),
                    \(bind: TransitionReason.forgotten.rawValue), \(bind: now))
            """)
        try connection.execute(
            """
            UPDATE \(identifier: t("contacts")) SET external_id = \(bind: tombstone), email = NULL, attributes = '{}',
                campaign_status = \(bind: CampaignStatus.suppressed.rawValue)::\(identifier: t("campaign_status")),
                suppression_reason = \(bind: TransitionReason.forgotten.rawValue),
                status_changed_at = CASE WHEN campaign_status <> \(bind: CampaignStatus.suppressed.rawValue)::\(identifier: t("campaign_status"))
                                         THEN \(bind: now) ELSE status_changed_at END
            WHERE id = \(bind: id)
            """)
        // Consent sources and other free text written beside earlier status changes.
        try connection.execute(
            "UPDATE \(identifier: t("transitions")) SET detail = NULL WHERE contact_id = \(bind: id) AND detail IS NOT NULL"
        )
        let eventsKept = try connection.execute(
            """
            UPDATE \(identifier: t("engagement_events")) SET external_id = \(bind: tombstone), url = NULL, properties = '{}',
                provider_event_id = NULL, idempotency_key = NULL
            WHERE contact_id = \(bind: id)
            """)
        // Events that named the person before the contact existed were never applied: no
        // figure counts them, so they go.
        try connection.execute(
            """
            DELETE FROM \(identifier: t("engagement_events")) WHERE contact_id IS NULL AND external_id = \(bind: externalID)
            """)
        // Its sends stay (the figures count them); those still waiting for an attempt are
        // cancelled as for any suppression (`SuppressedSends`). Relays' replies quote the address
        // ("550 5.1.1 <ann@example.com>: no such user"): the errors' text goes, their attempt,
        // time and permanence stay (delivery figures).
        try SuppressedSends(schema: schema).cancel([id], now: now, on: connection)
        try connection.execute(
            """
            UPDATE \(identifier: t("sends")) SET variables = '{}',
                last_error = CASE WHEN last_error IS NOT NULL THEN \(bind: Self.forgottenError) END
            WHERE contact_id = \(bind: id)
            """)
        try connection.execute(
            """
            UPDATE \(identifier: t("send_errors")) e SET error = \(bind: Self.forgottenError)
            FROM \(identifier: t("sends")) s WHERE s.contact_id = \(bind: id) AND e.send_id = s.id
            """)
        // The links recorded for its sends: a URL may carry the person (a personalised query);
        // a later click on one answers 404, as for any link no longer recorded.
        try connection.execute(
            """
            DELETE FROM \(identifier: t("tracked_links")) l USING \(identifier: t("sends")) s
            WHERE s.contact_id = \(bind: id) AND l.send_id = s.id
            """)
        // Provider events no send matched but kept with the person's address: the address,
        // URL and properties go, the event stays (an operator's record of what arrived).
        if let email {
            try connection.execute(
                """
                UPDATE \(identifier: t("unmatched_provider_events")) SET email = NULL, url = NULL, properties = '{}',
                    reason = 'the address was a forgotten person''s (contacts forget)'
                WHERE lower(email) = lower(\(bind: email))
                """)
        }
        try connection.execute(
            "DELETE FROM \(identifier: t("ingest_identify_messages")) WHERE external_id = \(bind: externalID)")
        let cancelled = try JobStore(schema: schema).cancelPending(
            kinds: Self.contactJobKinds, subjects: [ContactJobs.subject(id)], now: now,
            reason: "contact forgotten: it must receive nothing", on: connection)
        try connection.execute(sql.audit(contact: id, action: "forget", via: via, detail: nil, at: now))
        return .forgotten(tombstone: tombstone, fromStatus: from, eventsKept: eventsKept, jobsCancelled: cancelled)
    }
}
