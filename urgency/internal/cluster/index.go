package cluster

import (
	"cmp"
	"math"
	"slices"
)

// Index finds the docs most similar to a doc among a set, weighing
// features by their frequency in the whole set. Not safe for concurrent
// use.
//
// A removed doc leaves the frequencies at once and its postings later:
// they are skipped, and dropped all together once they are as many as the
// live ones, so that the index holds at most twice the postings of its
// docs.
type Index struct {
	version  uint64 // changes with every Add and Remove: cached lengths are stale
	df       *df
	postings map[uint64][]*Doc
	live     int          // postings of indexed docs
	dead     int          // postings of removed docs, not yet dropped
	look     indexScratch // for a lookup
	near     indexScratch // for the lookups of a candidate's nearest docs
}

// Match is a similar doc and its similarity, 0..1.
type Match struct {
	Doc   *Doc
	Score float64
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{df: newDF(), postings: make(map[uint64][]*Doc)}
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
		x.postings[ft.Hash] = append(x.postings[ft.Hash], d)
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
	if x.dead > x.live && x.dead >= 1024 {
		x.compact()
	}
}

// compact drops the postings of removed docs, into a new map: a Go map
// never shrinks.
func (x *Index) compact() {
	postings := make(map[uint64][]*Doc, x.df.count.len())
	for h, ds := range x.postings {
		n := 0
		for _, d := range ds {
			if d.indexed {
				n++
			}
		}
		if n == 0 {
			continue
		}
		live := make([]*Doc, 0, n)
		for _, d := range ds {
			if d.indexed {
				live = append(live, d)
			}
		}
		postings[h] = live
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
// indexed other than q (0 for a missing one), from d's four nearest docs,
// cached until the index changes: a function of the docs indexed,
// whatever the order they came in.
func (x *Index) hubOf(d, q *Doc) float64 {
	if d.nearVersion != x.version {
		d.near = append(d.near[:0], x.similar(d, 4, func(*Doc) bool { return true }, false, &x.near)...)
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

// Similar returns up to k docs most similar to q for which eligible is
// true, best first; ties in canonical order. The score of a doc is its
// cosine similarity to q less half the mean of its own three best
// similarities to the other docs indexed, if above 0: a generic report,
// near many, ranks below one as near q that is near q alone. Only docs sharing a feature
// that is not among the most frequent are considered. Candidates are
// compared in full in order of how much of q's weight they share, which
// bounds their similarity and so their score, until the bound falls below
// the k-th best score.
func (x *Index) Similar(q *Doc, k int, eligible func(*Doc) bool) []Match {
	return x.similar(q, k, eligible, true, &x.look)
}

// indexScratch is the scratch of one lookup: a lookup's scores look up
// the nearest docs of its candidates, with scratch of their own.
type indexScratch struct {
	cands []cand
	idfs  []float64
}

// similar is Similar, scoring by similarity alone unless penalise is set.
func (x *Index) similar(q *Doc, k int, eligible func(*Doc) bool, penalise bool, scratch *indexScratch) []Match {
	cands, idfs, norm2, frequent2 := gather(x.df, q, x.postings, nextStamp(), true, scratch.cands[:0], scratch.idfs[:0])
	scratch.idfs = idfs
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
	for ; len(h) > 0; h = h[:len(h)-1] {
		c := h[0]
		h[0] = h[len(h)-1]
		siftDown(h[:len(h)-1], 0)
		d := c.d
		bound := math.Sqrt((c.shared + frequent2) / norm2)
		if len(out) == k && bound < out[k-1].Score-1e-9 {
			break
		}
		if penalise && len(out) == k && d.nearVersion == x.version &&
			bound-hubPenalty*x.hubOf(d, q) < out[k-1].Score-2e-9 {
			// Its nearest docs are known: less the penalty, even the bound
			// is too low for d to enter.
			continue
		}
		s := cosine(dotIW(idfs, q, d), x.length(q), x.length(d))
		if s <= 0 {
			continue
		}
		if penalise {
			if s = math.Round((s-hubPenalty*x.hubOf(d, q))*1e9) / 1e9; s <= 0 {
				continue
			}
		}
		m := Match{Doc: d, Score: s}
		i, _ := slices.BinarySearchFunc(out, m, func(a, b Match) int {
			return cmp.Or(cmp.Compare(b.Score, a.Score), Compare(a.Doc, b.Doc))
		})
		if i < k {
			out = slices.Insert(out, i, m)
			if len(out) > k {
				out = out[:k]
			}
		}
	}
	return out
}

// before orders candidates as a lookup meets them: most shared weight
// first, ties in canonical order (a total order: no two docs compare
// equal).
func (a cand) before(b cand) bool {
	if a.shared != b.shared {
		return a.shared > b.shared
	}
	return Compare(a.d, b.d) < 0
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
