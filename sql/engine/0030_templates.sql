-- engine 0030: message templates, versioned like streams; a send names the version it was decided with.
--
-- `definition` is the template as `ebbflow templates apply` validated it (EbbflowEngine/
-- Templates/TemplateDefinition.swift): name, subject, html and/or text, from, reply_to, in JSON.
-- `version` grows by one each time the definition changes (an unchanged apply writes nothing),
-- and every version is kept in `template_versions`, because a send keeps the version it was
-- decided with (`sends.template_version`, engine 0029): a template edited while sends wait in
-- the outbox, or between a failed attempt and its retry, does not change what those sends say.
-- A template's versions go with it when it is deleted.
CREATE TABLE templates (
    name        text PRIMARY KEY,
    definition  jsonb NOT NULL,
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);

CREATE TABLE template_versions (
    template    text NOT NULL REFERENCES templates (name) ON DELETE CASCADE,
    version     integer NOT NULL,
    definition  jsonb NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (template, version)
);
