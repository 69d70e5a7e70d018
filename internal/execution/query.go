package execution

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/firstline/firstline/internal/store"
)

// describe reads one execution (DescribeExecution) through q.
func (x *Executor) describe(ctx context.Context, q store.Querier, arn string) (*Summary, error) {
	var s Summary
	var input string
	var output *string
	var start int64
	var stop *int64
	err := q.QueryRow(ctx, `SELECT arn, state_machine, name, status, input, output, error, cause, start_us, stop_us FROM executions WHERE arn = $1`, arn).
		Scan(&s.ExecutionArn, &s.StateMachine, &s.Name, &s.Status, &input, &output, &s.Error, &s.Cause, &start, &stop)
	if err != nil {
		return nil, err
	}
	s.Input = json.RawMessage(input)
	if output != nil {
		s.Output = json.RawMessage(*output)
	}
	s.StateMachineArn = x.StateMachineARN(s.StateMachine)
	s.StartDate = time.UnixMicro(start).UTC()
	if stop != nil {
		t := time.UnixMicro(*stop).UTC()
		s.StopDate = &t
	}
	return &s, nil
}

// Describe returns one execution by ARN; store.ErrNotFound when there is
// none.
func (x *Executor) Describe(ctx context.Context, arn string) (*Summary, error) {
	return x.describe(ctx, x.DB, arn)
}

// ListFilter selects executions for List (ListExecutions): of one state
// machine (or all), with one status (or any), started at or after Since;
// newest first, at most Limit (default 100, at most 1000), after the
// position NextToken of a previous page.
type ListFilter struct {
	StateMachine string
	Status       string
	Since        time.Time
	Limit        int
	NextToken    string
}

// List returns executions newest first, without input and output, and the
// token of the next page ("" at the end).
func (x *Executor) List(ctx context.Context, f ListFilter) ([]*Summary, string, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	if limit > 1000 {
		limit = 1000
	}
	q := `SELECT arn, state_machine, name, status, error, cause, start_us, stop_us FROM executions WHERE 1=1`
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		q += fmt.Sprintf(" AND "+cond, len(args))
	}
	if f.StateMachine != "" {
		add("state_machine = $%d", f.StateMachine)
	}
	if f.Status != "" {
		add("status = $%d", f.Status)
	}
	if !f.Since.IsZero() {
		add("start_us >= $%d", f.Since.UnixMicro())
	}
	if f.NextToken != "" {
		us, arn, ok := cutToken(f.NextToken)
		if !ok {
			return nil, "", fmt.Errorf("invalid next token")
		}
		args = append(args, us, arn)
		q += fmt.Sprintf(" AND (start_us < $%d OR (start_us = $%d AND arn < $%d))", len(args)-1, len(args)-1, len(args))
	}
	args = append(args, limit+1)
	q += fmt.Sprintf(" ORDER BY start_us DESC, arn DESC LIMIT $%d", len(args))
	rows, err := x.DB.Query(ctx, q, args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var out []*Summary
	for rows.Next() {
		var s Summary
		var start int64
		var stop *int64
		if err := rows.Scan(&s.ExecutionArn, &s.StateMachine, &s.Name, &s.Status, &s.Error, &s.Cause, &start, &stop); err != nil {
			return nil, "", err
		}
		s.StateMachineArn = x.StateMachineARN(s.StateMachine)
		s.StartDate = time.UnixMicro(start).UTC()
		if stop != nil {
			t := time.UnixMicro(*stop).UTC()
			s.StopDate = &t
		}
		out = append(out, &s)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[len(out)-1]
		next = strconv.FormatInt(last.StartDate.UnixMicro(), 10) + "_" + last.ExecutionArn
	}
	return out, next, nil
}

func cutToken(t string) (int64, string, bool) {
	for i := 0; i < len(t); i++ {
		if t[i] == '_' {
			us, err := strconv.ParseInt(t[:i], 10, 64)
			return us, t[i+1:], err == nil
		}
	}
	return 0, "", false
}

// History returns an execution's history events in order (or newest
// first with reverse), at most limit (default 100, at most 1000) after
// event id after (0 for the start; with reverse, before it).
func (x *Executor) History(ctx context.Context, arn string, reverse bool, after int64, limit int) ([]json.RawMessage, int64, error) {
	if _, err := x.describe(ctx, x.DB, arn); err != nil {
		return nil, 0, err
	}
	if limit <= 0 {
		limit = 100
	}
	if limit > 1000 {
		limit = 1000
	}
	q := `SELECT id, body FROM execution_events WHERE execution = $1 AND id > $2 ORDER BY id LIMIT $3`
	if reverse {
		if after <= 0 {
			after = 1 << 62
		}
		q = `SELECT id, body FROM execution_events WHERE execution = $1 AND id < $2 ORDER BY id DESC LIMIT $3`
	}
	rows, err := x.DB.Query(ctx, q, arn, after, limit+1)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []json.RawMessage
	var ids []int64
	for rows.Next() {
		var id int64
		var body string
		if err := rows.Scan(&id, &body); err != nil {
			return nil, 0, err
		}
		out = append(out, json.RawMessage(body))
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	var next int64
	if len(out) > limit {
		out = out[:limit]
		next = ids[limit-1]
	}
	return out, next, nil
}
