-- +goose Up
CREATE TABLE executions (
    arn            TEXT    PRIMARY KEY,
    state_machine  TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    definition     TEXT    NOT NULL,
    status         TEXT    NOT NULL,
    input          TEXT    NOT NULL,
    output         TEXT,
    error          TEXT    NOT NULL DEFAULT '',
    cause          TEXT    NOT NULL DEFAULT '',
    start_us       BIGINT  NOT NULL,
    stop_us        BIGINT ,
    checkpoint     TEXT    NOT NULL,
    events         BIGINT  NOT NULL DEFAULT 0,
    parent         TEXT,
    UNIQUE (state_machine, name)
);
CREATE INDEX executions_machine_start ON executions (state_machine, start_us DESC);
CREATE INDEX executions_start ON executions (start_us DESC);

CREATE TABLE execution_events (
    execution  TEXT    NOT NULL,
    id         BIGINT  NOT NULL,
    body       TEXT    NOT NULL,
    PRIMARY KEY (execution, id)
);

-- Task tokens of .waitForTaskToken tasks waiting for SendTaskSuccess,
-- SendTaskFailure or SendTaskHeartbeat.
CREATE TABLE task_tokens (
    token         TEXT    PRIMARY KEY,
    execution     TEXT    NOT NULL,
    request       TEXT    NOT NULL,
    heartbeat_us  BIGINT  NOT NULL
);
CREATE INDEX task_tokens_execution ON task_tokens (execution);

-- +goose Down
DROP TABLE task_tokens;
DROP TABLE execution_events;
DROP TABLE executions;
