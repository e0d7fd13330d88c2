package urgency

import (
	"cmp"
	"iter"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/triagekit/triage/urgency/internal/cluster"
)

// batchChunk is how many tickets a batch featurizes while the set groups
// the ones before.
const batchChunk = 4096

// firstChunk is the size of a batch's first chunk.
const firstChunk = 256

// addBatch is Add(tickets...) for a new queue of its own (no store, no
// lookup index, no other caller), as Engine.Rank makes: the tickets are
// put in canonical order and grouped as addSeq groups a stream in that
// order.
func (q *Queue) addBatch(tickets []Ticket) {
	// The last ticket of an ID replaces the earlier ones, as in Add.
	last := make(map[string]int, len(tickets))
	for i := range tickets {
		last[tickets[i].ID] = i
	}
	type item struct {
		created int64
		i       int
	}
	order := make([]item, 0, len(last))
	for i := range tickets {
		if last[tickets[i].ID] == i {
			order = append(order, item{unixNano(tickets[i].CreatedAt), i})
		}
	}
	slices.SortFunc(order, func(a, b item) int {
		if a.created != b.created {
			return cmp.Compare(a.created, b.created)
		}
		return strings.Compare(tickets[a.i].ID, tickets[b.i].ID)
	})
	q.addSeq(func(yield func(Ticket) bool) {
		for _, o := range order {
			if !yield(tickets[o.i]) {
				return
			}
		}
	})
}

// addSeq is Add for each ticket of seq, for a new queue of its own, as
// Engine.RankSeq makes. It works in three stages, each on its own
// goroutine, a chunk of tickets at a time: the caller's goroutine reads
// seq (decoding a file, say), the next chunk is featurized on the other
// cores, and the chunk before is grouped, on one core. A chunk is grouped
// as soon as it is featurized while the tickets come in canonical order;
// once one comes before a ticket already grouped, or replaces one, the
// grouping waits for the end of seq, so that it is done once more from
// there and not once per chunk. The set's clusters are those of one pass
// whatever the order of its additions and syncs, so the result is Add's.
func (q *Queue) addSeq(seq iter.Seq[Ticket]) {
	feat := q.feat.Load()
	read := make(chan []Ticket, 1)
	featurized := make(chan []*entry, 1)
	// A panic, of seq or of a stage, stops the stages (they drain their
	// input and drop it) and reaches the caller, on the caller's
	// goroutine, once they are done.
	var stop atomic.Bool
	var failed struct {
		sync.Mutex
		v   any
		set bool
	}
	catch := func() {
		if r := recover(); r != nil {
			failed.Lock()
			if !failed.set {
				failed.v, failed.set = r, true
			}
			failed.Unlock()
			stop.Store(true)
		}
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(featurized)
		defer drain(read)
		defer catch()
		for tickets := range read {
			if !stop.Load() {
				featurized <- featurizeChunk(tickets, feat)
			}
		}
	})
	wg.Go(func() {
		defer drain(featurized)
		defer catch()
		q.mu.Lock()
		defer q.mu.Unlock()
		var last *cluster.Doc // the latest doc added, in canonical order
		inOrder := true
		for entries := range featurized {
			if stop.Load() {
				continue
			}
			for _, e := range entries {
				if old, ok := q.byID[e.t.ID]; ok {
					q.remove(old)
					inOrder = false
				} else if last != nil && cluster.Compare(e.doc, last) < 0 {
					inOrder = false
				}
				if last == nil || cluster.Compare(e.doc, last) > 0 {
					last = e.doc
				}
				q.byID[e.t.ID] = e
				q.set.Add(e.doc)
			}
			q.peak = max(q.peak, len(q.byID))
			if inOrder {
				q.set.Sync()
			}
		}
		if !stop.Load() {
			q.set.Sync()
		}
		q.dupsStale = true
	})
	defer func() {
		r := recover()
		if r != nil {
			stop.Store(true) // seq panicked: what it gave is not grouped
		}
		close(read)
		wg.Wait()
		if r != nil {
			panic(r)
		}
		if failed.set {
			panic(failed.v)
		}
	}()
	// The first chunks are small, so that the grouping starts early; then
	// they double up to batchChunk.
	size := firstChunk
	chunk := make([]Ticket, 0, size)
	for t := range seq {
		chunk = append(chunk, t)
		if len(chunk) == size {
			read <- chunk
			size = min(2*size, batchChunk)
			chunk = make([]Ticket, 0, size)
		}
	}
	if len(chunk) > 0 {
		read <- chunk
	}
}

// drain receives from c until it is closed.
func drain[T any](c <-chan T) {
	for range c {
	}
}

// featurizeChunk returns the entries of tickets, featurized in parallel,
// in canonical order; of tickets with one ID, the last one is kept.
func featurizeChunk(tickets []Ticket, feat *featurizer) []*entry {
	entries := make([]*entry, len(tickets))
	// The grouping of the chunk before keeps a core of its own.
	parallelOn(max(1, runtime.GOMAXPROCS(0)-1), len(tickets), func(i int) {
		e := &entry{t: tickets[i]}
		e.doc, e.scanned = newDoc(&e.t, feat)
		entries[i] = e
	})
	last := make(map[string]int, len(entries))
	for i, e := range entries {
		last[e.t.ID] = i
	}
	kept := entries[:0]
	for i, e := range entries {
		if last[e.t.ID] == i {
			kept = append(kept, e)
		}
	}
	slices.SortFunc(kept, func(a, b *entry) int { return cluster.Compare(a.doc, b.doc) })
	return kept
}
