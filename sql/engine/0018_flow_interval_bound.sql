-- 0023: a flow's interval is bounded in the table too, as InputBounds bounds it at input
-- (ten years, Sources/EbbflowCore/InputBounds.swift). Why: each step runs at now + every_seconds;
-- a flow stored with 99999999999 days (accepted before the bound) crashed every worker that
-- claimed its steps. Such a flow is brought to the bound (it sends again in ten years, in
-- effect never), and the CHECK keeps any writer from storing a larger one.
UPDATE flows SET every_seconds = 3650 * 86400 WHERE every_seconds > 3650 * 86400;
ALTER TABLE flows ADD CONSTRAINT flows_every_seconds_bound CHECK (every_seconds <= 3650 * 86400);
