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
	live     int // postings of indexed docs
	dead     int // postings of removed docs, not yet dropped
	cands    []cand
	idfs     []float64
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
	x.cands = nil
}

// length returns d's length, cached until the index changes: a series of
// lookups computes each length once.
func (x *Index) length(d *Doc) float64 {
	if d.normVersion != x.version {
		d.norm, d.normVersion = x.df.length(d), x.version
	}
	return d.norm
}

// Len returns the number of docs indexed.
func (x *Index) Len() int { return x.df.docs }

// Similar returns up to k docs most similar to q for which eligible is
// true, best first; ties in canonical order. Only docs sharing a feature
// that is not among the most frequent are considered. Candidates are
// compared in full in order of how much of q's weight they share, which
// bounds their similarity, until the bound falls below the k-th best.
func (x *Index) Similar(q *Doc, k int, eligible func(*Doc) bool) []Match {
	cands, idfs, norm2, frequent2 := gather(x.df, q, x.postings, nextStamp(), true, x.cands[:0], x.idfs[:0])
	x.idfs = idfs
	defer func() { clear(cands); x.cands = cands[:0] }()
	if norm2 == 0 || k <= 0 {
		return nil
	}
	slices.SortFunc(cands, func(a, b cand) int { return cmp.Or(cmp.Compare(b.shared, a.shared), Compare(a.d, b.d)) })
	var out []Match
	for _, c := range cands {
		d := c.d
		bound := math.Sqrt((c.shared + frequent2) / norm2)
		if len(out) == k && bound < out[k-1].Score-1e-9 {
			break
		}
		if !eligible(d) {
			continue
		}
		s := cosine(dotIDF(idfs, q, d), x.length(q), x.length(d))
		if s <= 0 {
			continue
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
