package store

import (
	"strconv"
	"strings"
)

// maxInsertParams bounds the placeholders of one INSERT statement, below
// SQLite's 32766 and PostgreSQL's 65535.
const maxInsertParams = 30000

// rows collects the rows queued with Tx.Insert.
type rows struct {
	tables []*tableRows
}

type tableRows struct {
	table string
	cols  []string
	vals  []any
}

type statement struct {
	query string
	args  []any
}

// Insert queues one row; see Tx.Insert.
func (r *rows) Insert(table string, cols []string, values ...any) {
	if len(values) != len(cols) {
		panic("store: Insert into " + table + ": " + strconv.Itoa(len(values)) + " values for " + strconv.Itoa(len(cols)) + " columns")
	}
	for _, t := range r.tables {
		if t.table == table && equalCols(t.cols, cols) {
			t.vals = append(t.vals, values...)
			return
		}
	}
	r.tables = append(r.tables, &tableRows{table: table, cols: cols, vals: append([]any(nil), values...)})
}

func equalCols(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// statements returns the multi-row INSERTs for the queued rows and forgets
// them.
func (r *rows) statements() []statement {
	var out []statement
	for _, t := range r.tables {
		n := len(t.cols)
		perStmt := max(1, maxInsertParams/n)
		prefix := "INSERT INTO " + t.table + " (" + strings.Join(t.cols, ", ") + ") VALUES "
		for start := 0; start < len(t.vals); start += perStmt * n {
			end := min(len(t.vals), start+perStmt*n)
			out = append(out, statement{prefix + valuesList((end-start)/n, n), t.vals[start:end]})
		}
	}
	r.tables = nil
	return out
}

// valuesList returns "($1,$2),($3,$4)" for rows×cols placeholders.
func valuesList(rows, cols int) string {
	var b strings.Builder
	b.Grow(rows * cols * 5)
	p := 1
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
			b.WriteString(strconv.Itoa(p))
			p++
		}
		b.WriteByte(')')
	}
	return b.String()
}
