-- 0019: every version of a stream's definition is kept, and a membership says which version
-- it follows. Why: a step job only knows its step's index, so after an edit that adds, removes
-- or reorders steps a contact mid-journey would run whichever step now has that index. A
-- contact finishes the steps of the version it entered; new entrants get the new version.
-- Entry, exits, mode and priority are read from the current version, so an edited exit or a
-- stream newly locked takes effect at once (EbbflowEngine/StreamSteps.swift, StreamRuntime.swift).
-- A stream's versions go with it when it is deleted.
CREATE TABLE stream_versions (
    stream      text NOT NULL REFERENCES streams (name) ON DELETE CASCADE,
    version     integer NOT NULL,
    definition  jsonb NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (stream, version)
);
INSERT INTO stream_versions (stream, version, definition, created_at) SELECT name, version, definition, updated_at FROM streams;

ALTER TABLE stream_memberships ADD COLUMN version integer;
UPDATE stream_memberships m SET version = s.version FROM streams s WHERE s.name = m.stream;
ALTER TABLE stream_memberships ALTER COLUMN version SET NOT NULL;
