-- +goose Up
CREATE TABLE replays (
    name        TEXT    PRIMARY KEY,
    rule        TEXT    NOT NULL,
    start_us    INTEGER NOT NULL,
    end_us      INTEGER NOT NULL,
    state       TEXT    NOT NULL,
    last_seq    INTEGER NOT NULL,
    replayed    INTEGER NOT NULL,
    deliveries  INTEGER NOT NULL,
    created_us  INTEGER NOT NULL,
    updated_us  INTEGER NOT NULL
);

-- +goose Down
DROP TABLE replays;
