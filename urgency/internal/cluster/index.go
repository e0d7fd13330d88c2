package cluster

import (
	"cmp"
	"math"
	"slices"
	"strings"
)

// Index finds the docs most similar to a doc among a set, weighing
// features by their frequency in the whole set. Not safe for concurrent
// use.
//
// A lookup reads, of each feature of the doc looked up, a bounded number
// of the docs holding it (perWord) and scores a bounded number of the docs
// it meets (scored): its cost does not grow with the docs indexed. A
// feature's docs are kept in canonical order, so that which are read is a
// function of the docs indexed, whatever the order they came in.
//
// A removed doc leaves the frequencies at once and its postings later:
// they are skipped, dropped from a feature's list once perWord of them are
// there, and from every list once they are as many as the live ones, so
// that the index holds at most twice the postings of its docs.
type Index struct {
	version    uint64 // changes with every Add and Remove: cached lengths are stale
	df         *df
	postings   map[uint64]*postingList
	live       int          // postings of indexed docs
	dead       int          // postings of removed docs, not yet dropped
	look       indexScratch // for a lookup
	near       indexScratch // for the lookups of a candidate's nearest docs
	perWord    int          // docs read per feature of a lookup
	scored     int          // candidates scored per lookup
	scoredNear int          // candidates scored per lookup of a candidate's nearest docs
}

// A lookup reads, of each feature of the doc looked up, the perWordDocs
// docs holding it nearest the doc in canonical order (for the lookup
// itself: the latest created no later than it; for a candidate's nearest
// docs: on both sides of it), and scores the scoredCandidates of them
// (scoredNear, for a candidate's nearest docs) that share the most of its
// weight. On the duplicate sets of cmd/dupeval (BENCHMARKS.md §14) these
// bounds cost recall@10 at most 0.001; fewer docs read or scored cost
// more (100 scored: 0.013 on one set).
const (
	perWordDocs      = 256
	scoredCandidates = 400
	scoredNear       = 100
)

// postingList is the docs indexed with one feature, in canonical order,
// with the removed ones not yet dropped: most in docs, and those added
// out of order too far back to be moved into it in late, a sorted run of
// its own that a read merges with docs. late is merged into docs once it
// is longer than lateMax, so that neither a doc added out of order nor a
// read costs in proportion to a long list.
type postingList struct {
	docs []*Doc
	late []*Doc
	dead int
}

// insertWithin is how far from the end of a feature's list a doc added
// out of canonical order is moved to its place; one further back goes to
// the list's late run: docs come mostly in order, and a doc far out of
// it does not move a long list.
const insertWithin = 64

// lateMax is how long a list's late run grows before it is merged into
// the rest, in one pass over the list: at least 256 docs and the square
// root of the list's length, so that a doc added out of order costs a
// list of n docs O(sqrt(n)) moves, amortized.
func lateMax(n int) int {
	m := 256
	for m*m < n {
		m *= 2
	}
	return m
}

func (pl *postingList) add(d *Doc) {
	n := len(pl.docs)
	pl.docs = append(pl.docs, d)
	if n == 0 || canonical(pl.docs[n-1], d) <= 0 {
		return
	}
	i := n
	for i > 0 && n-i < insertWithin && canonical(pl.docs[i-1], d) > 0 {
		i--
	}
	if i > 0 && canonical(pl.docs[i-1], d) > 0 {
		pl.docs = pl.docs[:n]
		j, _ := slices.BinarySearchFunc(pl.late, d, canonical)
		pl.late = slices.Insert(pl.late, j, d)
		if len(pl.late) > lateMax(n) {
			pl.merge()
		}
		return
	}
	copy(pl.docs[i+1:], pl.docs[i:n])
	pl.docs[i] = d
}

// merge moves the late run into docs, keeping canonical order.
func (pl *postingList) merge() {
	i, j := len(pl.docs)-1, len(pl.late)-1
	pl.docs = slices.Grow(pl.docs, len(pl.late))[:len(pl.docs)+len(pl.late)]
	for k := len(pl.docs) - 1; j >= 0; k-- {
		if i >= 0 && canonical(pl.docs[i], pl.late[j]) > 0 {
			pl.docs[k] = pl.docs[i]
			i--
		} else {
			pl.docs[k] = pl.late[j]
			j--
		}
	}
	clear(pl.late)
	pl.late = pl.late[:0]
}

// drop removes the docs no longer indexed, keeping the order, and
// returns how many it removed.
func (pl *postingList) drop() int {
	removed := 0
	for _, run := range []*[]*Doc{&pl.docs, &pl.late} {
		n := 0
		for _, d := range *run {
			if d.indexed {
				(*run)[n] = d
				n++
			}
		}
		clear((*run)[n:])
		removed += len(*run) - n
		*run = (*run)[:n]
	}
	pl.dead = 0
	return removed
}

// size is the number of docs of the list, removed ones included.
func (pl *postingList) size() int { return len(pl.docs) + len(pl.late) }

// Match is a similar doc and its similarity, 0..1.
type Match struct {
	Doc   *Doc
	Score float64
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{df: newDF(), postings: make(map[uint64]*postingList), perWord: perWordDocs, scored: scoredCandidates, scoredNear: scoredNear}
}

// Add indexes d. A doc is in at most one index at a time, and its
// features must not change while it is; a doc removed is not added again.
func (x *Index) Add(d *Doc) {
	if d.indexed {
		return
	}
	d.indexed = true
	d.iw = saturate(d.Feats)
	x.version++
	x.df.add(d)
	for _, ft := range d.Feats {
		pl := x.postings[ft.Hash]
		if pl == nil {
			pl = new(postingList)
			x.postings[ft.Hash] = pl
		}
		pl.add(d)
	}
	x.live += len(d.Feats)
}

// Remove drops d from the index, if it is there.
func (x *Index) Remove(d *Doc) {
	if !d.indexed {
		return
	}
	d.indexed = false
	d.iw, d.near = nil, nil
	x.version++
	x.df.remove(d)
	x.live -= len(d.Feats)
	x.dead += len(d.Feats)
	for _, ft := range d.Feats {
		// A lookup skips the removed docs of a list, at most perWord.
		pl := x.postings[ft.Hash]
		if pl.dead++; pl.dead < x.perWord && pl.dead < pl.size() {
			continue
		}
		x.dead -= pl.drop()
		if pl.size() == 0 {
			delete(x.postings, ft.Hash)
		}
	}
	if x.dead > x.live && x.dead >= 1024 {
		x.compact()
	}
}

// compact drops the postings of removed docs, into a new map: a Go map
// never shrinks.
func (x *Index) compact() {
	postings := make(map[uint64]*postingList, x.df.count.len())
	for h, pl := range x.postings {
		if pl.drop(); pl.size() > 0 {
			postings[h] = pl
		}
	}
	x.postings, x.dead = postings, 0
	x.look.cands, x.near.cands = nil, nil
}

// length returns d's length, cached until the index changes: a series of
// lookups computes each length once.
func (x *Index) length(d *Doc) float64 {
	if d.normVersion != x.version {
		var n float64
		for i, ft := range d.Feats {
			w := float64(d.iw[i]) * x.df.idf(ft.Hash)
			n += w * w
		}
		d.norm, d.normVersion = math.Sqrt(n), x.version
	}
	return d.norm
}

// hubPenalty weighs, in a lookup, how alike a candidate is to its own
// nearest docs: a generic report near many others (a hub) would
// otherwise come near the top of every lookup.
const hubPenalty = 0.5

// hubOf returns the mean of d's three best similarities among the docs
// indexed other than q (0 for a missing one), from d's four nearest docs
// (found as a lookup finds them: among the docs of each of its features
// nearest it in canonical order, on both sides), cached until the index
// changes: a function of the docs indexed, whatever the order they came in.
func (x *Index) hubOf(d, q *Doc) float64 {
	if d.nearVersion != x.version {
		d.near = append(d.near[:0], x.similar(d, 4, around, 0, func(*Doc) bool { return true }, &x.near)...)
		d.nearVersion = x.version
	}
	var sum float64
	n := 0
	for _, m := range d.near {
		if m.Doc != q && n < 3 {
			sum += m.Score
			n++
		}
	}
	return sum / 3
}

// Len returns the number of docs indexed.
func (x *Index) Len() int { return x.df.docs }

// Similar returns up to k docs created no later than until most similar
// to q for which eligible is true, best first; ties in canonical order.
// The score of a doc is its cosine similarity to q less half the mean of
// its own three best similarities to the other docs indexed, if above 0:
// a generic report, near many, ranks below one as near q that is near q
// alone.
//
// The candidates are the docs read from the postings of q's features
// that are not among the most frequent: of each, the perWord latest in
// canonical order created no later than until. Of the eligible ones, the
// scored that share the most of q's weight (ties in canonical order) are
// scored, and the best k of them returned: a doc sharing with q only
// features that many later docs have too, or less of q's weight than many
// others, is not found. Candidates are compared in full in the order of
// how much of q's weight they share, which bounds their similarity and so
// their score, until the bound falls below the k-th best score.
func (x *Index) Similar(q *Doc, k int, until int64, eligible func(*Doc) bool) []Match {
	return x.similar(q, k, penalised, until, eligible, &x.look)
}

// lookupKind tells a lookup from the lookup of a candidate's nearest
// docs.
type lookupKind int

const (
	// penalised reads the latest docs created no later than the given
	// time and scores them less their hub penalty.
	penalised lookupKind = iota
	// around reads the docs nearest the doc in canonical order, on both
	// sides, and scores them by similarity alone.
	around
)

// indexScratch is the scratch of one lookup: a lookup's scores look up
// the nearest docs of its candidates, with scratch of their own.
type indexScratch struct {
	cands  []cand
	idfs   []float64
	unread []unread
	later  []Match
	read   []*Doc // the docs read of one feature
}

// unread is a feature of a lookup's doc not every doc of which was read:
// its squared weight, and the first and last docs read (last nil: up to
// the end) in canonical order. A doc between them that has the feature
// was read.
type unread struct {
	first, last *Doc
	w2          float64
}

// unreadShare is the squared weight of the features of us that d lies
// outside the docs read of.
func unreadShare(us []unread, d *Doc) float64 {
	var sum float64
	for _, u := range us {
		if canonical(d, u.first) < 0 || u.last != nil && canonical(d, u.last) > 0 {
			sum += u.w2
		}
	}
	return sum
}

// similar is Similar, or the lookup of q's nearest docs.
func (x *Index) similar(q *Doc, k int, kind lookupKind, until int64, eligible func(*Doc) bool, scratch *indexScratch) []Match {
	cands, idfs, norm2, frequent2 := x.gather(q, kind, until, nextStamp(), scratch)
	loose2 := frequent2
	for _, u := range scratch.unread {
		loose2 += u.w2
	}
	defer func() { clear(cands); scratch.cands = cands[:0] }()
	if norm2 == 0 || k <= 0 {
		return nil
	}
	// The candidates are met in the order of a sort by shared weight, most
	// first, ties in canonical order; the lookup stops well before the
	// last, so they come off a heap rather than out of a whole sort.
	// Docs not eligible are dropped first: they would only be met and
	// passed over.
	h := cands[:0]
	for _, c := range cands {
		if eligible(c.d) {
			h = append(h, c)
		}
	}
	heapify(h)
	var out []Match
	insert := func(m Match) {
		i, _ := slices.BinarySearchFunc(out, m, func(a, b Match) int {
			return cmp.Or(cmp.Compare(b.Score, a.Score), canonical(a.Doc, b.Doc))
		})
		if i < k {
			out = slices.Insert(out, i, m)
			if len(out) > k {
				out = out[:k]
			}
		}
	}
	// below tells whether a doc whose score is at most s cannot enter.
	below := func(s, margin float64) bool { return len(out) == k && s < out[k-1].Score-margin }
	scored := x.scored
	if kind == around {
		scored = x.scoredNear
	}
	// A candidate whose nearest docs are not known yet is put off, with
	// its similarity, until the others are scored: its nearest docs cost
	// a lookup, and the candidates put off are then met most similar
	// first, until even the similarity of the next, with no penalty, is
	// too low to enter.
	later := scratch.later[:0]
	for met := 0; len(h) > 0 && met < scored; h, met = h[:len(h)-1], met+1 {
		c := h[0]
		h[0] = h[len(h)-1]
		siftDown(h[:len(h)-1], 0)
		d := c.d
		bound := math.Sqrt((c.shared + loose2) / norm2)
		if below(bound, 1e-9) {
			break
		}
		if len(out) == k && len(scratch.unread) > 0 {
			// Of the features not every doc of which was read, d may share
			// only those it lies outside the docs read of.
			bound = math.Sqrt((c.shared + frequent2 + unreadShare(scratch.unread, d)) / norm2)
			if below(bound, 1e-9) {
				continue
			}
		}
		known := d.nearVersion == x.version
		if kind == penalised && known && below(bound-hubPenalty*x.hubOf(d, q), 2e-9) {
			// Its nearest docs are known: less the penalty, even the bound
			// is too low for d to enter.
			continue
		}
		s := cosine(dotIW(idfs, q, d), x.length(q), x.length(d))
		if s <= 0 || below(s, 1e-9) {
			continue // even with no penalty
		}
		if kind == penalised {
			if !known {
				later = append(later, Match{Doc: d, Score: s})
				continue
			}
			if s = math.Round((s-hubPenalty*x.hubOf(d, q))*1e9) / 1e9; s <= 0 {
				continue
			}
		}
		insert(Match{Doc: d, Score: s})
	}
	slices.SortFunc(later, func(a, b Match) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), canonical(a.Doc, b.Doc))
	})
	for _, m := range later {
		if below(m.Score, 1e-9) {
			break
		}
		if m.Score = math.Round((m.Score-hubPenalty*x.hubOf(m.Doc, q))*1e9) / 1e9; m.Score > 0 {
			insert(m)
		}
	}
	clear(later)
	scratch.later = later[:0]
	return out
}

// gather finds q's candidates: the docs read from the postings of its
// features that are not frequent, with the squared weight of q each
// shares (q's saturated weights). It returns them with q's squared length
// and the squared weight of its frequent features, and puts in
// scratch.unread the features of which not every doc was read: a
// candidate may share those unread too, so that
// sim(q, c) <= sqrt((c.shared+frequent2+unread2)/norm2) by
// Cauchy-Schwarz. It puts the idf of each of q's features in
// scratch.idfs. Docs met are stamped with stamp.
func (x *Index) gather(q *Doc, kind lookupKind, until int64, stamp uint64, scratch *indexScratch) (cands []cand, idfs []float64, norm2, frequent2 float64) {
	cands, idfs = scratch.cands[:0], scratch.idfs[:0]
	clear(scratch.unread)
	scratch.unread = scratch.unread[:0]
	for i, ft := range q.Feats {
		n := x.df.count.get(ft.Hash)
		idf := x.df.idfOf(n)
		idfs = append(idfs, idf)
		w := float64(q.iw[i]) * idf
		norm2 += w * w
		if x.df.frequentOf(n) {
			frequent2 += w * w
			continue
		}
		pl := x.postings[ft.Hash]
		if pl == nil {
			continue
		}
		var first, last *Doc
		var more bool
		if kind == around {
			scratch.read, first, last, more = pl.nearest(q, x.perWord, scratch.read[:0])
		} else {
			scratch.read, first, more = pl.latest(q, until, x.perWord, scratch.read[:0])
		}
		if more {
			scratch.unread = append(scratch.unread, unread{first: first, last: last, w2: w * w})
		}
		for _, c := range scratch.read {
			if c.stamp != stamp {
				c.stamp, c.slot = stamp, int32(len(cands))
				cands = append(cands, cand{d: c})
			}
			cands[c.slot].shared += w * w
		}
		clear(scratch.read)
	}
	scratch.idfs = idfs
	return cands, idfs, norm2, frequent2
}

// runCursor walks one sorted run of a list, from a position, over the
// docs indexed other than q: back (next is before at) or forth (next is
// at).
type runCursor struct {
	run  []*Doc
	at   int
	back bool
}

// peek returns the cursor's next doc indexed other than q, or nil,
// passing over the others for good.
func (c *runCursor) peek(q *Doc) *Doc {
	if c.back {
		for c.at > 0 {
			if d := c.run[c.at-1]; d != q && d.indexed {
				return d
			}
			c.at--
		}
		return nil
	}
	for c.at < len(c.run) {
		if d := c.run[c.at]; d != q && d.indexed {
			return d
		}
		c.at++
	}
	return nil
}

func (c *runCursor) step() {
	if c.back {
		c.at--
	} else {
		c.at++
	}
}

// side walks a list's two runs as one, in canonical order, back or forth.
type side [2]runCursor

// next returns the side's next doc indexed other than q, or nil, taking
// it when take is set.
func (s *side) next(q *Doc, take bool) *Doc {
	a := s[0].peek(q)
	if len(s[1].run) == 0 { // no late run, as mostly
		if take && a != nil {
			s[0].step()
		}
		return a
	}
	b := s[1].peek(q)
	c := &s[0]
	switch {
	case a == nil && b == nil:
		return nil
	case a == nil, b != nil && (canonical(b, a) > 0) == s[1].back:
		a, c = b, &s[1]
	}
	if take {
		c.step()
	}
	return a
}

// latest appends to read the list's n latest docs indexed created no
// later than until, other than q, and returns them, the earliest of them,
// and whether there are more.
func (pl *postingList) latest(q *Doc, until int64, n int, read []*Doc) (_ []*Doc, first *Doc, more bool) {
	var s side
	for r, run := range [2][]*Doc{pl.docs, pl.late} {
		end, _ := slices.BinarySearchFunc(run, until, func(d *Doc, t int64) int {
			if d.Created <= t {
				return -1
			}
			return 1
		})
		s[r] = runCursor{run: run, at: end, back: true}
	}
	for len(read) < n {
		d := s.next(q, true)
		if d == nil {
			return read, nil, false
		}
		read, first = append(read, d), d
	}
	return read, first, s.next(q, false) != nil
}

// nearest appends to read the list's n docs indexed nearest q in
// canonical order, other than q: the first before it, the first after,
// the second before, and so on; and returns them, the first and the last
// of them in canonical order, and whether there are more.
func (pl *postingList) nearest(q *Doc, n int, read []*Doc) (_ []*Doc, first, last *Doc, more bool) {
	var before, after side
	for r, run := range [2][]*Doc{pl.docs, pl.late} {
		lo, _ := slices.BinarySearchFunc(run, q, canonical)
		hi := lo
		for hi < len(run) && canonical(run[hi], q) == 0 {
			hi++
		}
		before[r] = runCursor{run: run, at: lo, back: true}
		after[r] = runCursor{run: run, at: hi}
	}
	var firstAfter, lastBefore *Doc
	for len(read) < n {
		b := before.next(q, true)
		if b != nil {
			read, first = append(read, b), b
			if lastBefore == nil {
				lastBefore = b
			}
			if len(read) == n {
				break
			}
		}
		a := after.next(q, true)
		if a == nil {
			if b == nil {
				break
			}
			continue
		}
		read, last = append(read, a), a
		if firstAfter == nil {
			firstAfter = a
		}
	}
	more = before.next(q, false) != nil || after.next(q, false) != nil
	if first == nil {
		first = firstAfter
	}
	if last == nil {
		last = lastBefore
	}
	return read, first, last, more
}

// canonical is Compare, not comparing the IDs of docs created at
// different times: a lookup orders many docs.
func canonical(a, b *Doc) int {
	if a.Created != b.Created {
		return cmp.Compare(a.Created, b.Created)
	}
	return strings.Compare(a.ID, b.ID)
}

// before orders candidates as a lookup meets them: most shared weight
// first, ties in canonical order (a total order: no two docs compare
// equal).
func (a cand) before(b cand) bool {
	if a.shared != b.shared {
		return a.shared > b.shared
	}
	return canonical(a.d, b.d) < 0
}

// heapify puts h in heap order, the candidate to meet first at h[0].
func heapify(h []cand) {
	for i := len(h)/2 - 1; i >= 0; i-- {
		siftDown(h, i)
	}
}

func siftDown(h []cand, i int) {
	for {
		c := 2*i + 1
		if c >= len(h) {
			return
		}
		if c+1 < len(h) && h[c+1].before(h[c]) {
			c++
		}
		if !h[c].before(h[i]) {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}
