package urgency

import (
	"context"
	"sync"
)

// WithStore makes a queue keep its open tickets in st, shared with the
// queues of other replicas given the same store: Add and Remove change
// the store, and every read (Ranked, Clusters, Similar, Explain, Len)
// first applies the changes made since the queue last read it, by any
// replica, so a read right after another replica's Add returned sees the
// ticket. The queue derives its clusters from the open tickets as a queue
// without a store does, so replicas with the same engine return the same.
//
// The queue also applies changes when the store tells of them, ahead of
// the next read; [Queue.Close] stops that. A read whose store fails
// returns what the queue last read, and keeps the error for [Queue.Err];
// [Queue.AddContext], [Queue.RemoveContext] and [Queue.Refresh] return
// their errors.
func WithStore(st Store) QueueOption {
	return func(q *Queue) { q.store = st }
}

// AddContext is [Queue.Add] with an error: that of the store, for a queue
// made [WithStore]. When it returns nil the tickets are in the store;
// after an error, some or all of them may be, and AddContext may be
// called again with the same tickets.
func (q *Queue) AddContext(ctx context.Context, tickets ...Ticket) error {
	if q.store == nil {
		q.Add(tickets...)
		return nil
	}
	return q.store.Put(ctx, tickets)
}

// RemoveContext is [Queue.Remove] with an error: that of the store, for a
// queue made [WithStore]. It reports whether the ticket was in the store;
// after an error, the ticket may or may not have been removed.
func (q *Queue) RemoveContext(ctx context.Context, id string) (bool, error) {
	if q.store == nil {
		return q.Remove(id), nil
	}
	return q.store.Delete(ctx, id)
}

// Refresh applies the changes of the queue's store since the queue last
// read it; every read does it first. A queue without a store has nothing
// to refresh.
func (q *Queue) Refresh(ctx context.Context) error {
	if q.store == nil {
		return nil
	}
	q.refreshMu.Lock()
	defer q.refreshMu.Unlock()
	q.mu.Lock()
	since := q.version
	q.mu.Unlock()
	ch, err := q.store.Changes(ctx, since)
	if err != nil {
		return err
	}
	// A sequence number names a change only within its epoch: the
	// tickets of another are all read anew.
	sameEpoch := ch.Version.Epoch == since.Epoch
	// Only refresh changes byID, and refreshMu is held: what it holds now
	// is what it holds when the changes are applied below.
	q.mu.Lock()
	fresh := make([]*entry, len(ch.Changes)) // the entries of puts not held, by change
	for i := range ch.Changes {
		c := &ch.Changes[i]
		if old, ok := q.byID[c.ID]; c.Ticket != nil && (!ok || old.seq != c.Seq || !sameEpoch) {
			fresh[i] = &entry{t: *c.Ticket, seq: c.Seq}
		}
	}
	q.mu.Unlock()
	// The features are computed outside the lock, as Add does.
	feat := q.feat.Load()
	for _, e := range fresh {
		if e != nil {
			e.doc, e.scanned = newDoc(&e.t, feat)
		}
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if f := q.feat.Load(); f != feat {
		for _, e := range fresh {
			if e != nil {
				e.doc, e.scanned = newDoc(&e.t, f)
			}
		}
	}
	changed := false
	if ch.Full {
		open := make(map[string]bool, len(ch.Changes))
		for _, c := range ch.Changes {
			open[c.ID] = true
		}
		var gone []*entry
		for id, x := range q.byID {
			if !open[id] {
				gone = append(gone, x)
			}
		}
		for _, x := range gone {
			q.remove(x)
			changed = true
		}
	}
	for i, c := range ch.Changes {
		old, ok := q.byID[c.ID]
		if c.Ticket != nil && ok && old.seq == c.Seq && sameEpoch {
			continue // held already
		}
		if ok {
			q.remove(old)
			changed = true
		}
		if c.Ticket == nil {
			continue
		}
		e := fresh[i]
		if e == nil {
			// A store that gave a ticket twice: its last change wins.
			e = &entry{t: *c.Ticket, seq: c.Seq}
			e.doc, e.scanned = newDoc(&e.t, q.feat.Load())
		}
		q.byID[e.t.ID] = e
		q.peak = max(q.peak, len(q.byID))
		q.set.Add(e.doc)
		if q.index != nil {
			q.index.Add(e.doc)
		}
		changed = true
	}
	q.version = ch.Version
	if changed {
		q.dupsStale = true
		q.settle()
	}
	return nil
}

// catchUp refreshes a queue made WithStore before a read.
func (q *Queue) catchUp() {
	if q.store != nil {
		q.keep(q.Refresh(context.Background()))
	}
}

// keep keeps err for Err.
func (q *Queue) keep(err error) {
	if err != nil {
		q.errMu.Lock()
		q.err = err
		q.errMu.Unlock()
	}
}

// Err returns the last error of the queue's store that no method could
// return (of Add, Remove, or the refresh before a read), and forgets it.
// A queue without a store has none.
func (q *Queue) Err() error {
	q.errMu.Lock()
	defer q.errMu.Unlock()
	err := q.err
	q.err = nil
	return err
}

// watch applies the store's changes as the store tells of them, until
// Close.
func (q *Queue) watch() {
	c := make(chan struct{}, 1)
	stop := q.store.Notify(c)
	done := make(chan struct{})
	var once sync.Once
	q.stopWatch = func() {
		once.Do(func() {
			stop()
			close(done)
		})
	}
	go func() {
		for {
			select {
			case <-done:
				return
			case <-c:
				q.keep(q.Refresh(context.Background()))
			}
		}
	}()
}

// Close stops a queue made [WithStore] from applying its store's changes
// as they are told (its reads still apply them); it does not close the
// store. A queue without a store has nothing to close.
func (q *Queue) Close() {
	if q.stopWatch != nil {
		q.stopWatch()
	}
}
