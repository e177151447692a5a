-- 0016: what a send's template is filled with, and its format. Reactivation emails carry the
-- contact's last known activity (last engagement kind, URL, date) so their copy can say "you
-- looked at …"; the policy may alternate plain text and HTML between email 1 and email 2.
ALTER TABLE sends ADD COLUMN variables jsonb NOT NULL DEFAULT '{}',
                  ADD COLUMN format text NOT NULL DEFAULT 'html' CHECK (format IN ('html', 'plain'));
