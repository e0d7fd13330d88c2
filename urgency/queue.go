package urgency

import (
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/triagekit/triage/urgency/internal/cluster"
)

// Queue holds the open tickets of a helpdesk and the repeated-issue
// clusters among them, and ranks them with cluster facts applied: a
// ticket's assessment changes when its cluster grows.
//
// A Queue is safe for concurrent use. Its results depend only on the set
// of tickets it holds and the time given, not on the order of Add calls,
// with one limit: the detector forgets the words of tickets once they are
// a cluster window older than the newest ticket or than the time given to
// Ranked or Clusters, so a ticket added later than that is clustered only
// among the tickets still remembered. The similar-tickets lookup remembers
// words for its own horizon (clusters.horizon, a week by default).
//
// The detector keeps keyed hashes of words (the key is random per queue),
// customer hashes, IDs and times, never the text; the queue itself keeps
// the tickets it was given, as the host's open tickets.
type Queue struct {
	mu          sync.Mutex
	eng         *Engine
	settings    ClusterSettings
	ownSettings bool // set WithClusterSettings: kept when the engine changes
	// feat is read by Add outside the lock and replaced by SetEngine.
	feat atomic.Pointer[featurizer]

	byID   map[string]*entry
	docs   []*entry // canonical order once sorted
	sorted bool
	// regroup is set when a ticket the grouper has counted was removed:
	// its state must be rebuilt before it goes on.
	regroup bool
	dirty   *entry // the earliest doc (canonical order) added or removed since
	group   *cluster.Grouper
	index   *cluster.Index
	// unindexed are tickets added since the last lookup: the lookup index
	// is brought up to date by Similar, so a stream of Adds pays nothing
	// for lookups nobody makes.
	unindexed []*entry

	dupsStale bool // grouping changed since duplicates were marked
}

type entry struct {
	grouped bool // counted in the grouper's state
	indexed bool
	t       Ticket
	doc     cluster.Doc // for grouping: its features go when it leaves the window
	// ref is the ticket in the similar-tickets index, which remembers
	// features for the longer lookup horizon; its Feats are nil once
	// forgotten there.
	ref cluster.Doc
}

// QueueOption configures a Queue.
type QueueOption func(*Queue)

// WithClusterSettings replaces the pack's clusters settings for a queue.
func WithClusterSettings(s ClusterSettings) QueueOption {
	return func(q *Queue) { q.settings, q.ownSettings = s, true }
}

// NewQueue returns an empty queue ranking with e.
func NewQueue(e *Engine, opts ...QueueOption) *Queue {
	q := &Queue{eng: e, settings: e.clusters, byID: make(map[string]*entry), sorted: true}
	q.feat.Store(newFeaturizer(e.matcher))
	for _, o := range opts {
		o(q)
	}
	q.group = cluster.NewGrouper(cluster.Params{Window: int64(q.settings.Window), Similarity: q.settings.Similarity})
	q.index = cluster.NewIndex()
	return q
}

// SetEngine makes the queue rank with e from now on: a host that reloads
// its rules sets the new engine on its queues, or binds them to a
// [Policy], which does it on every reload. The tickets' features depend on
// the pack's lists, so they are computed again and every cluster is
// regrouped by the next read, among the tickets whose words are still
// remembered; forgotten tickets keep their clusters. The pack's cluster
// settings replace the queue's unless it was made [WithClusterSettings].
// Setting the engine the queue has does nothing.
func (q *Queue) SetEngine(e *Engine) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if e == q.eng {
		return
	}
	q.eng = e
	if !q.ownSettings {
		q.settings = e.clusters
	}
	feat := newFeaturizer(e.matcher)
	q.feat.Store(feat)
	q.sort()
	for _, x := range q.docs {
		var feats []cluster.Feature
		if x.doc.Feats != nil || x.ref.Feats != nil {
			feats = feat.features(&x.t)
		}
		customer := feat.customer(x.t.Customer.ID)
		// Fresh docs, not updated ones: the grouper and the index keep
		// state of their own in each doc they have seen.
		if x.doc.Feats != nil {
			x.doc = cluster.Doc{ID: x.doc.ID, Created: x.doc.Created, Customer: customer, Feats: feats}
		} else {
			x.doc.Customer = customer // frozen: it keeps its cluster
		}
		remembered := x.ref.Feats != nil
		x.ref = cluster.Doc{ID: x.ref.ID, Created: x.ref.Created, Customer: customer}
		if remembered {
			x.ref.Feats = feats
		}
		x.indexed = false
	}
	q.group = cluster.NewGrouper(cluster.Params{Window: int64(q.settings.Window), Similarity: q.settings.Similarity})
	q.index = cluster.NewIndex()
	q.unindexed = slices.Clone(q.docs)
	for _, x := range q.docs {
		x.grouped = false
	}
	q.regroup = false
	q.dirty = nil
	if len(q.docs) > 0 {
		q.dirty = q.docs[0]
	}
	q.dupsStale = true
}

// Add adds tickets to the queue. A ticket with the ID of one already in
// the queue replaces it (an edited ticket). Tickets newer than all others
// are grouped at once; a ticket older than some already added is grouped
// by the next Ranked, Clusters or Similar, which regroups from it.
func (q *Queue) Add(tickets ...Ticket) {
	entries := make([]*entry, len(tickets))
	feat := q.feat.Load()
	for i := range tickets {
		// The features are computed outside the lock: they need only the
		// ticket and the queue's key.
		e := &entry{t: tickets[i]}
		e.featurize(feat)
		entries[i] = e
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if f := q.feat.Load(); f != feat {
		// The engine changed meanwhile: features are the new pack's.
		for _, e := range entries {
			e.featurize(f)
		}
	}
	for _, e := range entries {
		if old, ok := q.byID[e.t.ID]; ok {
			q.remove(old)
		}
		q.byID[e.t.ID] = e
		if n := len(q.docs); n > 0 && compareEntries(e, q.docs[n-1]) < 0 {
			q.sorted = false
		}
		q.docs = append(q.docs, e)
		q.unindexed = append(q.unindexed, e)
		q.touch(e)
	}
	// Tickets arriving in order, the usual stream, are grouped now, one
	// step each; a late one waits for the next read, which regroups from
	// it once for all late arrivals.
	if q.sorted {
		q.sync()
	}
}

// Remove takes the ticket with the given ID out of the queue (it was
// answered or closed) and reports whether it was there. Clusters are
// recomputed without it.
func (q *Queue) Remove(id string) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	e, ok := q.byID[id]
	if ok {
		q.remove(e)
	}
	return ok
}

func (q *Queue) remove(e *entry) {
	delete(q.byID, e.t.ID)
	q.sort()
	i, _ := slices.BinarySearchFunc(q.docs, e, compareEntries)
	q.docs = slices.Delete(q.docs, i, i+1)
	if e.grouped {
		q.regroup = true
	}
	if e.indexed && e.ref.Feats != nil {
		q.index.Remove(&e.ref, e.ref.Feats)
	}
	e.ref.Feats = nil
	if q.dirty == e {
		q.dirty = nil
		if i < len(q.docs) {
			q.dirty = q.docs[i]
		}
	}
	if i < len(q.docs) {
		q.touch(q.docs[i])
	}
}

// featurize sets e's docs for grouping and lookup from its ticket.
func (e *entry) featurize(f *featurizer) {
	e.doc = cluster.Doc{ID: e.t.ID, Created: unixNano(e.t.CreatedAt), Customer: f.customer(e.t.Customer.ID), Feats: f.features(&e.t)}
	e.ref = e.doc
}

// touch records that clusters from e on must be recomputed.
func (q *Queue) touch(e *entry) {
	if q.dirty == nil || compareEntries(e, q.dirty) < 0 {
		q.dirty = e
	}
}

// unixNano is t in nanoseconds, with a ticket of unknown time (zero) at
// the start of the epoch.
func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func compareEntries(a, b *entry) int { return cluster.Compare(&a.doc, &b.doc) }

func (q *Queue) sort() {
	if !q.sorted {
		slices.SortFunc(q.docs, compareEntries)
		q.sorted = true
	}
}

// sync brings the clusters up to date: in order from where the queue was
// last changed, continuing the grouper's state when only new tickets came
// at the end.
func (q *Queue) sync() {
	q.sort()
	if q.dirty == nil && !q.regroup {
		return
	}
	from := len(q.docs)
	if q.dirty != nil {
		from, _ = slices.BinarySearchFunc(q.docs, q.dirty, compareEntries)
	}
	q.dirty = nil
	// The grouper's state is that of the grouped tickets. If a grouped
	// one was removed, or one comes at or after from, the state is
	// rebuilt from the tickets before from; otherwise it goes on.
	reset := q.regroup
	for _, e := range q.docs[from:] {
		reset = reset || e.grouped
	}
	if reset {
		context := make([]*cluster.Doc, from)
		for i := range from {
			context[i] = &q.docs[i].doc
		}
		start := int64(math.MaxInt64)
		if from < len(q.docs) {
			start = q.docs[from].doc.Created
		} else if from > 0 {
			start = q.docs[from-1].doc.Created
		}
		q.group.Reset(context, start)
		q.regroup = false
	}
	for _, e := range q.docs[from:] {
		e.grouped = true
		if e.doc.Frozen() {
			continue // too late to link; it keeps its cluster
		}
		q.group.Assign(&e.doc)
	}
	q.dupsStale = true
}

// markDuplicates brings the duplicate marks up to date, once per read
// rather than once per Add; called with q.mu held, after sync.
func (q *Queue) markDuplicates() {
	if !q.dupsStale {
		return
	}
	docs := make([]*cluster.Doc, len(q.docs))
	for i, e := range q.docs {
		docs[i] = &e.doc
	}
	cluster.MarkDuplicates(docs)
	q.dupsStale = false
}

// expire forgets the words of tickets older than a window before now for
// grouping, and older than the lookup horizon for the similar-tickets
// lookup.
func (q *Queue) expire(now time.Time) {
	q.group.Expire(now.Add(-q.settings.Window).UnixNano())
	cut := now.Add(-q.settings.Horizon).UnixNano()
	for _, e := range q.docs {
		if e.ref.Created >= cut {
			break
		}
		if e.indexed && e.ref.Feats != nil {
			q.index.Remove(&e.ref, e.ref.Feats)
		}
		e.ref.Feats = nil
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
// members is set; called with q.mu held, after sync.
func (q *Queue) clusters(members bool) map[*cluster.Doc]*Cluster {
	out := make(map[*cluster.Doc]*Cluster)
	type member struct {
		leader   *cluster.Doc
		customer uint64
	}
	customers := make(map[member]bool)
	for _, e := range q.docs {
		l := e.doc.Leader()
		c := out[l]
		if c == nil {
			// Docs come in canonical order, so the first met is the
			// leader, unless the leader was removed after it was forgotten.
			c = &Cluster{ID: l.ID, FirstSeen: e.t.CreatedAt}
			if _, ok := q.byID[l.ID]; !ok {
				c.ID = e.t.ID
			}
			out[l] = c
		}
		c.Size++
		c.LastSeen = e.t.CreatedAt
		if members || c.Size == 1 {
			c.Members = append(c.Members, e.t.ID)
		}
		if m := (member{l, e.doc.Customer}); e.doc.Customer == 0 || !customers[m] {
			customers[m] = true
			c.Customers++
		}
	}
	return out
}

// Clusters returns the clusters of the tickets in the queue, lone tickets
// included (Size 1), ordered by first ticket. now is the current time: the
// words of tickets older than a window before it are forgotten.
func (q *Queue) Clusters(now time.Time) []Cluster {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.sync()
	q.expire(now)
	var out []Cluster
	byLeader := q.clusters(true)
	for _, e := range q.docs {
		if c := byLeader[e.doc.Leader()]; c != nil && c.Members[0] == e.t.ID {
			out = append(out, *c)
		}
	}
	return out
}

// Ranked assesses every ticket in the queue at time now, with the facts of
// its cluster (cluster.size, cluster.customers, cluster.age, duplicate),
// and returns the assessments in priority order, see [Engine.Compare].
func (q *Queue) Ranked(now time.Time) []Assessment {
	q.mu.Lock()
	q.sync()
	q.expire(now)
	q.markDuplicates()
	byLeader := q.clusters(false)
	type job struct {
		t     *Ticket
		facts ClusterFacts
		dup   bool
	}
	jobs := make([]job, len(q.docs))
	for i, e := range q.docs {
		c := byLeader[e.doc.Leader()]
		jobs[i] = job{t: &e.t, dup: e.doc.Duplicate(), facts: ClusterFacts{
			ID: c.ID, Size: c.Size, Customers: c.Customers, Age: nonNegative(now.Sub(c.FirstSeen)),
			Span: c.LastSeen.Sub(c.FirstSeen),
		}}
	}
	eng := q.eng // SetEngine may replace it once the lock is released
	q.mu.Unlock()
	// The tickets are not changed in place (Add replaces entries), so the
	// assessments can run without the lock.
	out := make([]Assessment, len(jobs))
	eng.parallel(len(jobs), func(i int) {
		out[i] = eng.assess(jobs[i].t, now, jobs[i].facts, jobs[i].dup)
	})
	eng.Sort(out)
	return out
}

// Len returns the number of tickets in the queue.
func (q *Queue) Len() int {
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
// with the given ID, created no later than it, best first: what an agent
// looks for to find the earlier report. Tickets whose words were
// forgotten (older than the lookup horizon, clusters.horizon) are not
// found.
func (q *Queue) Similar(id string, k int) []Match {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.sync()
	for _, u := range q.unindexed {
		// Skip tickets removed or forgotten since they were added.
		if u.ref.Feats != nil && q.byID[u.t.ID] == u {
			q.index.Add(&u.ref)
			u.indexed = true
		}
	}
	q.unindexed = q.unindexed[:0]
	e, ok := q.byID[id]
	if !ok || e.ref.Feats == nil {
		return nil
	}
	return matches(q.index.Similar(&e.ref, k, func(d *cluster.Doc) bool { return d.Created <= e.ref.Created }))
}

func matches(ms []cluster.Match) []Match {
	out := make([]Match, len(ms))
	for i, m := range ms {
		out[i] = Match{ID: m.Doc.ID, Score: m.Score}
	}
	return out
}

// Index finds similar tickets among every ticket given to it, with no
// time window: the lookup behind "urgency similar". Safe for concurrent
// use.
type Index struct {
	mu    sync.Mutex
	feat  *featurizer
	index *cluster.Index
	byID  map[string]*entry
}

// NewIndex returns an empty index that finds concepts with e's lists.
func NewIndex(e *Engine) *Index {
	return &Index{feat: newFeaturizer(e.matcher), index: cluster.NewIndex(), byID: make(map[string]*entry)}
}

// Add indexes tickets; a ticket with an ID already indexed replaces it.
func (x *Index) Add(tickets ...Ticket) {
	for i := range tickets {
		t := tickets[i]
		e := &entry{t: Ticket{ID: t.ID, CreatedAt: t.CreatedAt}}
		e.doc = cluster.Doc{ID: t.ID, Created: unixNano(t.CreatedAt), Customer: x.feat.customer(t.Customer.ID), Feats: x.feat.features(&t)}
		x.mu.Lock()
		if old, ok := x.byID[t.ID]; ok {
			x.index.Remove(&old.doc, old.doc.Feats)
		}
		x.byID[t.ID] = e
		x.index.Add(&e.doc)
		x.mu.Unlock()
	}
}

// Similar returns up to k indexed tickets most similar to the ticket with
// the given ID, created no later than it, best first; ties in order of
// creation, then ID.
func (x *Index) Similar(id string, k int) []Match {
	x.mu.Lock()
	defer x.mu.Unlock()
	e, ok := x.byID[id]
	if !ok {
		return nil
	}
	return matches(x.index.Similar(&e.doc, k, func(d *cluster.Doc) bool { return d.Created <= e.doc.Created }))
}
