-- 0026: a contact that becomes active or reactivated again is on email again.
--
-- The channel an exhausted reactivation cycle moves a contact to (moved_to_channel) belongs to
-- that inactive spell. Before, only an engagement on the alternative channel (returned_to_email)
-- put it back on email; a suppressed contact reinstated by a contact import
-- (manual_reinstatement) kept `channel` as it was and stayed active on ads, skipped by every
-- flow and stream for good. The rule (StateMachine.channel(entering:)) is kept here, in the one
-- place every writer of campaign_status passes: whatever statement changes a contact's status
-- into active or reactivated also returns its channel to email. The writer's transition row
-- (manual_reinstatement, returned_to_email, ...) is the audit of that change.
CREATE FUNCTION channel_follows_status() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    NEW.channel := 'email';
    RETURN NEW;
END
$$;

CREATE TRIGGER contacts_channel_follows_status
    BEFORE UPDATE OF campaign_status ON contacts
    FOR EACH ROW
    WHEN (NEW.campaign_status IS DISTINCT FROM OLD.campaign_status
          AND NEW.campaign_status IN ('active', 'reactivated')
          AND NEW.channel IS DISTINCT FROM 'email')
    EXECUTE FUNCTION channel_follows_status();
