package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Write is one unit of work for a Committer: it runs inside a transaction
// shared with other writes and must only use tx and its own data. It may run
// twice (once in a batch that then fails, once alone), so it must not have
// effects outside tx.
type Write func(ctx context.Context, tx Tx) error

// CommitterConfig configures a Committer.
type CommitterConfig struct {
	// MaxBatch bounds the writes committed in one transaction (default 256).
	MaxBatch int
	// Queue bounds writes waiting for a transaction (default 4096); Submit
	// blocks (backpressure) when it is full.
	Queue int
	// OnBatch, if set, is called with the size of every committed batch.
	OnBatch func(n int)
	// Workers is the number of transactions in flight at once: 1 on SQLite
	// (one writer), default 4 on PostgreSQL, where concurrent commits share
	// WAL flushes and overlap network round trips.
	Workers int
}

// Committer performs group commit: writes submitted concurrently are
// committed together in one transaction by one of Workers goroutines. While a
// transaction commits, new writes queue and form the next batch, so under
// load the batch grows and the cost of a commit is shared; alone, a write is
// committed at once (no added delay).
type Committer struct {
	s    *Store
	cfg  CommitterConfig
	reqs chan *commitReq

	mu      sync.Mutex
	closed  bool
	stopped chan struct{}
}

type commitReq struct {
	ctx  context.Context
	w    Write
	done chan error
}

// NewCommitter starts a committer on s. Call Close to drain and stop it.
func NewCommitter(s *Store, cfg CommitterConfig) *Committer {
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = 256
	}
	if cfg.Queue <= 0 {
		cfg.Queue = 4096
	}
	if s.Dialect() == SQLite {
		cfg.Workers = 1
	} else if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	c := &Committer{s: s, cfg: cfg, reqs: make(chan *commitReq, cfg.Queue), stopped: make(chan struct{})}
	var wg sync.WaitGroup
	for range cfg.Workers {
		wg.Go(c.loop)
	}
	go func() {
		wg.Wait()
		close(c.stopped)
	}()
	return c
}

// ErrCommitterClosed is returned by Submit after Close.
var ErrCommitterClosed = errors.New("committer closed")

// Submit queues w and waits until the transaction holding it committed (nil)
// or rolled back (the error); an error wrapping ErrOutcomeUnknown means the
// commit may or may not have taken effect. If ctx ends first, Submit returns ctx's error
// but w may still commit: the outcome is then unknown to the caller.
func (c *Committer) Submit(ctx context.Context, w Write) error {
	req := &commitReq{ctx: context.WithoutCancel(ctx), w: w, done: make(chan error, 1)}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return ErrCommitterClosed
	}
	select {
	case c.reqs <- req:
	case <-ctx.Done():
		c.mu.Unlock()
		return context.Cause(ctx)
	}
	c.mu.Unlock()
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// Close stops accepting writes, commits every write already queued, and
// returns when the last one is done.
func (c *Committer) Close() {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.reqs)
	}
	c.mu.Unlock()
	<-c.stopped
}

func (c *Committer) loop() {
	batch := make([]*commitReq, 0, c.cfg.MaxBatch)
	for first := range c.reqs {
		batch = append(batch[:0], first)
	fill:
		for len(batch) < c.cfg.MaxBatch {
			select {
			case r, ok := <-c.reqs:
				if !ok {
					break fill
				}
				batch = append(batch, r)
			default:
				break fill
			}
		}
		c.commit(batch)
	}
}

func (c *Committer) commit(batch []*commitReq) {
	ctx := batch[0].ctx
	err := c.s.InTx(ctx, func(ctx context.Context, tx Tx) error {
		for i, r := range batch {
			if err := r.w(r.ctx, tx); err != nil {
				return &batchError{index: i, err: err}
			}
		}
		return nil
	})
	if err == nil {
		if c.cfg.OnBatch != nil {
			c.cfg.OnBatch(len(batch))
		}
		for _, r := range batch {
			r.done <- nil
		}
		return
	}
	if len(batch) == 1 || errors.Is(err, ErrOutcomeUnknown) {
		// Alone, or possibly committed: retrying could store a write twice
		// or report a stored write as failed.
		var be *batchError
		if errors.As(err, &be) {
			err = be.err
		}
		for _, r := range batch {
			r.done <- err
		}
		return
	}
	// Isolate the failure: commit every write alone.
	for _, r := range batch {
		c.commit([]*commitReq{r})
	}
}

type batchError struct {
	index int
	err   error
}

func (e *batchError) Error() string { return fmt.Sprintf("write %d of batch: %v", e.index, e.err) }
func (e *batchError) Unwrap() error { return e.err }
