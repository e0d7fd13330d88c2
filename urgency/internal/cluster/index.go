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
