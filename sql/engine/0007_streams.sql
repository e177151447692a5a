-- 0011: streams (journeys), stored as validated documents so every worker reads the same ones.
--
-- `definition` is the stream as `ebbflow streams apply` validated it (EbbflowEngine/
-- StreamDefinition.swift, StreamValidation.swift), in JSON whatever the author wrote. `mode`
-- and `priority` are copied out of it because the arbiter filters and orders by them.
-- `version` grows by one each time the definition changes, so memberships and decisions can
-- say which version of a stream they followed.
CREATE TABLE streams (
    name        text PRIMARY KEY,
    mode        text NOT NULL CHECK (mode IN ('open', 'locked')),
    priority    integer CHECK (priority >= 0),
    definition  jsonb NOT NULL,
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
