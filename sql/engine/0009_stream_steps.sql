-- 0013: sends made by stream steps say which experiment and variant they belong to, so
-- experiments can count sends and conversions per variant and later sends use the winner.
ALTER TABLE sends ADD COLUMN experiment text, ADD COLUMN variant text;
CREATE INDEX sends_experiment ON sends (experiment, variant) WHERE experiment IS NOT NULL;
