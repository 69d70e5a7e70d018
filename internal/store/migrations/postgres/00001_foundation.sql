-- +goose Up
CREATE TABLE events (
    seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id           TEXT    NOT NULL UNIQUE,
    source       TEXT    NOT NULL,
    detail_type  TEXT    NOT NULL,
    time_us      BIGINT  NOT NULL,
    ingested_us  BIGINT  NOT NULL,
    body         TEXT    NOT NULL
);
CREATE INDEX events_source_seq ON events (source, seq);
CREATE INDEX events_detail_type_seq ON events (detail_type, seq);
CREATE INDEX events_time ON events (time_us);
CREATE INDEX events_ingested ON events (ingested_us);

CREATE TABLE event_resources (
    event_id TEXT NOT NULL,
    resource TEXT NOT NULL,
    PRIMARY KEY (resource, event_id)
);
CREATE INDEX event_resources_event ON event_resources (event_id);

CREATE TABLE api_tokens (
    id          TEXT    PRIMARY KEY,
    name        TEXT    NOT NULL,
    role        TEXT    NOT NULL,
    hash        TEXT    NOT NULL UNIQUE,
    created_us  BIGINT  NOT NULL,
    created_by  TEXT    NOT NULL,
    revoked_us  BIGINT
);
CREATE UNIQUE INDEX api_tokens_active_name ON api_tokens (name) WHERE revoked_us IS NULL;

CREATE TABLE audit_log (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    time_us     BIGINT  NOT NULL,
    token_id    TEXT    NOT NULL,
    token_name  TEXT    NOT NULL,
    role        TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    resource    TEXT    NOT NULL,
    outcome     TEXT    NOT NULL,
    status      BIGINT  NOT NULL,
    request_id  TEXT    NOT NULL,
    detail      TEXT    NOT NULL
);
CREATE INDEX audit_log_time ON audit_log (time_us);

-- +goose Down
DROP TABLE audit_log;
DROP TABLE api_tokens;
DROP TABLE event_resources;
DROP TABLE events;
