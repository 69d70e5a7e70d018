package event

// SQL for the event store, in the subset SQLite and PostgreSQL share.
const (
	qGetEvent       = `SELECT body FROM events WHERE id = $1`
	qGetStored      = `SELECT body, ingested_us FROM events WHERE id = $1`
	qListEvents     = `SELECT seq, body FROM events`
	qPruneResources = `DELETE FROM event_resources WHERE event_id IN (SELECT id FROM events WHERE ingested_us < $1 ORDER BY seq LIMIT $2)`
	qPruneEvents    = `DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE ingested_us < $1 ORDER BY seq LIMIT $2)`
	qCountEvents    = `SELECT COUNT(*) FROM events`
	qScan           = `SELECT seq, id, body FROM events WHERE time_us >= $1 AND time_us < $2 AND seq > $3 ORDER BY seq LIMIT $4`
)
