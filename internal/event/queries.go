package event

import (
	"strconv"
	"strings"
)

// SQL for the event store, in the subset SQLite and PostgreSQL share.
const (
	qInsertEventPrefix    = `INSERT INTO events (id, source, detail_type, time_us, ingested_us, body) VALUES `
	qInsertResourcePrefix = `INSERT INTO event_resources (event_id, resource) VALUES `
	qGetEvent             = `SELECT body FROM events WHERE id = $1`
	qListEvents           = `SELECT seq, body FROM events`
	qPruneResources       = `DELETE FROM event_resources WHERE event_id IN (SELECT id FROM events WHERE ingested_us < $1 ORDER BY seq LIMIT $2)`
	qPruneEvents          = `DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE ingested_us < $1 ORDER BY seq LIMIT $2)`
	qCountEvents          = `SELECT COUNT(*) FROM events`
)

// valuesList returns "($1,$2),($3,$4)" for rows×cols placeholders.
func valuesList(rows, cols int) string {
	var b strings.Builder
	n := 1
	for r := range rows {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for c := range cols {
			if c > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			n++
		}
		b.WriteByte(')')
	}
	return b.String()
}
