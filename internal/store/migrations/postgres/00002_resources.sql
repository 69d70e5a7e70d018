-- +goose Up
CREATE TABLE resources (
    kind        TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    spec        TEXT    NOT NULL,
    version     BIGINT  NOT NULL,
    updated_us  BIGINT  NOT NULL,
    PRIMARY KEY (kind, name)
);

-- One row: bumped by every change to resources, so replicas notice.
CREATE TABLE resource_generation (
    id  BIGINT PRIMARY KEY,
    gen BIGINT NOT NULL
);
INSERT INTO resource_generation (id, gen) VALUES (1, 0);

CREATE TABLE dead_letters (
    seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id     TEXT    NOT NULL,
    rule         TEXT    NOT NULL,
    target_id    TEXT    NOT NULL,
    replay_name  TEXT    NOT NULL,
    attempts     BIGINT  NOT NULL,
    reason       TEXT    NOT NULL,
    status       BIGINT  NOT NULL,
    response     TEXT    NOT NULL,
    created_us   BIGINT  NOT NULL,
    redriven_us  BIGINT
);
CREATE INDEX dead_letters_rule ON dead_letters (rule, seq);

-- +goose Down
DROP TABLE dead_letters;
DROP TABLE resource_generation;
DROP TABLE resources;
