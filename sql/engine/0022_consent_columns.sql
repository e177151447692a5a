-- engine 0022: the columns consent and tracking share: a bot flag on events, why a contact is suppressed, an audit detail.
--
-- Why one small migration ahead of the consent, privacy, links and webhook files: each of those
-- writes or reads these columns, and they are one model (docs/architecture.md, "Consent").
--
-- engagement_events.bot: a click made by a link scanner (within the policy's window of the
-- delivery, a HEAD request, a known scanner's user agent). Like machine_open it is kept, shown
-- and scored 0: neither can make a contact engaged or count as a conversion.
ALTER TABLE engagement_events ADD COLUMN bot boolean NOT NULL DEFAULT false;

-- contacts.suppression_reason: why a suppressed contact is suppressed (the reason of the
-- transition that suppressed it last: hard_bounce, soft_bounce_limit, complaint, unsubscribed,
-- manual_suppression, reactivation_exhausted, forgotten); NULL for a contact that is not. Kept
-- on the row because what may lift a suppression depends on it (a resubscribe lifts an
-- unsubscribe, never a complaint), and because /metrics counts suppressions by reason.
ALTER TABLE contacts ADD COLUMN suppression_reason text;

-- transitions.detail: the words that go with an audit row and are not a reason code: the
-- administrator's reason for a suppression, the consent source of a resubscribe or an
-- unsuppress.
ALTER TABLE transitions ADD COLUMN detail text;
