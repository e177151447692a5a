-- 0022: events another system inserts are applied at once, and an event that cannot be scored
-- is kept, rejected with its reason, instead of counting for 0 points.
--
-- applied_at now means "settled": the applier has dealt with the event, once. A settled event
-- with a rejection was not applied (points stays NULL): its kind is unknown to the policy, or
-- it is dated more than the policy's max_future_skew ahead of the clock (EventApplier.swift).
-- `ebbflow events rejected` lists them.
ALTER TABLE engagement_events ADD COLUMN rejection text;

CREATE INDEX engagement_events_rejected ON engagement_events (id) WHERE rejection IS NOT NULL;

-- A row inserted with only external_id is linked to its contact as it is inserted, so the
-- statement trigger of 0008 makes its `apply_events` job (and NOTIFYs the workers) in the
-- inserting transaction, like an import's rows; it no longer waits for the minute poller.
-- The WHEN clause keeps the function out of inserts that name the contact (imports do).
CREATE FUNCTION link_event_contact() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    SELECT c.id INTO NEW.contact_id FROM contacts c WHERE c.external_id = NEW.external_id;
    RETURN NEW;
END $$;

CREATE TRIGGER engagement_events_link BEFORE INSERT ON engagement_events
    FOR EACH ROW WHEN (NEW.contact_id IS NULL) EXECUTE FUNCTION link_event_contact();

-- Contacts an event from the future left dated after the clock (their score frozen until that
-- date) come back to the clock; from now on the applier never moves a date past it.
UPDATE contacts SET last_engagement_at = clock_now() WHERE last_engagement_at > clock_now();
UPDATE contacts SET score_as_of = clock_now() WHERE score_as_of > clock_now();
