package urgency

import (
	"cmp"
	"slices"
	"strings"
)

// batchChunk is how many tickets addBatch featurizes while the set
// groups the ones before.
const batchChunk = 4096

// addBatch is Add(tickets...) for a new queue of its own (no store, no
// lookup index, no other caller), as Engine.Rank makes: the tickets are
// put in canonical order and featurized a chunk ahead of the grouping,
// so that the set groups one chunk on one core while the next is
// featurized on the others. The set's clusters are those of one pass
// whatever the order of its additions and syncs, so the result is Add's.
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
	feat := q.feat.Load()
	featurize := func(lo, hi int) []*entry {
		entries := make([]*entry, hi-lo)
		parallel(hi-lo, func(k int) {
			e := &entry{t: tickets[order[lo+k].i]}
			e.doc, e.scanned = newDoc(&e.t, feat)
			entries[k] = e
		})
		return entries
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	next := make(chan []*entry, 1)
	hi := min(batchChunk, len(order))
	chunk := featurize(0, hi)
	for lo := hi; chunk != nil; lo = hi {
		hi = min(lo+batchChunk, len(order))
		if lo < hi {
			go func(lo, hi int) { next <- featurize(lo, hi) }(lo, hi)
		}
		for _, e := range chunk {
			q.byID[e.t.ID] = e
			q.set.Add(e.doc)
		}
		q.peak = max(q.peak, len(q.byID))
		q.set.Sync()
		chunk = nil
		if lo < hi {
			chunk = <-next
		}
	}
	q.dupsStale = true
}
