// Package cluster groups tickets into repeated issues and finds similar
// tickets, from keyed hashes of their words: it never sees or keeps text.
//
// A ticket is a Doc: its features are (hash, weight) pairs, the weight
// counting a word more in the subject than in the body. Two docs are alike
// by the cosine of their feature weights times the inverse document
// frequency of each feature among recent docs, so that words every ticket
// shares ("please", "problem") count for little. Candidates come from an
// inverted index that skips the most frequent features; every candidate is
// then scored exactly, unless a bound shows its score cannot matter.
// Grouping reads, of each feature, only the latest docs of the window
// that have it (see [postingsRead]), and compares the leader of every
// cluster met: a word that thousands of docs of a window repeat costs a
// new doc no more than a rare one.
//
// Grouping is leader-based in canonical order (created, then ID): a doc
// joins the most similar cluster whose leader, its first doc, is within
// the window and at least Similarity alike, or nearly as alike to five of
// its other docs, or through a burst (docs of several customers of the
// window sharing one of its codes and concepts, see [burstCustomers]);
// otherwise it leads a new cluster. Chains (A~B, B~C) never merge clusters by themselves. The
// frequencies that weigh a doc are those of the docs of its window: the
// docs created at most a window before it, up to it in canonical order.
// So a doc's cluster is a function of the docs of the set, whatever the
// order they came in: a [Set] keeps it so through additions and removals,
// recomputing only the docs whose window a change reaches.
package cluster

import (
	"cmp"
	"iter"
	"math"
	"slices"
	"strings"
	"sync/atomic"
)

// Feature is one keyed hash of a word or concept and its weight in a doc.
type Feature struct {
	Hash   uint64
	Weight float32
}

// The top two bits of a feature's hash tell its kind: a plain word, a
// code (a word with a digit: 502, E1234) or a concept of the pack's
// lists. An outage's reports share its code and concept more than their
// words.
const (
	KindWord    uint64 = 0
	KindCode    uint64 = 1 << 62
	KindConcept uint64 = 2 << 62
	kindMask    uint64 = 3 << 62
)

// WithKind returns h with its top two bits set to kind.
func WithKind(h, kind uint64) uint64 { return h&^kindMask | kind }

// KindOf returns the kind of a feature's hash.
func KindOf(h uint64) uint64 { return h & kindMask }

// Doc is what the detector knows of one ticket.
type Doc struct {
	ID       string
	Created  int64  // Unix nanoseconds
	Customer uint64 // keyed hash of the customer ID; 0 when unknown
	// Feats are sorted by Hash, one per hash. They must not change while
	// the doc is in a Set or an Index.
	Feats []Feature

	leader *Doc // nil until assigned; itself for a leader
	dup    bool

	// indexed is set while the doc is in an Index: postings of docs
	// removed from it are dropped lazily.
	indexed bool

	// slot is the doc's place among the candidates of the comparison
	// stamp names, while another doc is compared.
	slot  int32
	stamp uint64
	// voteSlot is, likewise, the doc's cluster's place among the clusters
	// of the candidates, when the doc leads it.
	voteSlot  int32
	voteStamp uint64

	// norm caches the doc's idf-weighted length in an Index, valid while
	// the index's version is normVersion.
	norm        float64
	normVersion uint64
	// iw are the doc's saturated weights in an Index, one per feature;
	// near are its four nearest docs there, valid while the index's
	// version is nearVersion.
	iw          []float32
	near        []Match
	nearVersion uint64
}

// Leader returns the first doc of d's cluster (d itself for a leader), or
// nil before d is assigned.
func (d *Doc) Leader() *Doc { return d.leader }

// Duplicate reports whether an earlier doc of the same known customer is
// in d's cluster.
func (d *Doc) Duplicate() bool { return d.dup }

// Compare is the canonical order: created, then ID.
func Compare(a, b *Doc) int {
	if a.Created != b.Created {
		return cmp.Compare(a.Created, b.Created)
	}
	return strings.Compare(a.ID, b.ID)
}

// Params are the grouping settings.
type Params struct {
	Window     int64   // nanoseconds; docs link only within this span of their leader
	Similarity float64 // minimum cosine similarity to join a leader, 0..1
}

// frequentShare is the share of recent docs above which a feature is too
// common to find candidates with; minDocsForFrequent is how many docs
// must be known before any feature counts as frequent.
const (
	frequentShare      = 0.2
	minDocsForFrequent = 50
)

// df counts in how many docs of a set each feature occurs.
type df struct {
	count counts
	docs  int
	// memo holds idfOf by count for the last values of docs, one table
	// per value modulo idfTables: the idf of a feature depends on its
	// count and docs alone, and one comparison meets the same few counts
	// many times over. A sliding window's docs go up and down by one.
	memo [idfTables][]idfMemo
}

// idfMemo is idfOf of a count while docs is tag-1 (0: not yet known).
type idfMemo struct {
	tag int
	idf float64
}

// idfTables is how many values of docs the memo keeps idfs for; counts
// of at least maxIDFMemo are not kept.
const (
	idfTables  = 4
	maxIDFMemo = 1 << 16
)

func newDF() *df { return &df{} }

func (f *df) add(d *Doc) {
	for _, ft := range d.Feats {
		f.count.inc(ft.Hash)
	}
	f.docs++
}

func (f *df) remove(d *Doc) {
	for _, ft := range d.Feats {
		f.count.dec(ft.Hash)
	}
	f.docs--
}

// idf weighs a feature by how rare it is among the counted docs.
func (f *df) idf(h uint64) float64 { return f.idfOf(f.count.get(h)) }

// idfOf is the idf of a feature counted n times.
func (f *df) idfOf(n int32) float64 {
	if n < 0 || n >= maxIDFMemo {
		return idfOf(n, f.docs)
	}
	t := &f.memo[f.docs&(idfTables-1)]
	if int(n) >= len(*t) {
		*t = append(*t, make([]idfMemo, int(n)+1-len(*t))...)
	}
	m := &(*t)[n]
	if m.tag != f.docs+1 {
		m.tag, m.idf = f.docs+1, idfOf(n, f.docs)
	}
	return m.idf
}

// idfOf is the idf of a feature counted n times among docs docs.
func idfOf(n int32, docs int) float64 {
	return math.Log(1 + float64(docs+1)/float64(n+1))
}

func (f *df) frequent(h uint64) bool { return f.frequentOf(f.count.get(h)) }

// frequentOf tells whether a feature counted n times is frequent.
func (f *df) frequentOf(n int32) bool {
	return f.docs >= minDocsForFrequent && float64(n) > frequentShare*float64(f.docs)
}

// length is d's idf-weighted length.
func (f *df) length(d *Doc) float64 {
	var n float64
	for _, ft := range d.Feats {
		w := float64(ft.Weight) * f.idf(ft.Hash)
		n += w * w
	}
	return math.Sqrt(n)
}

// dotIDF is dot with the idf of a's features given, in their order: the
// same sum, for a doc compared with many.
func dotIDF(aIDF []float64, a, b *Doc) float64 {
	var dot float64
	i, j := 0, 0
	for i < len(a.Feats) && j < len(b.Feats) {
		switch {
		case a.Feats[i].Hash < b.Feats[j].Hash:
			i++
		case b.Feats[j].Hash < a.Feats[i].Hash:
			j++
		default:
			idf := aIDF[i]
			dot += float64(a.Feats[i].Weight) * float64(b.Feats[j].Weight) * idf * idf
			i++
			j++
		}
	}
	return dot
}

// dotIW is dotIDF over the docs' saturated weights in an Index.
func dotIW(aIDF []float64, a, b *Doc) float64 {
	var dot float64
	i, j := 0, 0
	for i < len(a.Feats) && j < len(b.Feats) {
		switch {
		case a.Feats[i].Hash < b.Feats[j].Hash:
			i++
		case b.Feats[j].Hash < a.Feats[i].Hash:
			j++
		default:
			idf := aIDF[i]
			dot += float64(a.iw[i]) * float64(b.iw[j]) * idf * idf
			i++
			j++
		}
	}
	return dot
}

// dot is the idf-weighted dot product of a and b.
func (f *df) dot(a, b *Doc) float64 {
	var dot float64
	i, j := 0, 0
	for i < len(a.Feats) && j < len(b.Feats) {
		switch {
		case a.Feats[i].Hash < b.Feats[j].Hash:
			i++
		case b.Feats[j].Hash < a.Feats[i].Hash:
			j++
		default:
			idf := f.idf(a.Feats[i].Hash)
			dot += float64(a.Feats[i].Weight) * float64(b.Feats[j].Weight) * idf * idf
			i++
			j++
		}
	}
	return dot
}

// cosine rounds the cosine of a dot product and two lengths. The sums run
// in the order of the hashes, whose key is random per queue: rounding
// keeps floating-point noise from breaking ties differently from one queue
// to the next.
func cosine(dot, la, lb float64) float64 {
	if la == 0 || lb == 0 {
		return 0
	}
	return math.Round(dot/(la*lb)*1e9) / 1e9
}

// similarity is the cosine of a and b weighted by idf.
func (f *df) similarity(a, b *Doc) float64 {
	return cosine(f.dot(a, b), f.length(a), f.length(b))
}

// Grouper assigns docs to clusters, one after the other in canonical
// order. Its state is that of the window of the next doc: the docs
// counted in the frequencies, and by feature. Not
// safe for concurrent use.
type Grouper struct {
	p       Params
	df      *df
	window  []*Doc            // docs counted in df, in canonical order
	posts   map[uint64][]*Doc // the docs counted, by feature, in canonical order
	cands   []cand            // docs sharing a feature with the doc being grouped
	votes   []vote            // the clusters of the candidates
	members []member          // the candidates that are not leaders, to compare
	scratch memberScratch
	idfs    []float64 // the idf of each feature of the doc being grouped
	// Of the doc being grouped: the squared weight of its frequent
	// features, its features whose postings were not all read, and the
	// sums of their squared weights from each on.
	frequent2  float64
	partial    []partial
	unreadFrom []float64
	// peak is the most docs counted at once since the maps were made.
	peak int
}

// NewGrouper returns a grouper with empty state.
func NewGrouper(p Params) *Grouper {
	return &Grouper{p: p, df: newDF(), posts: make(map[uint64][]*Doc)}
}

// Reset empties the state and then counts the docs of context (earlier
// docs, in canonical order, already assigned): it prepares a grouper to
// go on after them. Context docs outside the window of the next doc are
// dropped by the next Assign or Skip.
func (g *Grouper) Reset(context []*Doc) {
	g.Clear(math.MaxInt)
	for _, d := range context {
		g.count(d)
	}
}

// Clear empties the state and lets go of every doc. The state's maps and
// slices are kept for the next use, unless they were once sized for many
// more than docs docs, the most the next use can count: a Go map never
// shrinks.
func (g *Grouper) Clear(docs int) {
	if g.peak > 1024 && docs < g.peak/4 {
		g.df, g.posts, g.peak = newDF(), make(map[uint64][]*Doc), 0
		g.window, g.cands, g.idfs = nil, nil, nil
		g.members, g.scratch = nil, memberScratch{}
		g.partial, g.unreadFrom = nil, nil
		return
	}
	g.df.count.reset()
	g.df.docs = 0
	clear(g.posts)
	clear(g.window)
	g.window = g.window[:0]
	clear(g.cands)
	g.cands = g.cands[:0]
	clear(g.partial)
	g.partial = g.partial[:0]
}

func (g *Grouper) count(d *Doc) {
	g.df.add(d)
	g.window = append(g.window, d)
	g.peak = max(g.peak, len(g.window))
	for _, ft := range d.Feats {
		g.posts[ft.Hash] = append(g.posts[ft.Hash], d)
	}
}

// Window returns the docs counted now, in canonical order.
func (g *Grouper) Window() []*Doc { return slices.Clone(g.window) }

// expire drops the docs created before cut from the state.
func (g *Grouper) expire(cut int64) {
	n := 0
	for n < len(g.window) && g.window[n].Created < cut {
		old := g.window[n]
		g.df.remove(old)
		for _, ft := range old.Feats {
			g.unpost(ft.Hash, old)
		}
		g.window[n] = nil
		n++
	}
	// Drop the expired docs from the front; the slice is reallocated now
	// and then rather than moved on every call.
	g.window = g.window[n:]
}

// Skip counts d, the next doc in canonical order, with the cluster it
// has: the state goes on past a doc whose cluster cannot have changed.
func (g *Grouper) Skip(d *Doc) {
	g.expire(SubSat(d.Created, g.p.Window))
	g.count(d)
}

// Assign places d, the next doc in canonical order.
func (g *Grouper) Assign(d *Doc) {
	// Docs older than a window before d do not weigh it and cannot lead
	// its cluster.
	g.expire(SubSat(d.Created, g.p.Window))

	g.df.add(d)
	g.window = append(g.window, d)
	g.peak = max(g.peak, len(g.window))

	// A doc can only be as similar as the share of d's weight the two
	// have in common: sim = dot/(|d||c|) <= |d shared|/|d| by
	// Cauchy-Schwarz. That share builds up feature by feature from the
	// postings, one step per posting; only docs whose share can reach
	// the threshold are compared in full. Frequent features find no
	// candidates, and of the others only the latest docs are read, so
	// they count as shared with every doc that may have them unread (see
	// [Grouper.bound]).
	//
	// d's idf and length are computed once here, not per candidate: the
	// same numbers in the same order as df.similarity would compute.
	stamp := nextStamp()
	norm2 := g.gather(d, stamp)
	length := math.Sqrt(norm2)
	cut := SubSat(d.Created, g.p.Window)
	g.votes = g.votes[:0]
	for _, c := range g.cands {
		l := c.d.leader
		if norm2 == 0 || l == nil || l.Created < cut {
			continue // a cluster led from outside the window takes no more docs
		}
		if l.voteStamp != stamp {
			l.voteStamp, l.voteSlot = stamp, int32(len(g.votes))
			g.votes = append(g.votes, vote{leader: l})
		}
	}
	// Leaders first, then the other docs: a doc of a cluster d can join
	// already, and whose bound is below the cluster's best similarity,
	// changes nothing and is not compared. (A vote does not depend on the
	// order its docs are met in.) The leader of a cluster met may be too
	// early to be among the postings read: then it shares with d at most
	// the features not read in full.
	for i := range g.votes {
		v := &g.votes[i]
		l := v.leader
		var shared float64
		if l.stamp == stamp {
			shared = g.cands[l.slot].shared
		}
		if g.bound(l, shared, norm2) < g.p.Similarity-1e-9 {
			continue
		}
		if s := g.alike(d, l, length, g.p.Similarity); s >= g.p.Similarity {
			v.best, v.led = s, true
		}
	}
	// Of the other docs, only the latest memberCandidates of each cluster
	// that may be alike enough are compared: in canonical order, whatever
	// the order they were met in, so the result is still a function of
	// the window. A cluster repeating one template thousands of times in a
	// window is compared with a new doc no more than a small one.
	g.members = g.members[:0]
	for i, c := range g.cands {
		l := c.d.leader
		if norm2 == 0 || l == nil || l.Created < cut || l == c.d {
			continue
		}
		v := &g.votes[l.voteSlot]
		bound := g.bound(c.d, c.shared, norm2)
		if bound < g.p.Similarity*memberShare-1e-9 || v.led && v.best >= bound+1e-9 {
			continue
		}
		g.members = append(g.members, member{slot: l.voteSlot, cand: int32(i), bound: bound})
	}
	g.members = g.scratch.latestMembers(g.members, g.cands, len(g.votes))
	g.linkMembers(d, length)
	// d joins the cluster it is most alike to a doc of, among those whose
	// leader it is alike to, or enough of whose other docs it is nearly
	// as alike to: a report worded like the later ones of an incident but
	// not like its first still joins.
	var best *vote
	for i := range g.votes {
		v := &g.votes[i]
		if !v.led && v.links < memberLinks {
			continue
		}
		// Ties go to the earlier leader, whatever the order met.
		if best == nil || v.best > best.best || v.best == best.best && Compare(v.leader, best.leader) < 0 {
			best = v
		}
	}
	if b := g.burst(d, length, stamp, cut); b != nil {
		best = b
	}
	if best == nil {
		d.leader = d
	} else {
		d.leader = best.leader
	}
	for _, ft := range d.Feats {
		g.posts[ft.Hash] = append(g.posts[ft.Hash], d)
	}
	clear(g.votes)
}

// linkMembers compares d with the docs of g.members that may change
// the cluster it joins, to count its links to each cluster and raise the
// cluster's best similarity. The cluster of the leader d is most alike
// to comes first, its most promising docs first: once it is as alike as
// the others' docs can make them, they are not compared. (What each
// cluster's vote comes to does not depend on the order.)
func (g *Grouper) linkMembers(d *Doc, length float64) {
	var win *vote
	for _, m := range g.members {
		v := &g.votes[m.slot]
		v.members++
		v.top = max(v.top, m.bound)
	}
	for i := range g.votes {
		v := &g.votes[i]
		if v.led && (win == nil || v.best > win.best || v.best == win.best && Compare(v.leader, win.leader) < 0) {
			win = v
		}
	}
	if win != nil {
		ms := g.scratch.buf[:0]
		for _, m := range g.members {
			if &g.votes[m.slot] == win {
				ms = append(ms, m)
			}
		}
		slices.SortFunc(ms, func(a, b member) int { return cmp.Compare(b.bound, a.bound) })
		for _, m := range ms {
			g.link(d, length, m)
		}
		g.scratch.buf = ms
		settled := true
		for i := range g.votes {
			v := &g.votes[i]
			if v != win && (v.led || v.members >= memberLinks) && v.top >= win.best-1e-9 {
				// Its docs could take it above the winner, or level with
				// it and before it.
				settled = false
				break
			}
		}
		if settled {
			return
		}
	}
	for _, m := range g.members {
		if &g.votes[m.slot] != win {
			g.link(d, length, m)
		}
	}
}

// alike returns the similarity of d, the doc being grouped, of the given
// length, and c, or 0 when it is below need. c's length, whose every
// feature's idf is looked up, is computed only when the features the two
// share could make them need alike: c is at least as long as its weight
// on them.
func (g *Grouper) alike(d, c *Doc, length, need float64) float64 {
	var dot, shared2 float64
	i, j := 0, 0
	for i < len(d.Feats) && j < len(c.Feats) {
		switch {
		case d.Feats[i].Hash < c.Feats[j].Hash:
			i++
		case c.Feats[j].Hash < d.Feats[i].Hash:
			j++
		default:
			// The sum in dotIDF's order, to the last bit.
			idf := g.idfs[i]
			dot += float64(d.Feats[i].Weight) * float64(c.Feats[j].Weight) * idf * idf
			wc := float64(c.Feats[j].Weight) * idf
			shared2 += wc * wc
			i++
			j++
		}
	}
	if shared2 == 0 || dot/(length*math.Sqrt(shared2)) < need-1e-6 {
		return 0
	}
	if s := cosine(dot, length, g.df.length(c)); s >= need {
		return s
	}
	return 0
}

// link compares d with the member m, unless that cannot change its
// cluster's vote.
func (g *Grouper) link(d *Doc, length float64, m member) {
	v := &g.votes[m.slot]
	if (v.led || v.links >= memberLinks) && v.best >= m.bound+1e-9 || !v.led && v.members < memberLinks {
		return // changes nothing, or cannot make memberLinks
	}
	s := g.alike(d, g.cands[m.cand].d, length, g.p.Similarity*memberShare)
	if s < g.p.Similarity*memberShare {
		return
	}
	if s >= g.p.Similarity {
		v.best = max(v.best, s)
	}
	v.links++
}

// A doc not alike to a cluster's leader still joins the cluster when it
// is memberShare of the threshold alike to memberLinks of its other docs:
// many, so that a cluster grows by its dense core and not by one doc
// alike to another's generic words. Measured on the duplicate sets of
// cmd/dupeval at the default threshold, it raises recall and keeps
// pairwise precision (fewer links, or nearer the threshold, lowered it).
const (
	memberLinks      = 5
	memberShare      = 0.9
	memberCandidates = 32
)

// member is a doc of a cluster that d may link to: the vote of its
// cluster, its index among the candidates and the bound on its
// similarity.
type member struct {
	slot, cand int32
	bound      float64 // the most d can be alike to it
}

// memberScratch is latestMembers' space, kept by a Grouper from one doc
// to the next.
type memberScratch struct {
	buf         []member
	start, next []int32
}

// latestMembers keeps, of each cluster's members in ms, the
// memberCandidates latest in canonical order, grouped by cluster; which
// are kept does not depend on the order of ms. votes is the number of
// clusters.
func (sc *memberScratch) latestMembers(ms []member, cands []cand, votes int) (kept []member) {
	if len(ms) <= memberCandidates {
		return ms
	}
	// Bucket by cluster (a counting sort), then keep each bucket's latest.
	start := slices.Grow(sc.start[:0], votes+1)[:votes+1]
	clear(start)
	for _, m := range ms {
		start[m.slot+1]++
	}
	for i := range votes {
		start[i+1] += start[i]
	}
	buf := slices.Grow(sc.buf[:0], len(ms))[:len(ms)]
	next := append(sc.next[:0], start[:votes]...)
	for _, m := range ms {
		buf[next[m.slot]] = m
		next[m.slot]++
	}
	sc.buf, sc.start, sc.next = buf, start, next
	kept = ms[:0]
	later := func(a, b member) bool { return Compare(cands[a.cand].d, cands[b.cand].d) > 0 }
	for slot := range votes {
		bucket := buf[start[slot]:start[slot+1]]
		if len(bucket) <= memberCandidates {
			kept = append(kept, bucket...)
			continue
		}
		// A min-heap of the latest seen so far: its root is the earliest
		// of them, replaced by any later doc.
		h := bucket[:memberCandidates]
		for i := len(h)/2 - 1; i >= 0; i-- {
			siftMembers(h, i, later)
		}
		for _, m := range bucket[memberCandidates:] {
			if later(m, h[0]) {
				h[0] = m
				siftMembers(h, 0, later)
			}
		}
		kept = append(kept, h...)
	}
	return kept
}

// siftMembers restores h below i as a heap whose every parent is earlier
// in canonical order than its children.
func siftMembers(h []member, i int, later func(a, b member) bool) {
	for {
		c := 2*i + 1
		if c >= len(h) {
			return
		}
		if c+1 < len(h) && later(h[c], h[c+1]) {
			c++
		}
		if !later(h[i], h[c]) {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}

// vote is what a doc being grouped has of one cluster: its best
// similarity to a doc of it, whether it is alike to its leader, and to
// how many other docs of it; and, for the burst join, how many of its docs
// share the pair of code and concept being counted (pair), from which
// distinct customers, and the most docs sharing a pair of the doc from
// burstCustomers customers or more.
type vote struct {
	leader *Doc
	best   float64
	led    bool
	links  int
	// members are how many of the cluster's docs other than its leader
	// may be compared, and top the most d can be alike to one.
	members int
	top     float64

	pair     int
	pairDocs int
	burst    int
}

// An incident is a burst: many customers within a window reporting one
// error code and one concept (a 502 when paying), each in their own words
// and language. A doc joins a cluster through a pair of its code (not a
// frequent one) and its concept that docs of burstCustomers distinct known
// customers of the window share: the cluster with the most of those docs,
// ties to the earlier leader, whatever else the doc is alike to. A doc
// counts, and joins, only when the pair is at least burstShare of its
// squared weight: in a short report the code and the concept are most of
// what it says; in a long one that happens to name both they are not.
// Measured on the duplicate sets of cmd/dupeval, a lower share, or counting
// long docs, links unrelated reports.
const (
	burstCustomers = 3
	burstShare     = 0.1
)

// burst returns the vote of the cluster d joins by the burst rule, or nil.
// The votes are those of d's candidates, stamped with stamp: every doc
// sharing a code that is not frequent with d is one.
func (g *Grouper) burst(d *Doc, length float64, stamp uint64, cut int64) *vote {
	// Features sort by kind: words, then codes, then concepts.
	codes, _ := slices.BinarySearchFunc(d.Feats, KindCode, func(f Feature, k uint64) int { return cmp.Compare(KindOf(f.Hash), k) })
	concepts, _ := slices.BinarySearchFunc(d.Feats, KindConcept, func(f Feature, k uint64) int { return cmp.Compare(KindOf(f.Hash), k) })
	if codes == concepts || concepts == len(d.Feats) || length == 0 {
		return nil
	}
	pair := 0
	for i := codes; i < concepts; i++ {
		code := d.Feats[i]
		codeIDF := g.idfs[i]
		var posts []*Doc // the docs sharing the code, once needed
		for j := concepts; j < len(d.Feats); j++ {
			concept := d.Feats[j]
			conceptIDF := g.idfs[j]
			if pairShare(code.Weight, concept.Weight, codeIDF, conceptIDF, length) < burstShare {
				continue
			}
			if posts == nil {
				if g.df.frequent(code.Hash) {
					break
				}
				if posts = g.posts[code.Hash]; posts == nil {
					break
				}
			}
			// in tells whether a doc sharing the code is in the burst.
			in := func(c *Doc) bool {
				k, ok := c.find(concept.Hash)
				if !ok {
					return false
				}
				cw, _ := c.find(code.Hash)
				return pairShare(c.Feats[cw].Weight, c.Feats[k].Weight, codeIDF, conceptIDF, g.df.length(c)) >= burstShare
			}
			var customers [burstCustomers]uint64
			known := 0
			for _, c := range posts {
				if known == burstCustomers {
					break
				}
				if c.Customer != 0 && !slices.Contains(customers[:known], c.Customer) && in(c) {
					customers[known] = c.Customer
					known++
				}
			}
			if known < burstCustomers {
				continue
			}
			pair++
			for _, c := range posts {
				l := c.leader
				if l == nil || l.Created < cut || l.voteStamp != stamp || !in(c) {
					continue
				}
				v := &g.votes[l.voteSlot]
				if v.pair != pair {
					v.pair, v.pairDocs = pair, 0
				}
				v.pairDocs++
				v.burst = max(v.burst, v.pairDocs)
			}
		}
	}
	if pair == 0 {
		return nil
	}
	var best *vote
	for i := range g.votes {
		v := &g.votes[i]
		if v.burst == 0 {
			continue
		}
		if best == nil || v.burst > best.burst || v.burst == best.burst && Compare(v.leader, best.leader) < 0 {
			best = v
		}
	}
	return best
}

// pairShare is the share of a doc's squared length, length, that a code
// and a concept of the given weights and idfs have.
func pairShare(codeWeight, conceptWeight float32, codeIDF, conceptIDF, length float64) float64 {
	if length == 0 {
		return 0
	}
	wc, wk := float64(codeWeight)*codeIDF, float64(conceptWeight)*conceptIDF
	return (wc*wc + wk*wk) / (length * length)
}

// find returns the index of the feature h in d's features, and whether d
// has it.
func (d *Doc) find(h uint64) (int, bool) {
	return slices.BinarySearchFunc(d.Feats, h, func(f Feature, h uint64) int { return cmp.Compare(f.Hash, h) })
}

// stamps numbers the calls of gather, across groupers and indexes: a
// doc's slot is valid for the call its stamp names.
var stamps atomic.Uint64

func nextStamp() uint64 { return stamps.Add(1) }

// AddSat is a+b, and SubSat a-b, saturating at the ends of int64 rather
// than wrapping: windows reach past the times of any doc.
func AddSat(a, b int64) int64 {
	if s := a + b; (b >= 0) == (s >= a) {
		return s
	}
	if b > 0 {
		return math.MaxInt64
	}
	return math.MinInt64
}

// SubSat is a-b, saturating; see [AddSat].
func SubSat(a, b int64) int64 {
	if b == math.MinInt64 {
		return AddSat(AddSat(a, math.MaxInt64), 1)
	}
	return AddSat(a, -b)
}

// cand is a doc met by gather and the squared weight of the compared
// doc it shares.
type cand struct {
	d      *Doc
	shared float64
}

// gather finds the docs of postings that share a feature with q, not
// counting the frequent features (nor, if indexedOnly, for an Index, docs
// no longer indexed; q's weights are then its saturated ones), with the squared weight of q each shares. It returns them
// with q's squared length and the squared weight of its frequent
// features, which count as shared with every candidate:
// sim(q, c) <= sqrt((c.shared+frequent2)/norm2) by Cauchy-Schwarz. It
// appends the idf of each of q's features to idfs. Docs met are stamped
// with stamp.
func gather(f *df, q *Doc, postings map[uint64][]*Doc, stamp uint64, indexedOnly bool, cands []cand, idfs []float64) (_ []cand, _ []float64, norm2, frequent2 float64) {
	for i, ft := range q.Feats {
		n := f.count.get(ft.Hash)
		idf := f.idfOf(n)
		idfs = append(idfs, idf)
		w := float64(ft.Weight) * idf
		if indexedOnly {
			w = float64(q.iw[i]) * idf
		}
		norm2 += w * w
		if f.frequentOf(n) {
			frequent2 += w * w
			continue
		}
		for _, c := range postings[ft.Hash] {
			if c == q || indexedOnly && !c.indexed {
				continue
			}
			if c.stamp != stamp {
				c.stamp, c.slot = stamp, int32(len(cands))
				cands = append(cands, cand{d: c})
			}
			cands[c.slot].shared += w * w
		}
	}
	return cands, idfs, norm2, frequent2
}

// gather is [gather] for the grouper's postings, of which it reads, of
// each feature, only the postingsRead latest docs of the window that have
// it, dropping the earlier ones for good (a later doc never leaves the
// window before them). So the candidates of a doc are a function of the
// docs of its window that share a feature with it, and a word that
// thousands of docs of a window repeat costs a new doc no more than a
// rare one. It sets g.cands and g.idfs.
func (g *Grouper) gather(d *Doc, stamp uint64) (norm2 float64) {
	cands, idfs := g.cands[:0], g.idfs[:0]
	g.partial, g.frequent2 = g.partial[:0], 0
	for _, ft := range d.Feats {
		n := g.df.count.get(ft.Hash)
		idf := g.df.idfOf(n)
		idfs = append(idfs, idf)
		w := float64(ft.Weight) * idf
		norm2 += w * w
		if g.df.frequentOf(n) {
			g.frequent2 += w * w
			continue
		}
		ls := g.posts[ft.Hash]
		if over := len(ls) - postingsRead; over > 0 {
			clear(ls[:over])
			ls = ls[over:]
			g.posts[ft.Hash] = ls
		}
		if int(n)-1 > len(ls) {
			// Some docs of the window that have it (d is counted, not
			// posted yet) are not read: those before the first read.
			var oldest *Doc
			if len(ls) > 0 {
				oldest = ls[0]
			}
			g.partial = append(g.partial, partial{oldest: oldest, w2: w * w})
		}
		for _, c := range ls {
			if c.stamp != stamp {
				c.stamp, c.slot = stamp, int32(len(cands))
				cands = append(cands, cand{d: c})
			}
			cands[c.slot].shared += w * w
		}
	}
	g.cands, g.idfs = cands, idfs
	// By the first doc read, none read last.
	slices.SortFunc(g.partial, func(a, b partial) int { return comparePartial(a.oldest, b.oldest) })
	g.unreadFrom = slices.Grow(g.unreadFrom[:0], len(g.partial)+1)[:len(g.partial)+1]
	g.unreadFrom[len(g.partial)] = 0
	for i := len(g.partial) - 1; i >= 0; i-- {
		g.unreadFrom[i] = g.unreadFrom[i+1] + g.partial[i].w2
	}
	return norm2
}

// partial is a feature of the doc being grouped whose postings were not
// all read: the docs of the window that have it and are not met are
// those before oldest, the earliest met (nil: all of them).
type partial struct {
	oldest *Doc
	w2     float64 // its squared weight in the doc
}

// comparePartial is Compare with nil after every doc.
func comparePartial(a, b *Doc) int {
	switch {
	case a == b:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	return Compare(a, b)
}

// unmet returns the squared weight of the doc being grouped that c may
// share with it through features c was not met through: the frequent
// ones, and those whose postings read start after c.
func (g *Grouper) unmet(c *Doc) float64 {
	i, _ := slices.BinarySearchFunc(g.partial, c, func(q partial, c *Doc) int {
		if comparePartial(q.oldest, c) > 0 {
			return 1
		}
		return -1
	})
	return g.frequent2 + g.unreadFrom[i]
}

// bound is the most the doc being grouped, of squared length norm2, can
// be alike to c, which shares the squared weight shared with it through
// the postings read.
func (g *Grouper) bound(c *Doc, shared, norm2 float64) float64 {
	loose := shared + g.frequent2 + g.unreadFrom[0]
	if loose == shared+g.frequent2 {
		return math.Sqrt(loose / norm2)
	}
	return math.Sqrt((shared + g.unmet(c)) / norm2)
}

// postingsRead is how many of the latest docs of a window having a
// feature a doc being grouped meets through it. Measured with cmd/dupeval
// (the duplicate sets in one burst, where many words are in more docs
// than this), 64 and 32 give the same clusters but for one link of
// Firefox's; 32 costs the grouper of 100k templated tickets a sixth less.
const postingsRead = 32

func (g *Grouper) unpost(h uint64, d *Doc) {
	ls := g.posts[h]
	// Docs are counted and expire in canonical order, so the first to go
	// is first, if gather has not dropped it already.
	if len(ls) == 0 || ls[0] != d {
		return
	}
	ls[0] = nil
	if ls = ls[1:]; len(ls) == 0 {
		delete(g.posts, h)
	} else {
		g.posts[h] = ls
	}
}

// MarkDuplicates sets Duplicate for docs (all of them, in canonical
// order): a doc is a duplicate when an earlier doc of its cluster has the
// same known customer.
func MarkDuplicates(docs iter.Seq[*Doc]) {
	type key struct {
		leader   *Doc
		customer uint64
	}
	seen := make(map[key]bool)
	for d := range docs {
		d.dup = false
		if d.Customer == 0 || d.leader == nil {
			continue
		}
		k := key{d.leader, d.Customer}
		d.dup = seen[k]
		seen[k] = true
	}
}

// Term weights saturate as in BM25 in the similar-tickets lookup: a
// word's weight grows with its count in a doc but levels off, so that a
// subject word repeated in the body does not outweigh every other word two
// docs share. A long doc's counts level off later than a short one's; its
// length is the sum of its counts, against satAvgLen, a typical ticket's.
// (Grouping keeps the linear counts: in short tickets, saturation leaves
// the subject too little of its weight for reports of one incident, worded
// differently in the body, to meet.)
const (
	satK1     = 2.0
	satB      = 0.75
	satAvgLen = 60.0
)

// saturate returns the saturated weights of feats (a word's count, the
// subject's counting more): w' = w·(k1+1) / (w + k1·(1−b+b·L/avgL)), L the
// sum of the weights.
func saturate(feats []Feature) []float32 {
	var l float64
	for _, ft := range feats {
		l += float64(ft.Weight)
	}
	k := satK1 * (1 - satB + satB*l/satAvgLen)
	out := make([]float32, len(feats))
	for i, ft := range feats {
		w := float64(ft.Weight)
		out[i] = float32(w * (satK1 + 1) / (w + k))
	}
	return out
}
