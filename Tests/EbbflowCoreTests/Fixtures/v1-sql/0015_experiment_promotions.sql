-- 0015: an experiment's winner, once promoted, with the evidence it was promoted on. Later
-- sends of the step use the winner's template (EbbflowEngine/StreamSteps.swift).
CREATE TABLE experiment_promotions (
    experiment  text PRIMARY KEY,
    variant     text NOT NULL,
    template    text NOT NULL,
    automatic   boolean NOT NULL,
    evidence    jsonb NOT NULL,
    promoted_at timestamptz NOT NULL
);
