package urgency

import (
	"cmp"
	"iter"
	"math"
	"runtime"
	"slices"
	"sync"
	"time"
)

type orderKey int

const (
	keyLevel orderKey = iota
	keyDue
	keyScore
	keyCreated
	keyID
)

// orderKeys are the engine's keys for the names of packfile.OrderKeys.
var orderKeys = map[string]orderKey{"level": keyLevel, "due": keyDue, "score": keyScore, "created": keyCreated, "id": keyID}

var defaultOrder = []orderKey{keyLevel, keyDue, keyScore, keyCreated, keyID}

// Compare orders two assessments by the pack's order keys (by default:
// level, highest first, paused tickets after running ones; due, earliest
// first, tickets without a due time last; score, highest first;
// created, oldest first; id). It returns a negative number when a comes
// first. The order is total for tickets with distinct IDs.
func (e *Engine) Compare(a, b *Assessment) int {
	return e.compareKeys(keyOf(a, 0), keyOf(b, 0))
}

// compareKeys orders by the pack's order keys; the index is not one.
func (e *Engine) compareKeys(a, b sortKey) int {
	for _, k := range e.order {
		var c int
		switch k {
		case keyLevel:
			// A ticket whose clock is stopped cannot be worked on: it
			// comes after the running tickets of its level.
			c = cmp.Or(cmp.Compare(a.level, b.level), cmp.Compare(a.paused, b.paused))
		case keyDue:
			c = cmp.Or(cmp.Compare(a.dueSec, b.dueSec), cmp.Compare(a.dueNsec, b.dueNsec))
		case keyScore:
			c = cmp.Compare(b.score, a.score)
		case keyCreated:
			c = cmp.Or(cmp.Compare(a.createdSec, b.createdSec), cmp.Compare(a.createdNsec, b.createdNsec))
		case keyID:
			c = cmp.Compare(a.id, b.id)
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

// Sort puts assessments in priority order, see [Engine.Compare].
// Assessments that compare equal (the same ID) keep their relative order.
func (e *Engine) Sort(as []Assessment) {
	// Sort compact keys rather than the large structs (a comparison then
	// touches one small record, not two scattered assessments), then move
	// each assessment once, following the cycles of the permutation.
	keys := make([]sortKey, len(as))
	parallel(len(as), func(i int) { keys[i] = keyOf(&as[i], i) })
	keys = sortKeys(keys, func(a, b sortKey) int {
		return cmp.Or(e.compareKeys(a, b), cmp.Compare(a.idx, b.idx))
	})
	idx := make([]int32, len(keys))
	for i, k := range keys {
		idx[i] = k.idx
	}
	for start := range idx {
		if idx[start] < 0 {
			continue
		}
		tmp := as[start]
		cur := start
		for {
			src := int(idx[cur])
			idx[cur] = -1
			if src == start {
				as[cur] = tmp
				break
			}
			as[cur] = as[src]
			cur = src
		}
	}
}

// parallelSort is the fewest keys sortKeys sorts in two halves at once.
const parallelSort = 8192

// sortKeys sorts keys, which compare never finds equal, and returns them:
// a long slice in two halves on two goroutines, then merged. The order is
// the same either way, since no two keys are equal.
func sortKeys(keys []sortKey, compare func(a, b sortKey) int) []sortKey {
	if len(keys) < parallelSort || runtime.GOMAXPROCS(0) < 2 {
		slices.SortFunc(keys, compare)
		return keys
	}
	lo, hi := keys[:len(keys)/2], keys[len(keys)/2:]
	var wg sync.WaitGroup
	wg.Go(func() { slices.SortFunc(lo, compare) })
	slices.SortFunc(hi, compare)
	wg.Wait()
	out := make([]sortKey, 0, len(keys))
	i, j := 0, 0
	for i < len(lo) && j < len(hi) {
		if compare(lo[i], hi[j]) < 0 {
			out = append(out, lo[i])
			i++
		} else {
			out = append(out, hi[j])
			j++
		}
	}
	out = append(out, lo[i:]...)
	return append(out, hi[j:]...)
}

// sortKey is what the order keys read of one assessment, laid out
// compactly for sorting.
type sortKey struct {
	level       int32
	paused      int8 // 1 when the clock is stopped
	dueNsec     int32
	dueSec      int64
	score       float64
	createdSec  int64
	createdNsec int32
	idx         int32
	id          string
}

// rankChunk is the number of tickets one goroutine assesses at a time.
const rankChunk = 512

// Rank assesses the tickets at time now as a batch, grouped into
// repeated-issue clusters with the pack's clusters settings, and returns
// the assessments in priority order: what a new [Queue] given the tickets
// returns from [Queue.Ranked], and what "urgency rank" prints. Each
// ticket sees the facts of its cluster (cluster.size, cluster.customers,
// cluster.age, duplicate). Tickets are assessed in parallel on up to
// GOMAXPROCS goroutines; the result does not depend on that, nor on the
// order of tickets: the same tickets and now give the same order. Ticket
// IDs must be unique: as in a queue, a ticket with the ID of an earlier
// one replaces it.
func (e *Engine) Rank(tickets []Ticket, now time.Time) []Assessment {
	q := newQueue(e, ClusterSettings{})
	q.addBatch(tickets)
	return q.rankOnce(now)
}

// RankSeq is [Engine.Rank] of the tickets seq yields, for tickets that
// come one at a time: lines of a file, rows of a database cursor. It
// groups them into clusters while seq yields them, so that reading and
// grouping take the time of the longer of the two rather than their sum,
// and it keeps no copy of the tickets beyond what Rank keeps. The result
// is Rank's for the same tickets, whatever the order seq yields them in;
// tickets in canonical order (created, then ID), as an export or a log
// gives them, cost least: each is grouped once. Out of that order, the
// grouping waits for the end of seq and goes once more over the tickets
// after the first one out of place. As in Rank, a ticket with the ID of
// an earlier one replaces it.
func (e *Engine) RankSeq(seq iter.Seq[Ticket], now time.Time) []Assessment {
	q := newQueue(e, ClusterSettings{})
	q.addSeq(seq)
	return q.rankOnce(now)
}

// rankOnce ranks the tickets of a queue made for one ranking, letting go
// of its clusters and features before the assessments are made.
func (q *Queue) rankOnce(now time.Time) []Assessment {
	eng, jobs := q.rankJobs(now)
	q.forget()
	return eng.assessJobs(jobs, now)
}

// RankAlone assesses every ticket at time now, each as a cluster of one
// ([Engine.Assess]), and returns the assessments in priority order: the
// order of tickets that know nothing of each other. A batch of tickets
// from one helpdesk is ranked with [Engine.Rank]. Tickets are assessed in
// parallel on up to GOMAXPROCS goroutines; the result does not depend on
// that, nor on the order of tickets. Ticket IDs should be unique: the ID
// is the last key of the order.
func (e *Engine) RankAlone(tickets []Ticket, now time.Time) []Assessment {
	out := make([]Assessment, len(tickets))
	parallel(len(tickets), func(i int) { out[i] = e.Assess(tickets[i], now) })
	e.Sort(out)
	return out
}

func keyOf(a *Assessment, i int) sortKey {
	k := sortKey{
		level: int32(a.level), idx: int32(i), score: a.Score, id: a.Ticket.ID,
		dueSec: a.Due.Unix(), dueNsec: int32(a.Due.Nanosecond()),
		createdSec: a.Ticket.CreatedAt.Unix(), createdNsec: int32(a.Ticket.CreatedAt.Nanosecond()),
	}
	if a.Paused {
		k.paused = 1
	}
	if a.Due.IsZero() {
		// No due time: after every ticket that has one.
		k.dueSec, k.dueNsec = math.MaxInt64, 0
	}
	return k
}

// parallel calls fn(i) for i in [0, n) on up to GOMAXPROCS goroutines, in
// chunks.
func parallel(n int, fn func(i int)) { parallelOn(runtime.GOMAXPROCS(0), n, fn) }

// parallelOn is parallel on up to workers goroutines.
func parallelOn(workers, n int, fn func(i int)) {
	workers = min(workers, (n+rankChunk-1)/rankChunk)
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var mu sync.Mutex
	next := 0
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				mu.Lock()
				lo := next
				next += rankChunk
				mu.Unlock()
				if lo >= n {
					return
				}
				for i := lo; i < min(lo+rankChunk, n); i++ {
					fn(i)
				}
			}
		})
	}
	wg.Wait()
}
