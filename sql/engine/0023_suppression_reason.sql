-- engine 0023: contacts.suppression_reason stays true (cleared whenever a contact leaves suppressed), backfilled, indexed for /metrics.
--
-- Why a trigger: a resubscribe, an administrator's unsuppress, a contact import's reinstatement
-- and any later writer all move contacts out of `suppressed`; each would have to remember to
-- clear the reason, and one that forgot would leave a reason on an active contact, which the
-- rules of consent read (a resubscribe lifts only `unsubscribed`) and /metrics counts. As with
-- sql/engine/0019's channel rule, the rule lives where every writer passes: a contact that is
-- not suppressed has no suppression reason. Writers that suppress set the reason themselves
-- (the event's or the administrator's, the strongest kept: docs/architecture.md, "Consent").
CREATE FUNCTION suppression_reason_follows_status() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    NEW.suppression_reason := NULL;
    RETURN NEW;
END
$$;

CREATE TRIGGER contacts_suppression_reason_follows_status
    BEFORE INSERT OR UPDATE ON contacts
    FOR EACH ROW
    WHEN (NEW.campaign_status <> 'suppressed' AND NEW.suppression_reason IS NOT NULL)
    EXECUTE FUNCTION suppression_reason_follows_status();

-- Contacts suppressed before the column existed: the reason of the transition that suppressed
-- them last (reactivation_exhausted, manual_suppression, or an import's reason), so none is
-- counted as unknown.
WITH last AS (
    SELECT DISTINCT ON (t.contact_id) t.contact_id, t.reason
    FROM transitions t JOIN contacts c ON c.id = t.contact_id
    WHERE c.campaign_status = 'suppressed' AND c.suppression_reason IS NULL AND t.to_status = 'suppressed'
    ORDER BY t.contact_id, t.at DESC, t.id DESC
)
UPDATE contacts c SET suppression_reason = last.reason FROM last WHERE c.id = last.contact_id;

-- /metrics counts suppressed contacts by reason (ebbflow_suppressed_contacts): one grouped
-- query, answered from this small partial index alone (an index-only scan of the suppressed).
CREATE INDEX contacts_suppression_reason ON contacts (suppression_reason) WHERE campaign_status = 'suppressed';
