package execution_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/store/storetest"
	"github.com/firstline/firstline/internal/workflow"
)

// benchMachine has 20 Pass/Choice states, then a Task (a call out, so a
// checkpoint) and 10 more states: 32 transitions, 2 checkpoints.
func benchMachine() string {
	var b strings.Builder
	b.WriteString(`{"StartAt":"S0","States":{`)
	for i := 0; i < 30; i++ {
		next := fmt.Sprintf("S%d", i+1)
		if i == 19 {
			next = "Call"
		}
		if i == 29 {
			fmt.Fprintf(&b, `"S%d":{"Type":"Pass","End":true}`, i)
			break
		}
		if i%2 == 0 {
			fmt.Fprintf(&b, `"S%d":{"Type":"Pass","Parameters":{"n.$":"$.n","i":%d},"Next":"%s"},`, i, i, next)
		} else {
			fmt.Fprintf(&b, `"S%d":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":0,"Next":"%s"}],"Default":"%s"},`, i, next, next)
		}
	}
	b.WriteString(`,"Call":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"Payload.$":"$.n"},"ResultSelector":{"n.$":"$.Payload.echo"},"Next":"S20"}}}`)
	return b.String()
}

// BenchmarkDurableExecutions runs batches of executions through the job
// queue and reports committed state transitions per second, per dialect.
func BenchmarkDurableExecutions(b *testing.B) {
	for _, d := range storetest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			c := &calls{keys: map[string]int{}}
			x := startExecutorB(b, d, c, map[string]string{"bench": benchMachine()})
			ctx := context.Background()
			const perOp = 50
			var transitions int64
			start := time.Now()
			for i := 0; b.Loop(); i++ {
				arns := make([]string, perOp)
				var wg sync.WaitGroup
				for j := range perOp {
					wg.Add(1)
					go func() {
						defer wg.Done()
						s, err := x.Start(ctx, "bench", fmt.Sprintf("b%d-%d", i, j), []byte(`{"n":1}`))
						if err != nil {
							b.Error(err)
							return
						}
						arns[j] = s.ExecutionArn
					}()
				}
				wg.Wait()
				for _, arn := range arns {
					for {
						s, err := x.Describe(ctx, arn)
						require.NoError(b, err)
						if s.Status != workflow.StatusRunning {
							require.Equal(b, workflow.StatusSucceeded, s.Status, s.Cause)
							break
						}
						time.Sleep(2 * time.Millisecond)
					}
				}
				transitions += perOp * 31
			}
			el := time.Since(start).Seconds()
			b.ReportMetric(float64(transitions)/el, "transitions/s")
			b.ReportMetric(float64(b.N*perOp)/el, "executions/s")
		})
	}
}
