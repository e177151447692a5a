-- engine 0028: a small partial index of reinstatements (transitions out of suppressed), read once per batch with bounces.
--
-- Why: soft_bounce_limit counts only the soft bounces since a contact last left `suppressed`
-- (EbbflowEngine/Events/EventSQL.swift, softBounces), so an applier batch with bounces asks,
-- for each of its contacts, when that was. Through transitions_contact (contact_id, id) that
-- reads every transition row of each contact from the heap (measured: 500 contacts, 15 ms
-- against 2 ms before the rule); this index holds only the rare reinstatements and answers
-- by an index-only scan (3 ms). The one-click unsubscribe's count of lifts
-- (Links/LinkEvents.swift) uses the same predicate.
CREATE INDEX transitions_reinstated ON transitions (contact_id, at)
    WHERE from_status = 'suppressed' AND to_status <> 'suppressed';
