package urgency

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/triagekit/triage/urgency/internal/cluster"
)

// Queue holds the open tickets of a helpdesk and the repeated-issue
// clusters among them, and ranks them with cluster facts applied: a
// ticket's assessment changes when its cluster grows. A Queue is safe for
// concurrent use.
//
// Its results depend only on its open tickets, its engine and the time
// given, never on its history. For any sequence of Add, Remove and
// SetEngine calls (in any order and batching, re-adding unchanged
// tickets, replacing a ticket by another with its ID, adding tickets
// older than others, reading at any time in between), Ranked(now),
// Clusters(now) and Similar are what a new queue with the same engine and
// options, given the open tickets, returns. No memory horizon limits this:
// the clusters are those of grouping every open ticket in canonical order
// (created, then ID), each ticket weighed by the word frequencies of the
// open tickets of the cluster window before it. The next read regroups
// only what a change can reach: the tickets of the cluster window after
// it, and, within a window after a ticket whose leading changed, the
// tickets that share a word with it.
//
// Memory follows the open tickets and nothing else. The queue keeps the
// tickets the host gave it until they are removed and, for each, what the
// detector knows of it: keyed hashes of its words and concepts (the key is
// random per queue), a keyed hash of its customer ID, its ID and creation
// time, never text; and, for its assessments, the ids of the pack's list
// terms its text matched. Removing a ticket lets go of all of it; the changes
// waiting for a read are at most twice the open tickets (and 1,024 more)
// before the queue regroups on its own.
//
// Replicas of a helpdesk share one queue through a [Store] ([WithStore]):
// what they share is the open tickets, from which each derives the rest.
type Queue struct {
	mu       sync.Mutex
	eng      *Engine
	settings ClusterSettings
	// own is what WithClusterSettings gave: its fields that are not zero
	// replace the pack's, with this engine and the next.
	own ClusterSettings
	// feat is read by Add outside the lock and replaced by SetEngine.
	feat atomic.Pointer[featurizer]

	byID map[string]*entry
	// peak is the most entries byID held since it was made: a Go map
	// never shrinks, so it is made anew when the queue has shrunk.
	peak int
	set  *cluster.Set
	// index is the similar-tickets lookup over the open tickets, made by
	// the first Similar and kept up to date from then on, so that a queue
	// nobody looks up in pays nothing for it.
	index *cluster.Index

	dupsStale bool // grouping changed since duplicates were marked

	// store, when set, holds the open tickets: byID mirrors it as of
	// version, and only refresh changes byID.
	store     Store
	version   Version
	refreshMu sync.Mutex // one refresh at a time
	errMu     sync.Mutex
	err       error // the last store error no method could return
	stopWatch func()
}

// entry is an open ticket and what the detector knows of it. The doc
// holds no reference to the ticket: a doc still referred to after the
// ticket left (as a leader until the next regrouping) keeps no text.
type entry struct {
	t   Ticket
	doc *cluster.Doc
	seq int64 // the store's sequence number of the ticket, with a store
	// scanned is what the list scan for the features found in the
	// ticket's text, for the engine the doc was made with.
	scanned scanned
}

// QueueOption configures a Queue.
type QueueOption func(*Queue)

// WithClusterSettings replaces the pack's clusters settings for a queue:
// each field of s that is not zero replaces the pack's, now and after
// [Queue.SetEngine], and a zero field keeps the pack's value. A negative
// Window or Horizon, or a Similarity not above 0 and at most 1, makes
// [NewQueue] fail.
func WithClusterSettings(s ClusterSettings) QueueOption {
	return func(q *Queue) { q.own = s }
}

// NewQueue returns an empty queue ranking with e. It fails only when an
// option is out of range; without options it never fails.
func NewQueue(e *Engine, opts ...QueueOption) (*Queue, error) {
	var given Queue
	for _, o := range opts {
		o(&given)
	}
	if err := given.own.check(); err != nil {
		return nil, err
	}
	q := newQueue(e, given.own)
	if given.store != nil {
		q.store = given.store
		q.watch()
	}
	return q, nil
}

// newQueue returns an empty queue ranking with e, with the settings own
// in place of the pack's.
func newQueue(e *Engine, own ClusterSettings) *Queue {
	q := &Queue{eng: e, own: own, settings: own.over(e.clusters), byID: make(map[string]*entry)}
	q.feat.Store(newFeaturizer(e.matcher))
	q.set = cluster.NewSet(q.params())
	return q
}

// check reports a setting no queue can group with; zero is no setting.
func (s ClusterSettings) check() error {
	switch {
	case s.Window < 0:
		return fmt.Errorf("urgency: clusters window must not be negative, not %v", s.Window)
	case s.Horizon < 0:
		return fmt.Errorf("urgency: clusters horizon must not be negative, not %v", s.Horizon)
	case s.Similarity != 0 && !(s.Similarity > 0 && s.Similarity <= 1):
		return fmt.Errorf("urgency: clusters similarity must be above 0 and at most 1, not %v", s.Similarity)
	}
	return nil
}

// over returns pack with the fields of s that are not zero in its place.
func (s ClusterSettings) over(pack ClusterSettings) ClusterSettings {
	if s.Window != 0 {
		pack.Window = s.Window
	}
	if s.Similarity != 0 {
		pack.Similarity = s.Similarity
	}
	if s.Horizon != 0 {
		pack.Horizon = s.Horizon
	}
	return pack
}

func (q *Queue) params() cluster.Params {
	return cluster.Params{Window: int64(q.settings.Window), Similarity: q.settings.Similarity}
}

// SetEngine makes the queue rank with e from now on: a host that reloads
// its rules sets the new engine on its queues, or binds them to a
// [Policy], which does it on every reload. The tickets' features depend on
// the pack's lists, so they are computed again, and every cluster is
// regrouped by the next read: the queue is then as a new queue with e
// given its tickets. The pack's cluster settings replace the queue's,
// but for those it was made [WithClusterSettings]. Setting the engine
// the queue has does nothing.
func (q *Queue) SetEngine(e *Engine) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if e == q.eng {
		return
	}
	q.eng = e
	q.settings = q.own.over(e.clusters)
	feat := newFeaturizer(e.matcher)
	q.feat.Store(feat)
	q.set = cluster.NewSet(q.params())
	for _, x := range q.byID {
		// Fresh docs: the set and the index keep state in each doc.
		x.doc, x.scanned = newDoc(&x.t, feat)
		q.set.Add(x.doc)
	}
	q.index = nil
	q.dupsStale = true
}

// Add adds tickets to the queue. A ticket with the ID of one already in
// the queue replaces it (an edited ticket). Add computes the tickets'
// features; the clusters are regrouped by the next Ranked, Clusters or
// Explain, only as far as the changes reach.
//
// A queue made [WithStore] puts the tickets into its store; an error of
// the store is kept for [Queue.Err], and [Queue.AddContext] returns it.
func (q *Queue) Add(tickets ...Ticket) {
	if q.store != nil {
		q.keep(q.AddContext(context.Background(), tickets...))
		return
	}
	entries := make([]*entry, len(tickets))
	feat := q.feat.Load()
	// The features are computed outside the lock, in parallel for a
	// large batch: they need only the ticket and the queue's key.
	parallel(len(tickets), func(i int) {
		e := &entry{t: tickets[i]}
		e.doc, e.scanned = newDoc(&e.t, feat)
		entries[i] = e
	})
	q.mu.Lock()
	defer q.mu.Unlock()
	if f := q.feat.Load(); f != feat {
		// The engine changed meanwhile: features are the new pack's.
		for _, e := range entries {
			e.doc, e.scanned = newDoc(&e.t, f)
		}
	}
	for _, e := range entries {
		if old, ok := q.byID[e.t.ID]; ok {
			q.remove(old)
		}
		q.byID[e.t.ID] = e
		q.peak = max(q.peak, len(q.byID))
		q.set.Add(e.doc)
		if q.index != nil {
			q.index.Add(e.doc)
		}
	}
	q.dupsStale = true
	q.settle()
}

// Remove takes the ticket with the given ID out of the queue (it was
// answered or closed) and reports whether it was there. Clusters are
// regrouped without it by the next read.
//
// A queue made [WithStore] deletes the ticket from its store; an error of
// the store is kept for [Queue.Err] and Remove reports false, and
// [Queue.RemoveContext] returns it.
func (q *Queue) Remove(id string) bool {
	if q.store != nil {
		ok, err := q.RemoveContext(context.Background(), id)
		q.keep(err)
		return ok
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	e, ok := q.byID[id]
	if ok {
		q.remove(e)
		q.settle()
	}
	return ok
}

func (q *Queue) remove(e *entry) {
	delete(q.byID, e.t.ID)
	q.set.Remove(e.doc)
	if q.index != nil {
		q.index.Remove(e.doc)
	}
	// The doc may be named as a leader until the next regrouping; it
	// keeps no features meanwhile.
	e.doc.Feats = nil
	q.dupsStale = true
	if q.peak > 1024 && len(q.byID) < q.peak/4 {
		byID := make(map[string]*entry, len(q.byID))
		for id, x := range q.byID {
			byID[id] = x
		}
		q.byID, q.peak = byID, len(byID)
	}
}

// settle regroups when the changes waiting for a read outnumber the open
// tickets twice over: a host that adds and removes without reading keeps
// memory and work in proportion to the open tickets.
func (q *Queue) settle() {
	if n := q.set.Pending(); n > 1024 && n > 2*q.set.Len() {
		q.set.Sync()
	}
}

// newDoc returns what the detector knows of t, and what the list scan
// of its text found.
func newDoc(t *Ticket, f *featurizer) (*cluster.Doc, scanned) {
	feats, subj, pre := f.features(t)
	return &cluster.Doc{ID: t.ID, Created: unixNano(t.CreatedAt), Customer: f.customer(t.Customer.ID), Feats: feats, Subject: subj}, pre
}

// unixNano is t in nanoseconds, with a ticket of unknown time (zero) at
// the start of the epoch, and times beyond what int64 nanoseconds hold
// (before 1678, after 2262) at its ends rather than wrapped around.
func unixNano(t time.Time) int64 {
	switch {
	case t.IsZero():
		return 0
	case t.Before(minNanoTime):
		return math.MinInt64
	case t.After(maxNanoTime):
		return math.MaxInt64
	}
	return t.UnixNano()
}

var (
	minNanoTime = time.Unix(0, math.MinInt64)
	maxNanoTime = time.Unix(0, math.MaxInt64)
)

// sync brings the clusters and the duplicate marks up to date; called
// with q.mu held.
func (q *Queue) sync() {
	if q.set.Pending() > 0 {
		q.set.Sync()
		q.dupsStale = true
	}
	if q.dupsStale {
		cluster.MarkDuplicates(q.set.All())
		q.dupsStale = false
	}
}

// Cluster is a group of tickets about one repeated issue.
type Cluster struct {
	// ID is the ID of the cluster's first ticket, its leader.
	ID string
	// Size is the number of tickets, Customers the number of distinct
	// customers (a ticket without a customer ID counts as one of its own).
	Size      int
	Customers int
	// FirstSeen and LastSeen are the creation times of the first and the
	// last ticket.
	FirstSeen time.Time
	LastSeen  time.Time
	// Members are the tickets' IDs in canonical order (created, then ID).
	Members []string
}

// clusters returns the clusters by leader, with their members' IDs when
// members is set, and the open entries in canonical order; called with
// q.mu held, after sync.
func (q *Queue) clusters(members bool) (map[*cluster.Doc]*Cluster, []*entry) {
	out := make(map[*cluster.Doc]*Cluster)
	entries := make([]*entry, 0, q.set.Len())
	for d := range q.set.All() {
		e := q.byID[d.ID]
		entries = append(entries, e)
		l := d.Leader()
		c := out[l]
		if c == nil {
			// Docs come in canonical order, so the first met is the
			// leader.
			c = &Cluster{ID: l.ID, FirstSeen: e.t.CreatedAt}
			out[l] = c
		}
		c.Size++
		c.LastSeen = e.t.CreatedAt
		if members || c.Size == 1 {
			c.Members = append(c.Members, e.t.ID)
		}
		// sync marked as a duplicate each doc whose known customer an
		// earlier doc of its cluster has.
		if !d.Duplicate() {
			c.Customers++
		}
	}
	return out, entries
}

// Clusters returns the clusters of the tickets in the queue, lone tickets
// included (Size 1), ordered by first ticket. They depend on the open
// tickets only; now is not used.
func (q *Queue) Clusters(now time.Time) []Cluster {
	q.catchUp()
	q.mu.Lock()
	defer q.mu.Unlock()
	q.sync()
	var out []Cluster
	byLeader, entries := q.clusters(true)
	if len(byLeader) > 0 {
		out = make([]Cluster, 0, len(byLeader))
	}
	for _, e := range entries {
		if e.doc.Leader() == e.doc {
			out = append(out, *byLeader[e.doc])
		}
	}
	return out
}

// Ranked assesses every ticket in the queue at time now, with the facts of
// its cluster (cluster.size, cluster.customers, cluster.age, duplicate),
// and returns the assessments in priority order, see [Engine.Compare].
func (q *Queue) Ranked(now time.Time) []Assessment {
	q.catchUp()
	eng, jobs := q.rankJobs(now)
	return eng.assessJobs(jobs, now)
}

// rankJob is a ticket of the queue to assess, with the facts of its
// cluster and what the scan for its features found.
type rankJob struct {
	t     *Ticket
	facts ClusterFacts
	dup   bool
	pre   scanned
}

// rankJobs brings the clusters up to date and returns the engine and the
// tickets to assess at time now.
func (q *Queue) rankJobs(now time.Time) (*Engine, []rankJob) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.sync()
	byLeader, entries := q.clusters(false)
	jobs := make([]rankJob, len(entries))
	for i, e := range entries {
		jobs[i] = rankJob{t: &e.t, dup: e.doc.Duplicate(), facts: byLeader[e.doc.Leader()].facts(now), pre: e.scanned}
	}
	return q.eng, jobs // SetEngine may replace q.eng once the lock is released
}

// assessJobs assesses the jobs in parallel and returns the assessments in
// priority order. The tickets are not changed in place (Add replaces
// entries), so the assessments run without the queue's lock.
func (e *Engine) assessJobs(jobs []rankJob, now time.Time) []Assessment {
	out := make([]Assessment, len(jobs))
	// The result's memory is written once over first, in parallel: the
	// first writes to fresh pages, made one by one amid the assessments,
	// took several times as long (the assessments of 100k tickets 0.77 s
	// on two cores, against 0.37 s after a pass of 0.015 s).
	parallel(len(jobs), func(i int) { out[i].Score = 0 })
	parallel(len(jobs), func(i int) {
		out[i] = e.assess(jobs[i].t, now, jobs[i].facts, jobs[i].dup, &jobs[i].pre)
	})
	e.Sort(out)
	return out
}

// forget lets go of the clusters and of the tickets' features, which a
// queue made for one ranking no longer needs once it has its jobs: the
// assessments are then made without them in memory.
func (q *Queue) forget() {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, x := range q.byID {
		x.doc = nil
	}
	q.byID, q.set, q.index = nil, nil, nil
}

// Len returns the number of tickets in the queue.
func (q *Queue) Len() int {
	q.catchUp()
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.byID)
}

// Match is a ticket similar to another, with its similarity (0..1).
type Match struct {
	ID    string  `json:"id"`
	Score float64 `json:"score"`
}

// Similar returns up to k tickets of the queue most similar to the ticket
// with the given ID, created no later than it and at most the lookup
// horizon (clusters.horizon) before it, best first: what an agent looks
// for to find the earlier report. Words weigh by their frequency among the
// open tickets. The first call indexes the open tickets; from then on the
// queue keeps the index up to date as tickets come and go. A lookup's cost
// is bounded, whatever the tickets open; what it may miss is in [Index.Similar].
func (q *Queue) Similar(id string, k int) []Match {
	q.catchUp()
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.index == nil {
		q.index = cluster.NewIndex()
		for d := range q.set.All() {
			q.index.Add(d)
		}
	}
	e, ok := q.byID[id]
	if !ok {
		return nil
	}
	from := cluster.SubSat(e.doc.Created, int64(q.settings.Horizon))
	return matches(q.index.Similar(e.doc, k, e.doc.Created, func(d *cluster.Doc) bool { return d.Created >= from }))
}

func matches(ms []cluster.Match) []Match {
	out := make([]Match, len(ms))
	for i, m := range ms {
		out[i] = Match{ID: m.Doc.ID, Score: m.Score}
	}
	return out
}

// Index finds similar tickets among every ticket given to it, with no
// time window: the lookup behind "urgency similar". It keeps, for each
// ticket indexed, keyed hashes of its words, a keyed hash of its customer
// ID, its ID and creation time, never text; its memory follows the
// tickets indexed and not yet removed. Safe for concurrent use.
type Index struct {
	mu    sync.Mutex
	feat  *featurizer
	index *cluster.Index
	byID  map[string]*cluster.Doc
}

// NewIndex returns an empty index that finds concepts with e's lists.
func NewIndex(e *Engine) *Index {
	return &Index{feat: newFeaturizer(e.matcher), index: cluster.NewIndex(), byID: make(map[string]*cluster.Doc)}
}

// Add indexes tickets; a ticket with an ID already indexed replaces it.
func (x *Index) Add(tickets ...Ticket) {
	for i := range tickets {
		d, _ := newDoc(&tickets[i], x.feat)
		x.mu.Lock()
		if old, ok := x.byID[d.ID]; ok {
			x.index.Remove(old)
			old.Feats = nil // its postings may hold it a while
		}
		x.byID[d.ID] = d
		x.index.Add(d)
		x.mu.Unlock()
	}
}

// Remove takes the ticket with the given ID out of the index and reports
// whether it was there.
func (x *Index) Remove(id string) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	d, ok := x.byID[id]
	if ok {
		delete(x.byID, id)
		x.index.Remove(d)
		d.Feats = nil
	}
	return ok
}

// Similar returns up to k indexed tickets most similar to the ticket with
// the given ID, created no later than it, best first; ties in order of
// creation, then ID.
//
// Its cost is bounded, whatever the tickets indexed: of each word of the
// ticket (not among the most frequent) it reads the 256 latest tickets
// with the word created no later than it, and of those it scores the 400
// that share the most of its weight; a ticket's own nearest tickets, for
// its hub penalty, are found likewise among those nearest it in order of
// creation, 100 scored. So it may miss an earlier ticket that shares only
// words that 256 later tickets have too, or that shares less of the
// ticket's words than 400 others. The answer is still a function of the
// tickets indexed, whatever the order they came in.
func (x *Index) Similar(id string, k int) []Match {
	x.mu.Lock()
	defer x.mu.Unlock()
	d, ok := x.byID[id]
	if !ok {
		return nil
	}
	return matches(x.index.Similar(d, k, d.Created, func(*cluster.Doc) bool { return true }))
}
