-- +goose Up
CREATE TABLE replays (
    name        TEXT    PRIMARY KEY,
    rule        TEXT    NOT NULL,
    start_us    BIGINT  NOT NULL,
    end_us      BIGINT  NOT NULL,
    state       TEXT    NOT NULL,
    last_seq    BIGINT  NOT NULL,
    replayed    BIGINT  NOT NULL,
    deliveries  BIGINT  NOT NULL,
    created_us  BIGINT  NOT NULL,
    updated_us  BIGINT  NOT NULL
);

-- +goose Down
DROP TABLE replays;
